"""``paraguas cycle`` and ``paraguas decisions``: days replayed in order, re-runs that do
nothing twice, a failing model that does not stop the others."""

from __future__ import annotations

import json
from pathlib import Path

from .runner import Run
from .test_training_cmds import SPEC, _declare


def test_replay_days_then_read_the_decisions(cli: Run, project: Path) -> None:
    _declare(project)
    result = cli("cycle", "--from", "2025-06-01", "--to", "2025-06-03", "--json")
    assert result.code == 0, result.err
    runs = json.loads(result.out)
    assert [(r["model"], r["day"]) for r in runs] == [
        ("rain_tomorrow", "2025-06-01"),
        ("rain_tomorrow", "2025-06-02"),
        ("rain_tomorrow", "2025-06-03"),
    ]
    assert runs[0]["ran"] == ["monitor", "decide", "retrain", "judge", "score"]
    assert runs[0]["decisions"][0]["action"] == "retrain"
    assert [d["action"] for d in runs[1]["decisions"]] == ["keep"]

    again = json.loads(cli("cycle", "--date", "2025-06-02", "--json").out)
    assert again[0]["ran"] == [] and "score" in again[0]["skipped"]

    listed = json.loads(cli("decisions", "rain_tomorrow", "--json").out)
    assert [(d["day"], d["action"]) for d in listed] == [
        ("2025-06-01", "retrain"),
        ("2025-06-02", "keep"),
        ("2025-06-03", "keep"),
    ]
    shown = cli("decisions", "rain_tomorrow")
    assert shown.code == 0 and "ordered: the model has no champion yet" in shown.out


def test_a_failing_model_is_reported_and_the_others_run(cli: Run, project: Path) -> None:
    _declare(project)
    broken = SPEC.replace('name="rain_tomorrow"', 'name="broken"').replace(
        '"humidity", "pressure", "wind"', '"humidity", "pressur", "wind"'
    )
    (project / "models" / "broken.py").write_text(broken)
    result = cli("cycle", "--date", "2025-06-01")
    assert result.code == 4
    assert "broken 2025-06-01" in result.err and "pressur" in result.err
    assert "rain_tomorrow 2025-06-01: monitor, decide, retrain, judge, score" in result.out


def test_cycle_usage_errors(cli: Run, project: Path) -> None:
    _declare(project)
    assert cli("cycle").code == 2
    assert cli("cycle", "--date", "2025-06-01", "--from", "2025-06-01").code == 2
    assert cli("cycle", "--from", "2025-06-03", "--to", "2025-06-01").code == 2
    unknown = cli("decisions", "rain_tomorow")
    assert unknown.code == 1 and "did you mean 'rain_tomorrow'" in unknown.err.lower()
    assert "No decisions for rain_tomorrow yet" in cli("decisions", "rain_tomorrow").out


APPROVED_SPEC = SPEC.replace(
    "estimator=lambda: LogisticRegression(max_iter=500),",
    "estimator=lambda: LogisticRegression(max_iter=500), "
    "promotion=pg.Promotion(shadow_days=1, min_rows=5, min_gain=-1.0, approval='manual'),",
)


def test_an_order_retrains_and_a_manual_promotion_waits_for_someone_else(
    cli: Run, project: Path
) -> None:
    _declare(project)
    (project / "models" / "rain_tomorrow.py").write_text(APPROVED_SPEC)
    assert cli("cycle", "--from", "2025-06-01", "--to", "2025-06-02").code == 0
    ordered = cli("retrain", "rain_tomorrow", "--reason", "new data feed", "--date", "2025-06-03")
    assert ordered.code == 0, ordered.err
    third = json.loads(cli("cycle", "--date", "2025-06-03", "--json").out)[0]
    assert third["decisions"][0] == {"action": "retrain", "reason": "ordered: new data feed"}
    fourth = json.loads(cli("cycle", "--date", "2025-06-04", "--json").out)[0]
    assert fourth["decisions"][0]["action"] == "keep"  # the order was followed once
    # actuals arrive; with min_gain -1 any challenger "wins" the test, and waits for approval
    rows = "".join(f"2025-06-{d:02d},{d % 2}\n" for d in range(1, 30))
    (project / "actuals.csv").write_text("date,rain_tomorrow\n" + rows)
    assert (
        cli(
            "actuals", "rain_tomorrow", str(project / "actuals.csv"), "--arrived-at", "2025-06-05"
        ).code
        == 0
    )
    for offset in range(5, 12):
        cli("cycle", "--date", f"2025-06-{offset:02d}")
    actions = [d["action"] for d in json.loads(cli("decisions", "rain_tomorrow", "--json").out)]
    assert "awaiting_approval" in actions and "promote" not in actions
    mine = cli("approve", "rain_tomorrow", "--by", "tester")  # the actor who ordered it
    assert mine.code == 1 and "segregation of duties" in mine.err
    theirs = cli("approve", "rain_tomorrow", "--by", "risk-officer")
    assert theirs.code == 0, theirs.err
    listed = json.loads(cli("versions", "rain_tomorrow", "--json").out)
    assert [v["version"] for v in listed if "champion" in v["aliases"]] == [2]
    assert cli("approve", "rain_tomorrow", "--by", "risk-officer").code == 1  # nothing waits now


def test_backtest_prints_the_policy_table(cli: Run, project: Path) -> None:
    _declare(project)
    rows = "".join(f"2025-06-{d:02d},{d % 2}\n" for d in range(1, 30))
    (project / "actuals.csv").write_text("date,rain_tomorrow\n" + rows)
    assert (
        cli(
            "actuals", "rain_tomorrow", str(project / "actuals.csv"), "--arrived-at", "2025-05-01"
        ).code
        == 0
    )
    result = cli(
        "backtest",
        "rain_tomorrow",
        "--from",
        "2025-06-01",
        "--to",
        "2025-06-05",
        "--every",
        "2d",
        "--json",
    )
    assert result.code == 0, result.err
    table = {row["policy"]: row for row in json.loads(result.out)}
    assert set(table) == {"never", "every 2d", "spec"}
    assert table["never"]["retrains"] == 0 and table["every 2d"]["retrains"] >= 1
    assert all(row["rows"] == 5 and row["metric"] == "f1" for row in table.values())
    shown = cli("backtest", "rain_tomorrow", "--from", "2025-06-01", "--to", "2025-06-02")
    assert shown.code == 0 and "days below floor" in shown.out
    assert json.loads(cli("decisions", "rain_tomorrow", "--json").out) == []  # project untouched
