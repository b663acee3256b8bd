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
