#!/usr/bin/env bash
# The umbrella story, first week: train a rain-tomorrow model on 2012-2014, forecast each day of
# the first week of 2015 (as the bank would, each evening), then record what really happened.
# Runs on the embedded default (SQLite + local folders under examples/umbrella/.paraguas).
set -euo pipefail
cd "$(dirname "$0")"
for name in $(env | grep -o '^PARAGUAS_[A-Z_]*' | grep -v '^PARAGUAS_ACTOR$' || true); do unset "$name"; done
export COLUMNS="${COLUMNS:-150}"  # wide tables when the output is not a terminal
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "A fresh project (the previous run's stores are removed)"
rm -rf .paraguas
python prepare.py

step "Train on the data as of 2014-12-31 (the most recent 180 days are held out)"
paraguas train rain_tomorrow --as-of 2014-12-31 --reason "first fit on 2012-2014"

step "Each evening of the first week of 2015: forecast tomorrow"
for day in 01 02 03 04 05 06 07; do
  paraguas predict rain_tomorrow --date "2015-01-$day"
done

step "The prediction log: which version said what, and when"
paraguas predictions rain_tomorrow --date 2015-01-07

step "What really happened arrives the next day"
python - <<'PY'
import pandas as pd

actuals = pd.read_csv("data/actuals.csv")
week = actuals[(actuals["date"] >= "2015-01-01") & (actuals["date"] <= "2015-01-07")]
week.to_csv("data/actuals-week1.csv", index=False)
PY
paraguas actuals rain_tomorrow data/actuals-week1.csv --arrived-at 2015-01-08

step "The rest of 2015: a forecast every evening"
paraguas predict rain_tomorrow --date 2015-01-08 --until 2015-12-30 --json > /dev/null
paraguas predictions rain_tomorrow --date 2015-12-30 --limit 1

step "Each month's actuals arrive on the first day of the next month"
python - <<'PY'
import pandas as pd

actuals = pd.read_csv("data/actuals.csv")
for month in range(1, 13):
    rows = actuals[actuals["date"].str.startswith(f"2015-{month:02d}") & (actuals["date"] > "2015-01-07")]
    rows.to_csv(f"data/actuals-2015-{month:02d}.csv", index=False)
PY
for month in 01 02 03 04 05 06 07 08 09 10 11; do
  next=$(printf '%02d' $((10#$month + 1)))
  paraguas actuals rain_tomorrow "data/actuals-2015-$month.csv" --arrived-at "2015-$next-01" --json > /dev/null
done
paraguas actuals rain_tomorrow data/actuals-2015-12.csv --arrived-at 2015-12-31

step "Monitoring, every week of 2015: drift, data quality, forecasts against reality"
paraguas monitor rain_tomorrow --date 2015-02-01 --until 2015-12-27 --every 7 --html report.html
echo "Open examples/umbrella/report.html in a browser for the charts."

step "The registry and the audit trail"
paraguas versions rain_tomorrow
paraguas audit log --model rain_tomorrow
paraguas audit verify
