"""What a monitoring run reads: the reference a version stored at training, and the window's
current inputs, predictions and actuals.

The reference is read from the registry's attachments, never from the training data. Every
attachment a version lacks (one registered outside ``paraguas train``, or before paraguas
stored it) leaves its checks out with a reason, never the whole run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from paraguas.errors import DataError, ParaguasError, RegistryError, SchemaError
from paraguas.monitoring.profile import Profile
from paraguas.registry import (
    CALIBRATION,
    FEATURE_IMPORTANCE,
    REFERENCE_PROFILE,
    REFERENCE_SAMPLE,
    REFERENCE_SCORES,
    Registry,
)

if TYPE_CHECKING:
    import pyarrow as pa

    from paraguas.spec import ModelSpec
    from paraguas.store import ModelVersion

__all__ = [
    "Current",
    "Reference",
    "arrow_values",
    "in_season",
    "read_current",
    "read_reference",
    "rows_per_day",
]


@dataclass(frozen=True)
class Reference:
    """What a version kept of its training data for monitoring; ``missing`` says what it lacks."""

    version: ModelVersion
    profile: Profile | None
    sample: pa.Table | None
    scores: npt.NDArray[np.float64] | None
    importance: dict[str, float]
    calibration: dict[str, Any] | None
    missing: dict[str, str] = field(default_factory=dict)

    def kind(self, column: str) -> str | None:
        if self.profile is None or column not in self.profile.columns:
            return None
        return self.profile.columns[column].kind

    def values(self, column: str) -> npt.NDArray[Any] | None:
        """The reference sample's values of ``column`` as the array its kind is tested on."""
        kind = self.kind(column)
        if self.sample is None or kind is None or column not in self.sample.column_names:
            return None
        return arrow_values(self.sample[column], kind)


#: A seasonal reference widens its days of the year until it holds at least this many rows.
SEASON_MIN_ROWS = 50


def in_season(reference: Reference, time: str | None, start: date, end: date) -> Reference:
    """``reference`` with its sample cut to the training rows whose day of the year falls in
    ``start``..``end`` (any year), widened a week at a time on both sides until it holds
    :data:`SEASON_MIN_ROWS` rows (or the whole sample)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    sample = reference.sample
    if sample is None or time is None or time not in sample.column_names:
        return reference
    days = _as_days(sample[time])
    if not pa.types.is_date(days.type):
        return reference
    # Days of the year counted in a leap year, so that 20 December is the same day every year.
    months = np.asarray(pc.month(days).to_numpy(zero_copy_only=False))
    day_of_month = np.asarray(pc.day(days).to_numpy(zero_copy_only=False))
    day_of_year = _LEAP_OFFSETS[months - 1] + day_of_month
    first, last = _leap_day(start), _leap_day(end)
    centre, half = (first + (last - first) % 366 / 2) % 366, ((last - first) % 366) / 2
    distance = np.abs((day_of_year - centre + 183) % 366 - 183)  # around the year's end too
    margin = 0.0
    while True:
        keep = distance <= half + margin
        if keep.sum() >= min(SEASON_MIN_ROWS, len(keep)) or half + margin >= 183:
            break
        margin += 7
    return replace(reference, sample=sample.filter(pa.array(keep)))


_LEAP_OFFSETS = np.cumsum([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30])


def _leap_day(day: date) -> int:
    return int(_LEAP_OFFSETS[day.month - 1]) + day.day


def read_reference(registry: Registry, version: ModelVersion) -> Reference:
    """The reference of ``version``; a missing or unreadable attachment is named in ``missing``."""
    from paraguas.data.blobs import from_parquet_bytes

    missing: dict[str, str] = {}

    def attached(key: str) -> bytes | None:
        if key not in version.attachments:
            missing[key] = f"version {version.version} has no {key.replace('_', ' ')}"
            return None
        try:
            return registry.attachment(version, key)
        except (RegistryError, ParaguasError) as exc:
            missing[key] = str(exc)
            return None

    raw = attached(REFERENCE_PROFILE)
    profile = Profile.from_json(raw) if raw is not None else None
    raw = attached(REFERENCE_SAMPLE)
    sample = from_parquet_bytes(raw) if raw is not None else None
    raw = attached(REFERENCE_SCORES)
    scores = (
        np.asarray(from_parquet_bytes(raw)["score"].to_numpy(), dtype=np.float64)
        if raw is not None
        else None
    )
    raw = attached(FEATURE_IMPORTANCE)
    importance = {str(k): float(v) for k, v in json.loads(raw).items()} if raw else {}
    raw = attached(CALIBRATION) if CALIBRATION in version.attachments else None
    calibration = json.loads(raw) if raw else None
    return Reference(version, profile, sample, scores, importance, calibration, missing)


@dataclass(frozen=True)
class Current:
    """The window's inputs: one array per column found, and why the others are absent."""

    table: pa.Table
    absent: dict[str, str]

    @property
    def rows(self) -> int:
        return int(self.table.num_rows)


