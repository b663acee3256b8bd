"""Small factories for the data tests: a few days of weather, with the time in every type."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pyarrow as pa

FIRST_DAY = date(2026, 1, 1)
DAYS = 10
MADRID = ZoneInfo("Europe/Madrid")
# Three readings a day, at the very edges of the day and in between.
CLOCK = ((0, 0, 0), (12, 0, 0), (23, 59, 59))


def day(number: int) -> date:
    """Day ``number`` of the test data (1-based)."""
    return FIRST_DAY + timedelta(days=number - 1)


def local_times() -> list[datetime]:
    return [
        datetime.combine(day(n), datetime.min.time()).replace(hour=h, minute=m, second=s)
        for n in range(1, DAYS + 1)
        for h, m, s in CLOCK
    ]


def weather(time_type: str = "date32") -> pa.Table:
    """Rows of weather: ``observed`` (in the given type), ``temp_max``, ``wind``, ``rain``.

    Whatever the type, row ``i`` belongs to calendar day ``i // 3 + 1`` (in its own zone).
    """
    times = local_times()
    when: pa.Array
    if time_type == "date32":
        when = pa.array([t.date() for t in times], pa.date32())
    elif time_type == "timestamp":
        when = pa.array(times, pa.timestamp("us"))
    elif time_type == "timestamp_utc":
        utc = [t.replace(tzinfo=timezone.utc) for t in times]
        when = pa.array(utc, pa.timestamp("ms", tz="UTC"))
    elif time_type == "timestamp_madrid":
        # Local midnight in Madrid is 23:00 UTC the day before: a UTC comparison would be wrong.
        aware = [t.replace(tzinfo=MADRID) for t in times]
        when = pa.array(aware, pa.timestamp("us", tz="Europe/Madrid"))
    elif time_type == "iso_date":
        when = pa.array([t.date().isoformat() for t in times], pa.string())
    elif time_type == "iso_datetime":
        when = pa.array([t.isoformat() for t in times], pa.large_string())
    else:
        raise ValueError(time_type)
    rows = len(times)
    return pa.table(
        {
            "observed": when,
            "temp_max": pa.array([10.0 + i / 2 for i in range(rows)]),
            "wind": pa.array([i % 7 for i in range(rows)], pa.int64()),
            "rain": pa.array([i % 3 == 0 for i in range(rows)]),
        }
    )


def days_of(rows: int) -> list[date]:
    """The calendar day of each of the first ``rows`` rows of :func:`weather`."""
    return [day(i // len(CLOCK) + 1) for i in range(rows)]


TIME_TYPES = (
    "date32",
    "timestamp",
    "timestamp_utc",
    "timestamp_madrid",
    "iso_date",
    "iso_datetime",
)
