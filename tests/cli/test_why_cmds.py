"""``paraguas why``: one prediction traced back, as an auditor reads it in a terminal."""

from __future__ import annotations

import json
from pathlib import Path

from .runner import Run
from .test_training_cmds import _declare


def test_why_tells_who_said_what_on_which_training_and_what_happened(
    cli: Run, project: Path
) -> None:
    _declare(project)
    assert cli("cycle", "--from", "2025-06-01", "--to", "2025-06-02").code == 0
    (project / "truth.csv").write_text("date,rain_tomorrow\n2025-06-02,1\n")
    assert cli("actuals", "rain_tomorrow", str(project / "truth.csv")).code == 0

    shown = cli("why", "rain_tomorrow", "2025-06-02")
    assert shown.code == 0, shown.err
    out = shown.out
    assert "key 2025-06-02, scored for 2025-06-02" in out
    assert "version 1 (champion)" in out and "trigger cycle:2025-06-01" in out
    assert "the cycle of 2025-06-01 decided: ordered: the model has no champion yet" in out
    assert "What really happened: 1" in out
    assert "Audit chain intact" in out

    listed = json.loads(cli("predictions", "rain_tomorrow", "--date", "2025-06-01", "--json").out)
    by_id = json.loads(
        cli("why", "rain_tomorrow", "--id", listed["rows"][0]["prediction_id"], "--json").out
    )
    assert by_id["day"] == "2025-06-01" and by_id["answers"][0]["version"] == 1
    assert by_id["actuals"] == []  # that day's outcome never arrived


def test_why_needs_a_key_or_an_id_and_says_what_it_did_not_find(cli: Run, project: Path) -> None:
    _declare(project)
    assert cli("cycle", "--date", "2025-06-01").code == 0
    neither = cli("why", "rain_tomorrow")
    assert neither.code == 2 and "KEY or its --id" in neither.err
    missing = cli("why", "rain_tomorrow", "2031-01-01")
    assert missing.code == 1
    assert "no prediction for the key '2031-01-01'" in missing.err
    assert "paraguas predictions rain_tomorrow" in missing.err
    undeclared = cli("why", "rain_today", "2025-06-01")
    assert undeclared.code == 1 and "rain_tomorrow" in undeclared.err