def read_current(
    spec: ModelSpec, source: Any, columns: Sequence[str], start: date, end: date
) -> Current:
    """The rows of ``source`` with ``start <= date(time) <= end``, columns that exist only.

    A column the source lacks is reported in ``absent`` (its checks become errors); a source
    that cannot be read at all raises :class:`DataError`.
    """
    wanted = list(dict.fromkeys(c for c in columns if c))
    try:
        table = source.read(wanted, time=spec.time, start=start, end=end)
        return Current(table, {})
    except SchemaError:
        pass
    present, absent = [], {}
    for column in wanted:
        try:
            source.read([column], time=spec.time, start=end + timedelta(days=1), end=end)
            present.append(column)
        except SchemaError as exc:
            absent[column] = str(exc)
    if spec.time in absent:
        raise DataError(f"Model {spec.name!r}: {absent[spec.time]}")
    table = source.read(present, time=spec.time, start=start, end=end)
    return Current(table, absent)


def rows_per_day(spec: ModelSpec, source: Any, start: date, end: date) -> dict[date, int]:
    """How many rows ``source`` has on each day from ``start`` to ``end`` (days with none: 0)."""
    counts = {start + timedelta(days=i): 0 for i in range((end - start).days + 1)}
    if spec.time is None:
        return counts
    import pyarrow.compute as pc

    for batch in source.batches([spec.time], time=spec.time, start=start, end=end):
        days = _as_days(batch.column(0))
        values = pc.value_counts(days)
        for item in values.to_pylist():
            if item["values"] is not None and item["values"] in counts:
                counts[item["values"]] += int(item["counts"])
    return counts


def _as_days(column: Any) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        column = pc.strptime(pc.utf8_slice_codeunits(column, 0, 10), format="%Y-%m-%d", unit="s")
        kind = column.type
    if pa.types.is_timestamp(kind):
        if kind.tz is not None:
            column = pc.local_timestamp(column)
        column = column.cast(pa.timestamp("s")).cast(pa.date32())
    return column


def arrow_values(column: Any, kind: str) -> npt.NDArray[Any]:
    """An Arrow column as the NumPy array a ``kind`` is profiled and tested on: float64 for
    numbers (missing as NaN), seconds since 1970 for datetimes, objects otherwise."""
    import pyarrow as pa

    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    if kind == "numeric":
        try:
            numbers = column.cast(pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return _object_numbers(column)
        return np.asarray(numbers.to_numpy(zero_copy_only=False), dtype=np.float64)
    if kind == "datetime":
        if pa.types.is_timestamp(column.type) or pa.types.is_date(column.type):
            if pa.types.is_date(column.type):
                column = column.cast(pa.timestamp("s"))
            micros = column.cast(pa.timestamp("us", tz=column.type.tz)).cast(pa.int64())
            seconds = np.asarray(micros.to_numpy(zero_copy_only=False), dtype=np.float64) / 1e6
            return seconds
        return np.asarray(column.to_numpy(zero_copy_only=False), dtype=object)
    if kind == "boolean":
        return np.asarray(column.to_numpy(zero_copy_only=False), dtype=object)
    return np.asarray(column.cast(pa.string()).to_numpy(zero_copy_only=False), dtype=object)


def _object_numbers(column: Any) -> npt.NDArray[np.float64]:
    """Text in a numeric column: numbers where they parse, NaN elsewhere (quality counts them)."""
    values = column.to_pylist()
    out = np.full(len(values), np.nan)
    for i, value in enumerate(values):
        try:
            out[i] = float(value)
        except (TypeError, ValueError):
            continue
    return out


def importance_weights(
    importance: Mapping[str, float], features: Sequence[str]
) -> dict[str, float] | None:
    """Non-negative importances of ``features``; ``None`` when none is positive (equal weights)."""
    weights = {name: max(0.0, float(importance.get(name, 0.0))) for name in features}
    return weights if sum(weights.values()) > 0 else None
