"""``paraguas status``: the project's models on one screen; ``--check`` for scripts."""

from __future__ import annotations

import json
from pathlib import Path

from paraguas.cli.status_cmds import EXIT_ATTENTION

from .runner import Run
from .test_training_cmds import _declare


def test_status_lists_each_model_and_what_needs_someone(cli: Run, project: Path) -> None:
    assert cli("status").out.startswith("No models declared yet")
    _declare(project)
    before = cli("status", "--check")
    assert before.code == EXIT_ATTENTION
    assert "rain_tomorrow: no champion" in before.out
    assert cli("status").code == 0  # without --check it only tells

    assert cli("cycle", "--date", "2025-06-01").code == 0
    (found,) = json.loads(cli("status", "--json").out)
    assert (found["model"], found["champion"], found["last_cycle"]) == (
        "rain_tomorrow",
        1,
        "2025-06-01",
    )
    assert found["cycle_finished"] is True
    assert found["last_decision"]["action"] == "retrain"
    assert not any(item.startswith("no champion") for item in found["attention"])
    shown = cli("status")
    assert "rain_tomorrow" in shown.out and "v1" in shown.out and "2025-06-01" in shown.out
