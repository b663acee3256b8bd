"""Reference profiles: a training set summarised once, so monitoring never re-reads it.

A :class:`Profile` is computed when a version is trained and stored with it (``to_json``);
the monitoring flow compares each day's data with it. Per column it keeps enough to compute:

- PSI (population stability index): counts of the reference values in bins whose inner edges
  are the reference deciles, taken as observed values (the smallest value with at least
  10 %, 20 %, ... of the column at or below it: NumPy's ``inverted_cdf``), duplicates
  removed, with open ends: ``(-inf, e1], (e1, e2], ..., (ek, +inf)``. Every bin but the top
  one holds at least its upper edge, so heavily tied columns get fewer bins, never empty
  ones. Count new data into the same bins with :func:`count_in_bins`.
- approximate KS and Wasserstein distances: the 101 percentiles (``QUANTILE_LEVELS``), which
  give the reference CDF to within 1 % between them.
- category shares: the 100 most frequent categories and the count of all the others
  (``other``); count new data the same way with :func:`count_in_categories`.

Conventions: ``count`` counts every row, ``missing`` those without a value (``None``, NaN,
NaT, and for numbers also +/-inf, which is not a measurement). Statistics over no present
value are ``None``. Datetimes are profiled as numbers, seconds since 1970-01-01 UTC; they
come as ``datetime64`` arrays or as objects (``datetime``, ISO strings), those with an
offset converted to UTC. Categories are keyed by ``str(value)``; booleans by ``"True"`` and
``"False"``.
"""

from __future__ import annotations

import heapq
import json
import math
import re
import warnings
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Final, Literal, cast, get_args

import numpy as np
import numpy.typing as npt

from paraguas.errors import DataError

__all__ = [
    "KINDS",
    "QUANTILE_LEVELS",
    "TOP_CATEGORIES",
    "ColumnProfile",
    "Kind",
    "Profile",
    "count_in_bins",
    "count_in_categories",
    "profile_columns",
    "profile_values",
]

Kind = Literal["numeric", "categorical", "boolean", "text", "datetime"]
KINDS: Final[tuple[Kind, ...]] = get_args(Kind)
#: The levels of ``ColumnProfile.quantiles``: every percentile, 0 to 1 in steps of 0.01.
QUANTILE_LEVELS: Final[tuple[float, ...]] = tuple(i / 100 for i in range(101))
#: How many categories a profile names; the rest are summed in ``other``.
TOP_CATEGORIES: Final = 100
#: Bumped when the stored form changes; ``Profile.from_dict`` refuses other formats.
PROFILE_FORMAT: Final = 1

