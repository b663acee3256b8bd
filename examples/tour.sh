#!/usr/bin/env bash
# A scripted tour of paraguas on a fresh project (embedded SQLite store, throw-away folder):
# register two models, promote, ask who was champion in the past, roll back, read the audit
# log, then tamper with it and watch `paraguas audit verify` catch it.
#
#   make demo                  (puts .venv/bin first on PATH)
#   KEEP=1 make demo           keep the project folder afterwards to look around
set -euo pipefail

if [[ -t 1 ]]; then BOLD=$'\033[1m' DIM=$'\033[2m' OFF=$'\033[0m'; else BOLD='' DIM='' OFF=''; fi
STEP=0
step() { STEP=$((STEP + 1)); printf '\n%s== %d. %s%s\n' "$BOLD" "$STEP" "$*" "$OFF"; }
show() {  # print a command the way one would type it, then run it
    local line='$' arg
    for arg in "$@"; do
        if [[ "$arg" =~ [^A-Za-z0-9_./=:+,@-] ]]; then line+=" '${arg//\'/\'\\\'\'}'"; else line+=" $arg"; fi
    done
    printf '%s%s%s\n' "$DIM" "$line" "$OFF"
    "$@"
}

for tool in paraguas python; do
    command -v "$tool" >/dev/null || { echo "tour.sh: '$tool' is not on PATH; run it with: make demo" >&2; exit 1; }
done

# Tables as wide as a terminal even when the output goes to a file or a pager.
[[ -t 1 ]] || export COLUMNS="${COLUMNS:-120}"

# The tour must never touch a real store: ignore any PARAGUAS_* settings from the shell.
ACTOR="${PARAGUAS_ACTOR:-tour}"
while read -r variable; do unset "$variable"; done < <(compgen -e PARAGUAS_ || true)
export PARAGUAS_ACTOR="$ACTOR"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/paraguas-tour.XXXXXX")"
cleanup() {
    if [[ "${KEEP:-0}" == 1 ]]; then
        echo "KEEP=1: the tour project is kept in $WORK/fraud-detection"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
cd "$WORK"

step "Create a project: paraguas.yaml, a SQLite metadata store and an artifact folder"
show paraguas init fraud-detection
cd fraud-detection

step "Train two models elsewhere (as in a notebook) and save them with skops and joblib"
python - <<'EOF'
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
import joblib
import skops.io

X, y = make_classification(n_samples=2000, n_features=12, n_informative=6, random_state=7)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=7)

logistic = make_pipeline(StandardScaler(), LogisticRegression(C=0.5)).fit(X_train, y_train)
forest = RandomForestClassifier(n_estimators=60, max_depth=8, random_state=7).fit(X_train, y_train)

skops.io.dump(logistic, "logistic.skops")
joblib.dump(forest, "forest.joblib")

with open("metrics.env", "w") as out:
    for name, model in (("LOGISTIC", logistic), ("FOREST", forest)):
        auc = roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])
        out.write(f"AUC_{name}={auc:.4f}\n")
        print(f"  {name.lower():9s} test AUC {auc:.4f}")
EOF
# shellcheck disable=SC1091
source metrics.env

step "Register both as versions 1 and 2 of 'fraud', with parameters, metrics and reasons"
show paraguas register fraud logistic.skops --param C=0.5 --metric "auc=$AUC_LOGISTIC" \
    --tag data=synthetic-2000 --reason "baseline: scaled logistic regression"
show paraguas register fraud forest.joblib --param n_estimators=60 --param max_depth=8 \
    --metric "auc=$AUC_FOREST" --tag data=synthetic-2000 --reason "random forest, higher AUC offline"

step "Promote version 1, then version 2 (each move needs a reason, kept in the audit log)"
show paraguas promote fraud 1 --reason "first champion: the simple baseline"
show paraguas promote fraud 2 --reason "forest beats the baseline on held-out AUC"

step "What is registered"
show paraguas models
show paraguas versions fraud

step "Who was champion in the past? Ask for a moment between the two promotions"
BETWEEN="$(paraguas history fraud --json | python -c '
import json, sys
from datetime import datetime
first, second = (datetime.fromisoformat(c["at"]) for c in json.load(sys.stdin)[:2])
print((first + (second - first) / 2).isoformat())
')"
show paraguas champion fraud --at "$BETWEEN"
show paraguas champion fraud

step "The forest misbehaves in production: roll back to the previous champion"
show paraguas rollback fraud --reason "false positives doubled after the switch"
show paraguas champion fraud

step "Every move of the aliases, and the audit log of everything"
show paraguas history fraud
show paraguas audit log

step "Verify the audit log's hash chain"
show paraguas audit verify

step "Tamper with the log behind paraguas's back: rewrite who promoted version 1"
TAMPERED="$(python - <<'EOF'
import sqlite3
import sys

with sqlite3.connect(".paraguas/paraguas.db") as db:
    seq, actor = db.execute(
        "SELECT seq, actor FROM audit_events WHERE action = 'alias.promoted' ORDER BY seq LIMIT 1"
    ).fetchone()
    db.execute("UPDATE audit_events SET actor = 'someone-else' WHERE seq = ?", (seq,))
print(f"  UPDATE audit_events SET actor = 'someone-else' WHERE seq = {seq}  (was {actor!r})",
      file=sys.stderr)
print(seq)
EOF
)"

step "Verify again: the chain is broken exactly at the altered event"
status=0
show paraguas audit verify || status=$?
if [[ "$status" -ne 1 ]]; then
    echo "tour.sh: expected 'paraguas audit verify' to exit 1 after tampering, got $status" >&2
    exit 1
fi
BROKEN_AT="$(paraguas audit verify --json | python -c 'import json, sys; print(json.load(sys.stdin)["broken_seq"])' || true)"
if [[ "$BROKEN_AT" != "$TAMPERED" ]]; then
    echo "tour.sh: expected the chain to break at event $TAMPERED, verify says '$BROKEN_AT'" >&2
    exit 1
fi
echo "paraguas audit verify exited with $status and named event $BROKEN_AT: the one altered."

step "Summary"
CHAMPION="$(paraguas champion fraud --json | python -c 'import json, sys; print(json.load(sys.stdin)["champion"])')"
EVENTS="$(paraguas audit log --json | python -c 'import json, sys; print(len(json.load(sys.stdin)))')"
cat <<EOF
  model 'fraud': 2 versions (skops AUC $AUC_LOGISTIC, joblib AUC $AUC_FOREST)
  promoted v1, then v2; at $BETWEEN the champion was v1
  rolled back: the champion is v$CHAMPION again
  $EVENTS audit events, each linked to the last by sha256
  the row altered behind paraguas's back (event $TAMPERED) was caught by 'paraguas audit verify'
EOF
