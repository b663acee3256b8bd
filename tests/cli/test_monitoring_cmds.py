"""``paraguas monitor``: a week judged, stored, shown, and drawn; exit codes for schedulers."""

from __future__ import annotations

import json
from pathlib import Path

from .runner import Run
from .test_training_cmds import _declare


def _scored(cli: Run, project: Path) -> None:
    _declare(project)
    assert cli("train", "rain_tomorrow", "--as-of", "2025-05-31").code == 0
    result = cli("predict", "rain_tomorrow", "--date", "2025-06-01", "--until", "2025-06-20")
    assert result.code == 0, result.err
    assert result.out.count("Scored 1 rows of 2025-06-") == 20
    actuals = project / "actuals.csv"
    rows = "".join(f"2025-06-{d:02d},{d % 2}\n" for d in range(1, 21))
    actuals.write_text("date,rain_tomorrow\n" + rows)
    recorded = cli("actuals", "rain_tomorrow", str(actuals), "--arrived-at", "2025-06-21")
    assert recorded.code == 0, recorded.err


def test_monitor_a_day_as_json_and_as_a_report(cli: Run, project: Path) -> None:
    _scored(cli, project)
    report = project / "report.html"
    result = cli(
        "monitor",
        "rain_tomorrow",
        "--date",
        "2025-06-21",
        "--window",
        "2w",
        "--html",
        str(report),
        "--json",
    )
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert (data["day"], data["window_days"], data["champion"]) == ("2025-06-21", 14, 1)
    assert data["status"] in ("ok", "warn", "alert")
    kinds = {c["kind"] for c in data["checks"]}
    assert {"drift", "dataset_drift", "quality", "volume", "performance"} <= kinds
    assert sum(data["counts"].values()) == len(data["checks"])
    page = report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "rain_tomorrow" in page and "<svg" in page

    shown = cli("monitor", "rain_tomorrow", "--date", "2025-06-21")
    assert shown.code == 0, shown.err
    assert "rain_tomorrow 2025-06-21 (window 7d, paraguas, champion v1" in shown.out
    history = cli("audit", "log", "--model", "rain_tomorrow", "--json")
    assert [e["action"] for e in json.loads(history.out)].count("monitored") == 2


def test_a_range_of_days_one_run_each(cli: Run, project: Path) -> None:
    _scored(cli, project)
    result = cli(
        "monitor",
        "rain_tomorrow",
        "--date",
        "2025-06-07",
        "--until",
        "2025-06-21",
        "--every",
        "7",
        "--json",
    )
    assert result.code == 0, result.err
    assert [r["day"] for r in json.loads(result.out)] == ["2025-06-07", "2025-06-14", "2025-06-21"]


def test_fail_on_turns_findings_into_an_exit_code(cli: Run, project: Path) -> None:
    _scored(cli, project)
    quiet = cli("monitor", "rain_tomorrow", "--date", "2025-06-21", "--json")
    status = json.loads(quiet.out)["status"]
    failing = cli("monitor", "rain_tomorrow", "--date", "2025-06-21", "--fail-on", "warn")
    assert failing.code == (3 if status in ("warn", "alert") else 0)
    # the inputs vanish: volume alerts, and --fail-on alert fails the run
    (project / "data" / "weather.parquet").unlink()
    gone = cli("monitor", "rain_tomorrow", "--date", "2025-06-21", "--fail-on", "alert")
    assert gone.code == 1 and "weather.parquet does not exist" in gone.err


def test_monitor_errors_name_the_fix(cli: Run, project: Path) -> None:
    _declare(project)
    unknown = cli("monitor", "rain_tomorow", "--date", "2025-06-21")
    assert unknown.code == 1 and "did you mean 'rain_tomorrow'" in unknown.err.lower()
    untrained = cli("monitor", "rain_tomorrow", "--date", "2025-06-21")
    assert untrained.code == 1 and "paraguas train rain_tomorrow" in untrained.err
    assert cli("monitor", "rain_tomorrow", "--date", "2025-06-21", "--mode", "x").code == 2
    assert cli("monitor", "rain_tomorrow", "--date", "2025-06-21", "--fail-on", "x").code == 2
    backwards = cli("monitor", "rain_tomorrow", "--date", "2025-06-21", "--until", "2025-06-01")
    assert backwards.code == 2
