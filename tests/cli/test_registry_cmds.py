"""``paraguas init, register, models, versions, promote, challenger, rollback, champion, history``."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from .runner import ModelFiles, Run, snapshot

# init ------------------------------------------------------------------------------------------


def test_init_creates_the_project_file_and_an_empty_store(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "deep" / "bank"

    result = run("init", folder, "--name", "credit-risk")

    assert result.code == 0, result.err
    assert f"Created project credit-risk in {folder}" in result.out
    assert yaml.safe_load((folder / "paraguas.yaml").read_text())["name"] == "credit-risk"
    assert (folder / ".paraguas" / "paraguas.db").is_file()
    assert run("--project", folder, "models", "--json").json() == []


def test_init_never_overwrites_a_project(run: Run, tmp_path: Path) -> None:
    (tmp_path / "paraguas.yaml").write_text("name: mine\nactor: alice\n")

    result = run("init", tmp_path)

    assert result.code == 1
    assert "already exists" in result.err and str(tmp_path / "paraguas.yaml") in result.err
    assert "Traceback" not in result.err
    assert (tmp_path / "paraguas.yaml").read_text() == "name: mine\nactor: alice\n"
    assert not (tmp_path / ".paraguas").exists()


# register --------------------------------------------------------------------------------------


def test_register_a_skops_file_with_params_metrics_and_tags(
    cli: Run, model_files: ModelFiles
) -> None:
    result = cli(
        "register", "fraud", model_files.skops,
        "--param", "C=1.0", "--param", "solver=lbfgs", "--param", "classes=[0, 1]",
        "--metric", "auc=0.91", "--metric", "rows=300",
        "--tag", "team=risk", "--tag", "query=a=b",
        "--reason", "first model from the notebook",
        "--json",
    )  # fmt: skip

    version = result.json()
    assert version["model"] == "fraud" and version["version"] == 1
    assert version["params"] == {"C": 1.0, "solver": "lbfgs", "classes": [0, 1]}
    assert version["metrics"] == {"auc": 0.91, "rows": 300}
    assert version["tags"] == {"team": "risk", "query": "a=b"}
    assert version["reason"] == "first model from the notebook"
    assert version["created_by"] == "tester"
    assert version["artifact"]["format"] == "skops"
    assert (
        version["artifact"]["sha256"] == hashlib.sha256(model_files.skops.read_bytes()).hexdigest()
    )
    assert version["lineage"]["source_file"] == "model.skops"
    assert cli("versions", "fraud", "--json").json() == [{**version, "aliases": []}]


def test_register_a_joblib_file_as_the_next_version(cli: Run, model_files: ModelFiles) -> None:
    assert cli("register", "fraud", model_files.skops).code == 0

    result = cli("register", "fraud", model_files.joblib, "--metric", "auc=0.9")

    assert result.code == 0, result.err
    assert "Registered fraud version 2" in result.out and "joblib" in result.out
    assert "Not champion yet" in result.out
    versions = cli("versions", "fraud", "--json").json()
    assert [(v["version"], v["artifact"]["format"]) for v in versions] == [
        (1, "skops"),
        (2, "joblib"),
    ]
    events = cli("audit", "log", "--json").json()
    assert [(e["action"], e["payload"]["version"]) for e in events] == [
        ("version.registered", 1),
        ("version.registered", 2),
    ]


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--metric", "auc=high", "--metric 'auc=high': the value 'high' is not a finite number."),
        ("--metric", "auc=true", "the value 'true' is not a finite number"),
        ("--metric", "auc=", "the value '' is not a finite number"),
        ("--metric", "auc=NaN", "the value 'NaN' is not a finite number"),
        ("--metric", "auc=1e999", "the value '1e999' is not a finite number"),
        ("--metric", "auc", "--metric 'auc': expected KEY=VALUE"),
        ("--param", "=3", "--param '=3': expected KEY=VALUE"),
        ("--tag", "team", "--tag 'team': expected KEY=VALUE"),
    ],
)
def test_a_malformed_pair_is_named_and_nothing_is_registered(
    registered: Run, project: Path, model_files: ModelFiles, option: str, value: str, message: str
) -> None:
    before = snapshot(registered, project)

    result = registered("register", "fraud", model_files.skops, option, value)

    assert result.code == 1
    assert result.out == ""
    assert result.err.startswith("error: ") and len(result.err.strip().splitlines()) == 1
    assert message in result.err
    assert snapshot(registered, project) == before


def test_non_finite_values_of_params_stay_text(cli: Run, model_files: ModelFiles) -> None:
    version = cli(
        "register",
        "fraud",
        model_files.skops,
        "--param",
        "alpha=NaN",
        "--param",
        "beta=[Infinity]",
        "--json",
    ).json()

    assert version["params"] == {"alpha": "NaN", "beta": "[Infinity]"}


@pytest.mark.parametrize(
    ("file", "message"),
    [
        ("missing.skops", "Model file '{path}' does not exist."),
        ("not_a_model", "holds a dict, not a model: it has no predict method"),
        ("not_skops", "is not a readable skops file"),
        ("text", "Cannot tell the format of 'model.txt' from its extension: expected one of"),
    ],
)
def test_a_file_that_is_not_a_model_is_refused(
    registered: Run, project: Path, model_files: ModelFiles, file: str, message: str
) -> None:
    path = getattr(model_files, file, model_files.skops.parent / file)
    before = snapshot(registered, project)

    result = registered("register", "fraud", path, "--reason", "try")

    assert result.code == 1
    assert message.format(path=path) in result.err
    assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err
    assert snapshot(registered, project) == before


@pytest.mark.parametrize("name", ["Fraud", "1fraud", "../fraud", "fraud model", "x" * 64])
def test_an_invalid_model_name_is_refused(
    registered: Run, project: Path, model_files: ModelFiles, name: str
) -> None:
    before = snapshot(registered, project)

    result = registered("register", name, model_files.skops)

    assert result.code == 1
    assert f"Model name {name!r} is not valid: expected a lowercase letter" in result.err
    assert snapshot(registered, project) == before


# models and versions ---------------------------------------------------------------------------


def test_models_without_any_says_how_to_register(cli: Run) -> None:
    result = cli("models")

    assert result.code == 0
    assert "No models registered yet" in result.out and "paraguas register" in result.out


def test_models_lists_champion_and_challenger(registered: Run, model_files: ModelFiles) -> None:
    assert registered("register", "churn", model_files.skops).code == 0
    assert registered("promote", "fraud", "1", "-r", "best so far").code == 0
    assert registered("challenger", "fraud", "2", "-r", "shadow it").code == 0

    models = registered("models", "--json").json()
    table = registered("models").out

    assert [(m["name"], m["latest_version"], m["aliases"]) for m in models] == [
        ("churn", 1, {}),
        ("fraud", 2, {"champion": 1, "challenger": 2}),
    ]
    assert all(m["created_by"] == "tester" for m in models)
    fraud_row = next(line for line in table.splitlines() if "fraud" in line)
    assert [cell.strip() for cell in fraud_row.strip("│ ").split("│")][:4] == [
        "fraud",
        "2",
        "1",
        "2",
    ]


def test_versions_shows_metrics_and_aliases(registered: Run) -> None:
    assert registered("promote", "fraud", "2", "-r", "higher auc").code == 0

    versions = registered("versions", "fraud", "--json").json()
    table = registered("versions", "fraud").out

    assert [(v["version"], v["metrics"], v["aliases"]) for v in versions] == [
        (1, {"auc": 0.81}, []),
        (2, {"auc": 0.84}, ["champion"]),
    ]
    row = next(line for line in table.splitlines() if "auc=0.84" in line)
    assert "champion" in row and "joblib" in row and versions[1]["artifact"]["sha256"][:12] in row


def test_versions_of_an_unknown_model_suggests_a_name(registered: Run) -> None:
    result = registered("versions", "frau")

    assert result.code == 1
    assert (
        result.err.strip()
        == "error: Model 'frau' is not registered. Did you mean 'fraud'? See: paraguas models"
    )


# promote, challenger, rollback -----------------------------------------------------------------


def test_promote_challenger_promote_and_rollback(registered: Run) -> None:
    first = registered("promote", "fraud", "1", "--reason", "first champion", "--json").json()
    shadow = registered("challenger", "fraud", "2", "-r", "shadow", "--actor", "bob", "--json")
    second = registered("promote", "fraud", "2", "-r", "won the shadow test")
    back = registered("rollback", "fraud", "-r", "complaints", "--json").json()

    assert {k: first[k] for k in ("model", "alias", "version", "previous_version", "action")} == {
        "model": "fraud",
        "alias": "champion",
        "version": 1,
        "previous_version": None,
        "action": "promote",
    }
    assert first["actor"] == "tester" and first["reason"] == "first champion"
    assert shadow.json()["actor"] == "bob"
    assert second.out.strip() == (
        "fraud: champion is now version 2 (was 1); recorded by tester in the audit log."
    )
    assert (back["version"], back["previous_version"], back["action"]) == (1, 2, "rollback")
    assert registered("models", "--json").json()[0]["aliases"] == {"champion": 1}
    history = registered("history", "fraud", "--json").json()
    assert [(h["alias"], h["action"], h["version"], h["previous_version"]) for h in history] == [
        ("champion", "promote", 1, None),
        ("challenger", "set", 2, None),
        ("champion", "promote", 2, 1),
        ("challenger", "promoted", None, 2),
        ("champion", "rollback", 1, 2),
    ]
    assert [h["actor"] for h in history] == ["tester", "bob", "tester", "tester", "tester"]
    actions = [e["action"] for e in registered("audit", "log", "--json").json()]
    assert actions[2:] == [
        "alias.promoted",
        "alias.set",
        "alias.promoted",
        "alias.rolled_back",
        "decision.rollback",  # a rollback is also a lifecycle decision (paraguas decisions)
    ]
    decided = registered("decisions", "fraud", "--json").json()
    assert [(d["action"], d["champion"], d["evidence"]) for d in decided] == [
        ("rollback", 1, {"from": 2, "to": 1})
    ]


def test_two_rollbacks_go_two_champions_back(registered: Run, model_files: ModelFiles) -> None:
    assert registered("register", "fraud", model_files.skops).code == 0
    for version in ("1", "2", "3"):
        assert registered("promote", "fraud", version, "-r", f"v{version}").code == 0

    first = registered("rollback", "fraud", "-r", "one", "--json").json()
    second = registered("rollback", "fraud", "-r", "two", "--json").json()
    third = registered("rollback", "fraud", "-r", "three")

    assert (first["version"], first["previous_version"]) == (2, 3)
    assert (second["version"], second["previous_version"]) == (1, 2)
    assert third.code == 1 and "no previous champion" in third.err
    assert registered("models", "--json").json()[0]["aliases"] == {"champion": 1}


def test_history_table_shows_reasons(registered: Run) -> None:
    assert registered("promote", "fraud", "1", "-r", "first champion").code == 0

    table = registered("history", "fraud").out

    row = next(line for line in table.splitlines() if "first champion" in line)
    assert "champion" in row and "promote" in row and "tester" in row


# (steps before, the refused command, its exit code, what its error says)
REFUSED_MOVES = [
    ([], ["promote", "fraud", "9", "-r", "x"], 1,
     "error: Model 'fraud' has no version 9; its versions are 1 to 2. See: paraguas versions fraud"),
    ([], ["promote", "frad", "1", "-r", "x"], 1,
     "error: Model 'frad' is not registered. Did you mean 'fraud'? See: paraguas models"),
    ([], ["promote", "fraud", "1"], 2, "Missing option '--reason'"),
    ([], ["promote", "fraud", "1", "--reason", "  "], 1, "needs a reason"),
    ([], ["promote", "fraud", "one", "-r", "x"], 2, "Invalid value for 'version'"),
    ([["promote", "fraud", "1", "-r", "x"]], ["promote", "fraud", "1", "-r", "x"], 1,
     "error: Version 1 of 'fraud' is already champion; nothing was changed."),
    ([], ["challenger", "fraud", "3", "-r", "x"], 1, "has no version 3"),
    ([], ["challenger", "fruad", "2", "-r", "x"], 1, "Did you mean 'fraud'?"),
    ([], ["challenger", "fraud", "2"], 2, "Missing option '--reason'"),
    ([["promote", "fraud", "1", "-r", "x"]], ["challenger", "fraud", "1", "-r", "x"], 1,
     "it cannot also be challenger"),
    ([], ["rollback", "fraud", "-r", "x"], 1,
     "error: Model 'fraud' has no previous champion to roll back to (it has none). "
     "See: paraguas versions fraud"),
    ([["promote", "fraud", "2", "-r", "x"]], ["rollback", "fraud", "-r", "x"], 1,
     "(version 2 is its first)"),
    ([["promote", "fraud", "2", "-r", "x"]], ["rollback", "fraud"], 2,
     "Missing option '--reason'"),
    ([], ["rollback", "fraudd", "-r", "x"], 1, "Did you mean 'fraud'?"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("setup", "args", "code", "message"),
    REFUSED_MOVES,
    ids=[" ".join(args) for _, args, _, _ in REFUSED_MOVES],
)
def test_a_refused_move_changes_nothing(
    registered: Run,
    project: Path,
    setup: list[list[str]],
    args: list[str],
    code: int,
    message: str,
) -> None:
    for step in setup:
        assert registered(*step).code == 0
    before = snapshot(registered, project)

    result = registered(*args)

    assert result.code == code
    assert message in result.err
    assert result.out == "" and "Traceback" not in result.err
    assert snapshot(registered, project) == before


# champion --------------------------------------------------------------------------------------


def _champion(cli: Run, *at: str) -> int | None:
    found: int | None = cli("champion", "fraud", *(("--at", *at) if at else ()), "--json").json()[
        "champion"
    ]
    return found


def test_champion_at_a_past_time(registered: Run) -> None:
    assert registered("promote", "fraud", "1", "-r", "first").code == 0
    assert registered("promote", "fraud", "2", "-r", "better").code == 0
    history = registered("history", "fraud", "--json").json()
    first_promoted = datetime.fromisoformat(history[0]["at"])
    second_promoted = datetime.fromisoformat(history[1]["at"])
    between = first_promoted + (second_promoted - first_promoted) / 2
    assert registered("rollback", "fraud", "-r", "oops").code == 0

    assert _champion(registered) == 1
    assert _champion(registered, "2001-01-01") is None
    assert _champion(registered, (first_promoted - timedelta(microseconds=1)).isoformat()) is None
    assert _champion(registered, first_promoted.isoformat()) == 1
    assert _champion(registered, between.isoformat()) == 1
    assert _champion(registered, history[1]["at"]) == 2
    # The same instant written in another time zone, and naive (read as UTC).
    paris = between.astimezone(timezone(timedelta(hours=2)))
    assert _champion(registered, paris.isoformat()) == 1
    assert _champion(registered, between.replace(tzinfo=None).isoformat()) == 1


def test_champion_text_says_which_version_and_when(registered: Run) -> None:
    assert registered("promote", "fraud", "2", "-r", "first").code == 0

    now = registered("champion", "fraud")
    before = registered("champion", "fraud", "--at", "2001-02-03 04:05:06")
    as_json = registered("champion", "fraud", "--at", "2001-02-03T04:05:06+01:00", "--json").json()

    assert now.out.startswith("fraud: version 2 was champion at ") and now.out.endswith(" UTC.\n")
    assert before.out == "fraud had no champion at 2001-02-03 04:05:06 UTC.\n"
    assert as_json == {"model": "fraud", "at": "2001-02-03T04:05:06+01:00", "champion": None}


def test_champion_at_a_time_that_cannot_be_read(registered: Run) -> None:
    result = registered("champion", "fraud", "--at", "yesterday")

    assert result.code == 2
    assert "Invalid value for '--at'" in result.err and "'yesterday'" in result.err
    assert "Traceback" not in result.err