_LEVELS: Final = np.asarray(QUANTILE_LEVELS)
_TOKEN: Final = re.compile(r"\w+")
_TEXT_CHUNK: Final = 50_000
_FLOAT_FIELDS: Final = ("min", "max", "mean", "std")
_TUPLE_FIELDS: Final = ("quantiles", "bin_edges", "length_quantiles")

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ColumnProfile:
    """The summary of one column; fields that do not apply to its ``kind`` are ``None``.

    numeric, datetime: ``n_unique`` (exact, present values), ``min``, ``max``, ``mean``,
    ``std`` (population, ddof=0), ``quantiles`` at ``QUANTILE_LEVELS``, ``bin_edges`` (inner
    edges) and ``bin_counts`` (``len(bin_edges) + 1`` counts). categorical, boolean:
    ``n_unique``, ``categories`` (up to ``TOP_CATEGORIES`` ``(key, count)`` pairs, most
    frequent first, ties by key) and ``other``. text: ``length_quantiles`` (characters, at
    ``QUANTILE_LEVELS``) and ``vocabulary`` (distinct lowercase ``\\w+`` tokens).
    """

    name: str
    kind: Kind
    count: int
    missing: int
    n_unique: int | None = None
    min: float | None = None
    max: float | None = None
    mean: float | None = None
    std: float | None = None
    quantiles: tuple[float, ...] | None = None
    bin_edges: tuple[float, ...] | None = None
    bin_counts: tuple[int, ...] | None = None
    categories: tuple[tuple[str, int], ...] | None = None
    other: int | None = None
    length_quantiles: tuple[float, ...] | None = None
    vocabulary: int | None = None

    @property
    def present(self) -> int:
        """Rows with a value."""
        return self.count - self.missing

    def quantile(self, level: float) -> float | None:
        """The reference quantile at ``level`` (exact on the grid, interpolated between)."""
        if self.quantiles is None:
            return None
        if not 0 <= level <= 1:
            raise ValueError(f"quantile level {level!r} is not between 0 and 1.")
        return float(np.interp(level, _LEVELS, np.asarray(self.quantiles)))

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON values; fields that are ``None`` are left out."""
        out: dict[str, Any] = {}
        for item in fields(self):
            key, value = item.name, getattr(self, item.name)
            if value is None:
                continue
            if key == "categories":
                out[key] = dict(value)
            elif isinstance(value, tuple):
                out[key] = list(value)
            else:
                out[key] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ColumnProfile:
        """The inverse of :meth:`as_dict`."""
        values = dict(data)
        try:
            if values["kind"] not in KINDS:
                raise ValueError(f"kind {values['kind']!r}")
            for key in _FLOAT_FIELDS:
                if values.get(key) is not None:
                    values[key] = float(values[key])
            for key in _TUPLE_FIELDS:
                if values.get(key) is not None:
                    values[key] = tuple(float(v) for v in values[key])
            if values.get("bin_counts") is not None:
                values["bin_counts"] = tuple(int(v) for v in values["bin_counts"])
            if values.get("categories") is not None:
                values["categories"] = _ranked(
                    {str(k): int(v) for k, v in values["categories"].items()}
                )
            return cls(**values)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DataError(
                f"column profile {data.get('name')!r} is not valid ({exc}); "
                "it was not written by ColumnProfile.as_dict."
            ) from exc


@dataclass(frozen=True)
class Profile:
    """The profile of a table: its row count and one :class:`ColumnProfile` per column."""

    rows: int
    columns: dict[str, ColumnProfile] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON values, with the stored-form version under ``format``."""
        return {
            "format": PROFILE_FORMAT,
            "rows": self.rows,
            "columns": {name: column.as_dict() for name, column in self.columns.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Profile:
        """The inverse of :meth:`as_dict`."""
        if not isinstance(data, Mapping) or data.get("format") != PROFILE_FORMAT:
            found = data.get("format") if isinstance(data, Mapping) else type(data).__name__
            raise DataError(
                f"profile format {found!r} is not supported; expected {PROFILE_FORMAT}. "
                "Recompute the profile with this version of paraguas."
            )
        try:
            columns = {str(k): ColumnProfile.from_dict(v) for k, v in data["columns"].items()}
            return cls(rows=int(data["rows"]), columns=columns)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DataError(f"profile is not valid ({exc!r}).") from exc

    def to_json(self) -> bytes:
        """Canonical JSON (sorted keys, no spaces): equal profiles give equal bytes."""
        text = json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"), allow_nan=False)
        return text.encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes | str) -> Profile:
        """The inverse of :meth:`to_json`."""
        try:
            loaded = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise DataError(f"profile is not valid JSON ({exc}).") from exc
        return cls.from_dict(loaded)


def profile_columns(columns: Mapping[str, npt.ArrayLike], kinds: Mapping[str, str]) -> Profile:
    """The profile of a table given as equally long 1-D arrays, one kind per column.

    ``kinds`` may name more columns than are given (a whole schema's kinds, say); those are
    ignored.

    >>> p = profile_columns({"x": np.array([1.0, np.nan, 3.0])}, {"x": "numeric"})
    >>> p.rows, p.columns["x"].missing, p.columns["x"].mean
    (3, 1, 2.0)
    """
    if not columns:
        raise DataError("no columns to profile; pass at least one array.")
    unknown = [name for name in columns if name not in kinds]
    if unknown:
        raise DataError(f"columns {unknown} have no kind; give each one of {', '.join(KINDS)}.")
    profiles = {name: profile_values(name, values, kinds[name]) for name, values in columns.items()}
    lengths = {profile.count for profile in profiles.values()}
    if len(lengths) != 1:
        sizes = {name: profile.count for name, profile in profiles.items()}
        raise DataError(f"columns must have the same length; got {sizes}.")
    return Profile(rows=lengths.pop(), columns=profiles)


def profile_values(name: str, values: npt.ArrayLike, kind: str) -> ColumnProfile:
    """The profile of one column (also used for a model's score distribution).

    Numbers come as float arrays with NaN for missing; categories and text as object or str
    arrays with ``None`` for missing; datetimes as ``datetime64`` arrays with NaT.
    """
    array = np.asarray(values)
    if array.ndim != 1:
        raise DataError(f"column {name!r} must be a 1-D array; got shape {array.shape}.")
    if len(array) == 0:
        raise DataError(f"column {name!r} is empty; a profile needs at least one row.")
    column_kind = _kind(name, kind)
    if column_kind in ("numeric", "datetime"):
        return _numeric_profile(name, column_kind, array)
    if column_kind == "text":
        return _text_profile(name, array)
    counts, missing = _category_counts(name, array, column_kind)
    top = _ranked(counts)
    return ColumnProfile(
        name=name,
        kind=column_kind,
        count=len(array),
        missing=missing,
        n_unique=len(counts),
        categories=top,
        other=len(array) - missing - sum(count for _, count in top),
    )


def count_in_bins(column: ColumnProfile, values: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Counts of ``values`` in the reference bins of a numeric or datetime ``column``.

    Same bins and same rule as ``column.bin_counts``; missing values are left out.
    """
    if column.bin_edges is None:
        raise DataError(f"column {column.name!r} ({column.kind}) has no bins; it is not numeric.")
    numbers = _as_numbers(column.name, np.asarray(values), column.kind)
    present = numbers[np.isfinite(numbers)]
    index = np.searchsorted(np.asarray(column.bin_edges), present, side="left")
    return np.bincount(index, minlength=len(column.bin_edges) + 1).astype(np.int64)


def count_in_categories(
    column: ColumnProfile, values: npt.ArrayLike
) -> tuple[npt.NDArray[np.int64], int]:
    """Counts of ``values`` in the reference categories of ``column`` (same order), and the
    count of present values outside them; missing values are left out."""
    if column.categories is None:
        raise DataError(f"column {column.name!r} ({column.kind}) has no categories.")
    counts, _ = _category_counts(column.name, np.asarray(values), column.kind)
    known = np.array([counts.get(key, 0) for key, _ in column.categories], dtype=np.int64)
    return known, sum(counts.values()) - int(known.sum())


# -- numbers --------------------------------------------------------------------------------


def _numeric_profile(name: str, kind: Kind, array: npt.NDArray[Any]) -> ColumnProfile:
    numbers = _as_numbers(name, array, kind)
    # + 0.0 makes -0.0 into 0.0: equal values, but the sort keeps their order and the profile
    # would depend on which came first.
    values = np.sort(numbers[np.isfinite(numbers)]) + 0.0
    missing = len(numbers) - len(values)
    if len(values) == 0:
        return ColumnProfile(name=name, kind=kind, count=len(numbers), missing=missing)
    quantiles = _sorted_quantiles(values)
    # the observed value at each decile: index ceil(i * m / 10) - 1, in exact integer arithmetic
    deciles = (np.arange(1, 10) * len(values) + 9) // 10 - 1
    edges = np.unique(values[deciles])
    at_or_below = np.searchsorted(values, edges, side="right")
    bin_counts = np.diff(np.concatenate(([0], at_or_below, [len(values)])))
    return ColumnProfile(
        name=name,
        kind=kind,
        count=len(numbers),
        missing=missing,
        n_unique=1 + int(np.count_nonzero(values[1:] != values[:-1])),
        min=float(values[0]),
        max=float(values[-1]),
        mean=float(np.mean(values)),
        std=float(np.std(values)),
        quantiles=tuple(quantiles.tolist()),
        bin_edges=tuple(edges.tolist()),
        bin_counts=tuple(int(c) for c in bin_counts),
    )


def _sorted_quantiles(values: FloatArray) -> FloatArray:
    """``numpy.quantile(values, QUANTILE_LEVELS)`` (linear method) of an already sorted array."""
    position = _LEVELS * (len(values) - 1)
    below = np.floor(position).astype(np.intp)
    above = np.minimum(below + 1, len(values) - 1)
    t = position - below
    a, b = values[below], values[above]
    # numpy's _lerp: interpolate from the nearer end, so that the result stays within [a, b].
    result: FloatArray = np.where(t >= 0.5, b - (b - a) * (1 - t), a + (b - a) * t)
    return result


def _as_numbers(name: str, array: npt.NDArray[Any], kind: str) -> FloatArray:
    """Float64 with NaN for missing; datetimes as seconds since the epoch."""
    if kind == "datetime" and array.dtype.kind not in "MO":
        raise DataError(
            f"column {name!r} (datetime) has dtype {array.dtype}; expected datetime64 values."
        )
    try:
        if kind == "datetime":
            with warnings.catch_warnings():
                # numpy converts offsets and aware datetimes to UTC, which is what we want
                warnings.filterwarnings("ignore", "no explicit representation of timezones")
                stamps = array.astype("datetime64[us]")
            seconds = stamps.astype(np.int64) / 1e6
            numbers: FloatArray = np.where(np.isnat(stamps), np.nan, seconds)
            return numbers
        if array.dtype.kind in "biuf":
            return array.astype(np.float64, copy=False)
        if array.dtype.kind == "O":
            absent = np.equal(array, np.array(None, dtype=object))
            return np.where(absent, np.nan, array).astype(np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise DataError(
            f"column {name!r} ({kind}) holds values that are not {_EXPECTED[kind]} ({exc})."
        ) from exc
    raise DataError(
        f"column {name!r} ({kind}) has dtype {array.dtype}; expected {_EXPECTED[kind]}."
    )


_EXPECTED: Final = {"numeric": "numbers", "datetime": "datetime64 values"}


# -- categories and text --------------------------------------------------------------------


def _category_counts(name: str, array: npt.NDArray[Any], kind: str) -> tuple[dict[str, int], int]:
    """Counts of present values keyed by ``str(value)``, and the number of missing values."""
    if array.dtype.kind in "biuf":
        numbers = array[~np.isnan(array)] if array.dtype.kind == "f" else array
        unique, frequency = np.unique(numbers, return_counts=True)
        raw: Mapping[Any, int] = dict(zip(unique.tolist(), frequency.tolist(), strict=True))
        missing = len(array) - len(numbers)
    elif array.dtype.kind in "OUS":
        counter = Counter((array.astype("U") if array.dtype.kind == "S" else array).tolist())
        missing = counter.pop(None, 0)
        for key in [k for k in counter if type(k) is not str and _is_nan(k)]:
            missing += counter.pop(key)
        raw = counter
    else:
        raise DataError(f"column {name!r} ({kind}) has dtype {array.dtype}; expected labels.")
    if kind == "boolean":
        return _boolean_counts(name, raw), missing
    if all(type(key) is str for key in raw):
        return dict(cast("Mapping[str, int]", raw)), missing
    counts: dict[str, int] = {}
    for key, count in raw.items():
        counts[str(key)] = counts.get(str(key), 0) + count
    return counts, missing


def _boolean_counts(name: str, raw: Mapping[Any, int]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for key, count in raw.items():
        if isinstance(key, bool | np.bool_ | int | float) and key in (0, 1):
            label = str(bool(key))
            counts[label] = counts.get(label, 0) + count
        else:
            raise DataError(
                f"column {name!r} (boolean) holds {key!r}; expected True, False, 1, 0 or None."
            )
    return counts


def _ranked(counts: Mapping[str, int]) -> tuple[tuple[str, int], ...]:
    """The ``TOP_CATEGORIES`` most frequent ``(key, count)`` pairs, ties broken by key."""
    if len(counts) > TOP_CATEGORIES:
        keys = list(counts)
        values = np.fromiter(counts.values(), dtype=np.int64, count=len(keys))
        cutoff = int(np.partition(values, len(values) - TOP_CATEGORIES)[-TOP_CATEGORIES])
        above = [keys[i] for i in np.flatnonzero(values > cutoff)]
        tied = [keys[i] for i in np.flatnonzero(values == cutoff)]
        chosen = above + heapq.nsmallest(TOP_CATEGORIES - len(above), tied)
        counts = {key: counts[key] for key in chosen}
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _text_profile(name: str, array: npt.NDArray[Any]) -> ColumnProfile:
    if array.dtype.kind not in "OU":
        raise DataError(f"column {name!r} (text) has dtype {array.dtype}; expected strings.")
    texts = [
        value if type(value) is str else str(value)
        for value in array.tolist()
        if value is not None and not _is_nan(value)
    ]
    vocabulary: set[str] = set()
    for start in range(0, len(texts), _TEXT_CHUNK):
        joined = "\n".join(texts[start : start + _TEXT_CHUNK]).lower()
        vocabulary.update(_TOKEN.findall(joined))
    lengths = np.sort(np.fromiter(map(len, texts), dtype=np.float64, count=len(texts)))
    return ColumnProfile(
        name=name,
        kind="text",
        count=len(array),
        missing=len(array) - len(texts),
        length_quantiles=tuple(_sorted_quantiles(lengths).tolist()) if len(texts) else None,
        vocabulary=len(vocabulary),
    )


def _is_nan(value: object) -> bool:
    return isinstance(value, float | np.floating) and math.isnan(value)


def _kind(name: str, kind: str) -> Kind:
    if kind not in KINDS:
        raise DataError(f"column {name!r} has kind {kind!r}; expected one of {', '.join(KINDS)}.")
    return kind
