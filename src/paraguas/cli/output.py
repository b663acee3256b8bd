"""How the CLI prints: Rich for people, plain JSON (``--json``) for scripts, one-line errors."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from rich.console import Console

# Tables written to a file or a pipe (a CI log, ``| tee``) have no terminal to fit: Rich would
# fold them to 80 columns, and a reason column to a word a line. COLUMNS still wins.
PIPED_WIDTH = 140


def console() -> Console:
    """A console on the current stdout (looked up each time, so redirections are honoured)."""
    found = Console(file=sys.stdout, soft_wrap=True)
    if not found.is_terminal and not os.environ.get("COLUMNS"):
        found.width = PIPED_WIDTH
    return found


def error_console() -> Console:
    return Console(file=sys.stderr, soft_wrap=True)


def jsonable(value: Any) -> Any:
    """Dataclasses, mappings, datetimes and sequences as plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(jsonable(value), indent=2, ensure_ascii=False) + "\n")


def when(moment: datetime | None) -> str:
    """A time for people: UTC, to the second."""
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


def short(sha256: str) -> str:
    return sha256[:12]


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"  # pragma: no cover - the loop always returns


def days_from(first: date, last: date, *, every: int = 1) -> list[date]:
    """The days from ``first`` to ``last`` (both included), ``every`` days apart."""
    from datetime import timedelta

    return [first + timedelta(days=i) for i in range(0, (last - first).days + 1, every)]


def tracked(days: Sequence[date], description: str) -> Iterator[date]:
    """``days``, with a progress bar on stderr when there are several."""
    if len(days) == 1:
        yield from days
        return
    from rich.progress import track

    yield from track(days, description=description, console=error_console(), transient=True)
