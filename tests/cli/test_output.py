"""How the CLI prints when its output goes to a file or a pipe rather than a terminal."""

from __future__ import annotations

import pytest
from rich.table import Table

from paraguas.cli.output import PIPED_WIDTH, console


def test_tables_sent_to_a_pipe_are_not_folded_to_80_columns(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    table = Table("day", "why")
    reason = "challenger f1 +0.417 [0.133, 0.643] over 91 paired rows in 91 days: promoted"
    table.add_row("2017-06-24", reason)
    console().print(table)
    out = capsys.readouterr().out
    assert reason in out  # on one line
    assert max(len(line) for line in out.splitlines()) <= PIPED_WIDTH
    monkeypatch.setenv("COLUMNS", "60")  # the user's choice wins
    console().print(table)
    out = capsys.readouterr().out
    assert reason not in out and max(len(line) for line in out.splitlines()) <= 60
