"""A window of calendar days over a time column, whatever type the column has.

Rows are kept when ``start <= date(t) <= end``. The date of a timestamp is its calendar date in
the column's own time zone (naive timestamps: the wall clock as stored; ``tz=UTC``: the UTC
date); the date of an ISO string is its first ten characters. The window is an Arrow
expression, so Parquet and CSV datasets push it down (partition pruning, row-group statistics)
and never materialise the rows they drop. Rows whose time is missing are dropped whenever a
bound is given: nobody can show they fall inside the window.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pyarrow as pa
import pyarrow.compute as pc

from paraguas.errors import SchemaError

# What an ISO date string starts with; anything after the date (a time, an offset) is allowed.
ISO_DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}"


def is_string(kind: pa.DataType) -> bool:
    # string_view is compared by name: pa.types.is_string_view needs pyarrow 16.
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind)) or (
        str(kind) == "string_view"
    )


def check_time_type(name: str, kind: pa.DataType, where: str) -> None:
    """Raise :class:`SchemaError` unless ``kind`` can hold dates (date, timestamp, ISO string)."""
    if pa.types.is_date(kind) or pa.types.is_timestamp(kind) or is_string(kind):
        return
    if pa.types.is_null(kind):  # e.g. a SQL batch where every time is NULL
        return
    raise SchemaError(
        f"The time column {name!r} of {where} is {kind}; a time column must hold dates, "
        "timestamps or ISO-date strings such as '2026-01-31'. Point `time` at such a column."
    )


def day_window(
    name: str, kind: pa.DataType, start: date | None, end: date | None
) -> pc.Expression | None:
    """The expression keeping rows of column ``name`` (of type ``kind``) inside the window.

    ``None`` when there is no bound. For strings, rows that are not ISO dates are kept too so
    that :func:`check_iso_strings` can refuse them instead of letting them vanish silently.
    """
    if start is None and end is None:
        return None
    field = pc.field(name)
    after = None if end is None or end == date.max else end + timedelta(days=1)
    bounds: list[pc.Expression] = []
    if pa.types.is_null(kind):
        return pc.scalar(False)
    if is_string(kind):
        if start is not None:
            bounds.append(field >= pa.scalar(start.isoformat(), kind))
        if after is not None:
            bounds.append(field < pa.scalar(after.isoformat(), kind))
        not_iso = pc.invert(pc.match_substring_regex(field, ISO_DATE_PATTERN))
        return _all(bounds) | not_iso
    if start is not None:
        bounds.append(field >= _first_instant(start, kind))
    if after is not None:
        bounds.append(field < _first_instant(after, kind))
    return _all(bounds)


def check_iso_strings(column: pa.Array | pa.ChunkedArray, name: str, where: str) -> None:
    """Raise :class:`SchemaError` naming the first value of a string time column not ISO-dated."""
    if not is_string(column.type) or column.null_count == len(column):
        return
    iso = pc.match_substring_regex(column, ISO_DATE_PATTERN)
    if pc.all(iso).as_py() is False:
        bad = column.filter(pc.invert(iso))[0].as_py()
        raise SchemaError(
            f"The time column {name!r} of {where} holds {bad!r}, which is not an ISO date; "
            "write dates as 'YYYY-MM-DD' (optionally followed by a time), or store a date or "
            "timestamp column."
        )


def _first_instant(day: date, kind: pa.DataType) -> pa.Scalar:
    """Midnight at the start of ``day`` as a scalar of ``kind`` (in the column's time zone)."""
    if pa.types.is_date32(kind) or pa.types.is_date64(kind):
        return pa.scalar(day, kind)
    assert isinstance(kind, pa.TimestampType)
    midnight = pa.scalar(datetime.combine(day, time()), pa.timestamp("s"))
    if kind.tz is not None:
        # A zone may skip midnight (DST at 00:00): the day starts at the first instant after it.
        midnight = pc.assume_timezone(
            midnight, timezone=kind.tz, ambiguous="earliest", nonexistent="latest"
        )
    return midnight.cast(kind)


def _all(conditions: list[pc.Expression]) -> pc.Expression:
    combined = conditions[0] if conditions else pc.scalar(True)
    for condition in conditions[1:]:
        combined = combined & condition
    return combined
