"""Durations as people write them in specs: ``"90d"``, ``"2w"``."""

from __future__ import annotations

from paraguas.errors import SpecError

__all__ = ["parse_days"]


def parse_days(text: str, what: str) -> int:
    """``"90d"`` → 90, ``"2w"`` → 14. Raises :class:`SpecError` naming ``what`` otherwise."""
    units = {"d": 1, "w": 7}
    value = text.strip().lower()
    if len(value) >= 2 and value[-1] in units and value[:-1].isdigit() and int(value[:-1]) > 0:
        return int(value[:-1]) * units[value[-1]]
    raise SpecError(
        f"{what} {text!r} is not a duration: expected days or weeks such as '90d' or '2w'."
    )
