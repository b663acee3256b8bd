"""Data quality of the current data against the reference profile.

For each column, :func:`column_quality` counts what would make a model's input wrong before
any drift: missing values beyond the reference's share, values that cannot be read as the
column's kind (a string in a numeric column), infinities, numbers outside the reference's
[min, max], and categories the reference never saw. It never raises on bad values: it counts
them. (The day's row volume is judged by :mod:`paraguas.monitoring.volume`.)

Values are read as :mod:`paraguas.monitoring.profile` reads them: numbers as floats (numeric
strings included), datetimes as seconds since the epoch, categories keyed by ``str(value)``,
booleans as ``"True"`` and ``"False"``. Missing means ``None``, NaN or NaT (and pandas' NA);
unlike the profile, which counts ±inf as missing, ±inf is counted on its own as ``infinite``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from paraguas.errors import DataError
from paraguas.monitoring.profile import KINDS, ColumnProfile, Kind
from paraguas.monitoring.profile import _as_numbers as _profile_numbers
from paraguas.monitoring.results import Check, Status, worst

__all__ = [
    "INFINITE_ALERT",
    "MISSING_ALERT",
    "MISSING_WARN",
    "OUT_OF_RANGE_ALERT",
    "OUT_OF_RANGE_WARN",
    "TYPE_VIOLATION_ALERT",
    "ColumnQuality",
    "column_quality",
]

#: Missing share at least this much above the reference's (absolute) is a warning...
MISSING_WARN: Final = 0.05
#: ...and at least this much above it an alert.
MISSING_ALERT: Final = 0.10
#: Share of present numbers outside the reference's [min, max]: warning at or above...
OUT_OF_RANGE_WARN: Final = 0.01
#: ...and alert at or above.
OUT_OF_RANGE_ALERT: Final = 0.05
#: Any unreadable value is a warning; this share of the rows an alert.
TYPE_VIOLATION_ALERT: Final = 0.05
#: Any ±inf is a warning; this share of the rows an alert.
INFINITE_ALERT: Final = 0.05
# Shares are ratios of counts: a share printed as 0.05 may be 0.049999999999999996.
_ROUNDING: Final = 1e-12
# How many unreadable values and new categories a check names.
_EXAMPLES: Final = 5
_LISTED: Final = 20

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class ColumnQuality:
    """What one column of the current data holds, against its reference profile.

    Every row is exactly one of: ``missing``, ``infinite`` (numeric), a ``type_violation``
    (cannot be read as ``kind``), or ``present``. ``out_of_range`` counts present numbers
    (numeric, datetime) outside the reference's [min, max]; ``None`` when there is no range to
    compare with. ``new_categories`` (categorical, boolean): present categories the reference
    does not name, with their row counts, most frequent first. When the reference summed its
    rarer categories in ``other`` (``categories_exact`` false), a category outside its list
    may still have been seen: these are then only "not in the top categories".
    ``absent``: the column is not in the data at all (``values`` was ``None``).
    """

    name: str
    kind: Kind
    rows: int
    missing: int = 0
    infinite: int = 0
    type_violations: int = 0
    present: int = 0
    out_of_range: int | None = None
    new_categories: tuple[tuple[str, int], ...] = ()
    categories_exact: bool = True
    examples: tuple[str, ...] = ()
    reference_missing_share: float | None = None
    reference_min: float | None = None
    reference_max: float | None = None
    has_reference: bool = True
    absent: bool = False

    @property
    def missing_share(self) -> float | None:
        return self.missing / self.rows if self.rows else None

    @property
    def infinite_share(self) -> float | None:
        return self.infinite / self.rows if self.rows else None

    @property
    def type_violation_share(self) -> float | None:
        return self.type_violations / self.rows if self.rows else None

    @property
    def out_of_range_share(self) -> float | None:
        """Share of present numbers outside the reference range."""
        if self.out_of_range is None or self.present == 0:
            return None
        return self.out_of_range / self.present

    @property
    def new_category_rows(self) -> int:
        return sum(count for _, count in self.new_categories)

    @property
    def new_category_share(self) -> float | None:
        """Share of present rows whose category the reference does not name."""
        return self.new_category_rows / self.present if self.present else None

    @property
    def status(self) -> Status:
        """The worst status of :meth:`checks`."""
        return worst(check.status for check in self.checks(0))

    def checks(self, version: int, role: str = "champion") -> list[Check]:
        """One ``quality`` check per measurement that applies to the column's kind.

        ``missing_share`` always; ``type_violations`` for numbers, datetimes and booleans;
        ``infinite_share`` for numbers; ``out_of_range_share`` for numbers and datetimes;
        ``unseen_categories`` (or ``not_in_top_categories``) for categories and booleans
        with a reference. An absent column gives one ``presence`` error, an empty one a
        ``missing_share`` error.
        """
        if self.absent:
            detail = (
                f"column {self.name!r} is not in the data; the model cannot score without it. "
                "Check the source's query or schema."
            )
            measured = [_Measured("presence", None, None, "error", detail)]
        elif self.rows == 0:
            detail = "no rows to check; see the volume check"
            measured = [_Measured("missing_share", None, None, "error", detail)]
        else:
            measured = [self._missing()]
            if self.kind in ("numeric", "datetime", "boolean"):
                measured.append(self._violations())
            if self.kind == "numeric":
                measured.append(self._infinite())
            if self.kind in ("numeric", "datetime"):
                measured.append(self._range())
            if self.kind in ("categorical", "boolean") and self.has_reference:
                measured.append(self._categories())
        return [
            Check(
                "quality",
                self.name,
                m.method,
                m.value,
                m.threshold,
                m.status,
                version,
                role=role,
                detail=m.detail,
                extra={"kind": self.kind, "rows": self.rows, **m.extra},
            )
            for m in measured
        ]

    def _missing(self) -> _Measured:
        share = self.missing / self.rows
        base = self.reference_missing_share
        status = _graded(share - (base or 0.0), MISSING_WARN, MISSING_ALERT)
        detail = f"{self.missing:,} of {self.rows:,} rows missing ({share:.1%})"
        if base is not None:
            detail += f"; {base:.1%} in the reference"
        elif self.has_reference:
            detail += "; the reference had no rows: compared with none missing"
        else:
            detail += "; no reference profile: compared with none missing"
        threshold = round((base or 0.0) + MISSING_ALERT, 12)
        extra = {"count": self.missing, "reference_share": base}
        return _Measured("missing_share", share, threshold, status, detail, extra)

    def _violations(self) -> _Measured:
        share = self.type_violations / self.rows
        status = _graded(share, 0.0, TYPE_VIOLATION_ALERT, any_warns=True)
        expected = {"numeric": "numbers", "datetime": "datetimes", "boolean": "True/False/1/0"}
        if self.type_violations:
            detail = (
                f"{self.type_violations:,} values ({share:.2%}) cannot be read as "
                f"{expected[self.kind]}, e.g. {', '.join(self.examples)}; fix the source or "
                "its parsing"
            )
        else:
            detail = f"every value reads as {expected[self.kind]}"
        extra = {"count": self.type_violations, "examples": list(self.examples)}
        return _Measured("type_violations", share, TYPE_VIOLATION_ALERT, status, detail, extra)

    def _infinite(self) -> _Measured:
        share = self.infinite / self.rows
        status = _graded(share, 0.0, INFINITE_ALERT, any_warns=True)
        detail = (
            f"{self.infinite:,} values ({share:.2%}) are +/-inf, often a division by zero upstream"
            if self.infinite
            else "no infinite value"
        )
        extra = {"count": self.infinite}
        return _Measured("infinite_share", share, INFINITE_ALERT, status, detail, extra)

    def _range(self) -> _Measured:
        method = "out_of_range_share"
        share = self.out_of_range_share
        low, high = self.reference_min, self.reference_max
        if low is None or high is None:
            why = "no reference profile" if not self.has_reference else "no reference values"
            detail = f"{why}: there is no range to compare with"
            return _Measured(method, None, OUT_OF_RANGE_ALERT, "ok", detail)
        extra = {"count": self.out_of_range, "present": self.present, "min": low, "max": high}
        if share is None:
            detail = "no present value to compare with the reference range"
            return _Measured(method, None, OUT_OF_RANGE_ALERT, "ok", detail, extra)
        status = _graded(share, OUT_OF_RANGE_WARN, OUT_OF_RANGE_ALERT)
        span = f"[{_show_bound(low, self.kind)}, {_show_bound(high, self.kind)}]"
        if low == high:
            span = f"{_show_bound(low, self.kind)} (the reference held a single value)"
        detail = f"{self.out_of_range:,} of {self.present:,} values ({share:.2%}) outside {span}"
        return _Measured(method, share, OUT_OF_RANGE_ALERT, status, detail, extra)

    def _categories(self) -> _Measured:
        share = self.new_category_share
        names = ", ".join(repr(key) for key, _ in self.new_categories[:_LISTED])
        more = len(self.new_categories) - _LISTED
        if more > 0:
            names += f" and {more} more"
        extra = {
            "count": self.new_category_rows,
            "categories": {key: count for key, count in self.new_categories[:_LISTED]},
        }
        if not self.categories_exact:
            detail = (
                "the reference kept only its most frequent categories (the rest summed as "
                "'other'), so whether a category is new cannot be told exactly; "
                + (
                    f"{len(self.new_categories)} not in the top categories: {names}"
                    if self.new_categories
                    else "every category is among the top ones"
                )
            )
            return _Measured("not_in_top_categories", share, None, "ok", detail, extra)
        if not self.new_categories:
            detail = "no category unseen in the reference"
            return _Measured("unseen_categories", share, None, "ok", detail, extra)
        detail = (
            f"{len(self.new_categories)} categories unseen in the reference, "
            f"{self.new_category_rows:,} rows ({share or 0:.2%}): {names}"
        )
        return _Measured("unseen_categories", share, None, "warn", detail, extra)


@dataclass(frozen=True)
class _Measured:
    """One check of a column, before it is given a version and role."""

    method: str
    value: float | None
    threshold: float | None
    status: Status
    detail: str
    extra: dict[str, Any] = field(default_factory=dict)


def column_quality(
    name: str,
    values: npt.ArrayLike | None,
    reference: ColumnProfile | None,
    *,
    kind: str | None = None,
) -> ColumnQuality:
    """The quality of one column's current ``values`` against its ``reference`` profile.

    ``values`` is ``None`` when the column is missing from the data. ``kind`` defaults to the
    reference's; without either, it is guessed from the array's dtype (numbers, datetimes,
    else categories). Without a reference, missing values are compared with none, and there
    is no range or category list to compare with.

    >>> ref = ColumnProfile(name="age", kind="numeric", count=4, missing=0, min=18.0, max=90.0)
    >>> q = column_quality("age", np.array([20.0, 95.0, np.nan, np.inf]), ref)
    >>> q.rows, q.missing, q.infinite, q.present, q.out_of_range
    (4, 1, 1, 2, 1)
    """
    column_kind = _column_kind(name, kind, reference, values)
    reference_fields: dict[str, Any] = {"has_reference": reference is not None}
    if reference is not None:
        reference_fields.update(
            reference_missing_share=reference.missing / reference.count
            if reference.count
            else None,
            reference_min=reference.min,
            reference_max=reference.max,
        )
    if values is None:
        return ColumnQuality(name=name, kind=column_kind, rows=0, absent=True, **reference_fields)
    array = np.asarray(values)
    if array.ndim != 1:
        raise DataError(f"column {name!r} must be a 1-D array; got shape {array.shape}.")
    if column_kind in ("numeric", "datetime"):
        read = _read_numbers(name, array, column_kind)
        out_of_range = None
        if reference is not None and reference.min is not None and reference.max is not None:
            outside = (read.numbers < reference.min) | (read.numbers > reference.max)
            out_of_range = int(np.count_nonzero(outside))
        return ColumnQuality(
            name=name,
            kind=column_kind,
            rows=len(array),
            missing=read.missing,
            infinite=read.infinite,
            type_violations=read.violations,
            present=len(read.numbers),
            out_of_range=out_of_range,
            examples=read.examples,
            **reference_fields,
        )
    if column_kind == "text":
        missing = int(np.count_nonzero(_missing_mask(array)))
        return ColumnQuality(
            name=name,
            kind=column_kind,
            rows=len(array),
            missing=missing,
            present=len(array) - missing,
            **reference_fields,
        )
    counts, missing, violations, examples = _read_categories(array, column_kind)
    new: tuple[tuple[str, int], ...] = ()
    exact = True
    if reference is not None and reference.categories is not None:
        known = {key for key, _ in reference.categories}
        new = tuple(
            sorted(
                ((key, count) for key, count in counts.items() if key not in known),
                key=lambda item: (-item[1], item[0]),
            )
        )
        exact = not reference.other
    return ColumnQuality(
        name=name,
        kind=column_kind,
        rows=len(array),
        missing=missing,
        type_violations=violations,
        present=sum(counts.values()),
        new_categories=new,
        categories_exact=exact,
        examples=examples,
        **reference_fields,
    )


# -- reading values -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Numbers:
    numbers: FloatArray  # the present, finite values
    missing: int
    infinite: int
    violations: int
    examples: tuple[str, ...]


def _read_numbers(name: str, array: npt.NDArray[Any], kind: str) -> _Numbers:
    """Numbers (datetimes as epoch seconds), counting missing, infinite and unreadable rows."""
    bad = np.zeros(len(array), dtype=bool)
    if array.dtype.kind in "biuf" and kind == "numeric":
        numbers = array.astype(np.float64)
    elif array.dtype.kind == "M" and kind == "datetime":
        numbers = _profile_numbers(name, array, kind)
    elif array.dtype.kind in "OUS":
        numbers, bad = _read_objects(name, array, kind)
    else:  # numbers in a datetime column, datetimes in a numeric one, ...
        missing = _missing_mask(array)
        bad = ~missing
        numbers = np.full(len(array), np.nan)
    infinite = np.isinf(numbers)
    missing = np.isnan(numbers) & ~bad
    return _Numbers(
        numbers=numbers[np.isfinite(numbers)],
        missing=int(np.count_nonzero(missing)),
        infinite=int(np.count_nonzero(infinite)),
        violations=int(np.count_nonzero(bad)),
        examples=_examples(array[bad]),
    )


def _read_objects(name: str, array: npt.NDArray[Any], kind: str) -> tuple[FloatArray, BoolArray]:
    """Numbers of an object or string array (NaN where unreadable) and the unreadable mask."""
    if kind == "numeric":
        try:  # fast: every value a number, a numeric string or missing
            if array.dtype.kind == "O":
                absent = np.equal(array, np.array(None, dtype=object))
                return np.where(absent, np.nan, array).astype(np.float64), np.zeros(
                    len(array), dtype=bool
                )
            return array.astype(np.float64), np.zeros(len(array), dtype=bool)
        except (TypeError, ValueError, OverflowError):
            pass
        items = array.tolist()
        numbers = np.full(len(items), np.nan)
        bad = np.zeros(len(items), dtype=bool)
        for i, value in enumerate(items):
            if _is_missing(value):
                continue
            try:
                numbers[i] = float(value)
            except (TypeError, ValueError, OverflowError):
                bad[i] = True
        return numbers, bad
    # datetimes: only dates, datetimes, datetime64 and strings that parse are readable
    items = array.tolist()
    missing = np.fromiter((_is_missing(v) for v in items), bool, len(items))
    datelike = np.fromiter((isinstance(v, dt.date | np.datetime64 | str) for v in items), bool)
    bad = ~missing & ~datelike
    numbers = np.full(len(items), np.nan)
    readable = ~missing & datelike
    candidates = array[readable].astype(object)
    try:
        numbers[readable] = _profile_numbers(name, candidates, "datetime")
    except DataError:  # some strings do not parse: read one by one
        one_by_one = []
        for value in candidates.tolist():
            try:
                one_by_one.append(_profile_numbers(name, np.array([value], dtype=object), kind)[0])
            except DataError:
                one_by_one.append(math.inf)  # marks the unreadable
        parsed = np.asarray(one_by_one, dtype=np.float64)
        unreadable = np.isinf(parsed)
        positions = np.flatnonzero(readable)
        bad[positions[unreadable]] = True
        parsed[unreadable] = np.nan
        numbers[readable] = parsed
    return numbers, bad


def _read_categories(
    array: npt.NDArray[Any], kind: str
) -> tuple[dict[str, int], int, int, tuple[str, ...]]:
    """Counts of present categories keyed as profiles key them, missing and unreadable rows."""
    if array.dtype.kind in "biuf":
        present = array[~np.isnan(array)] if array.dtype.kind == "f" else array
        unique, frequency = np.unique(present, return_counts=True)
        pairs: list[tuple[Any, int]] = list(zip(unique.tolist(), frequency.tolist(), strict=True))
        missing = len(array) - len(present)
    else:
        items = [v for v in array.tolist() if not _is_missing(v)]
        missing = len(array) - len(items)
        if kind == "boolean":
            pairs = [(v, 1) for v in items]
        else:  # keyed by str(value) at once: unhashable cells are counted too
            pairs = list(Counter(str(v) for v in items).items())
    counts: dict[str, int] = {}
    if kind != "boolean":
        for key, count in pairs:
            counts[str(key)] = counts.get(str(key), 0) + count
        return counts, missing, 0, ()
    violations = 0
    examples: list[str] = []
    for key, count in pairs:
        if isinstance(key, bool | int | float | np.bool_ | np.number) and key in (0, 1):
            label = str(bool(key))
            counts[label] = counts.get(label, 0) + count
        else:
            violations += count
            if len(examples) < _EXAMPLES and _show(key) not in examples:
                examples.append(_show(key))
    return counts, missing, violations, tuple(examples)


def _missing_mask(array: npt.NDArray[Any]) -> BoolArray:
    if array.dtype.kind == "f":
        mask: BoolArray = np.isnan(array)
        return mask
    if array.dtype.kind in "mM":
        mask = np.isnat(array)
        return mask
    if array.dtype.kind in "OUS":
        return np.fromiter((_is_missing(v) for v in array.tolist()), bool, len(array))
    return np.zeros(len(array), dtype=bool)


def _is_missing(value: Any) -> bool:
    """``None``, NaN, NaT or pandas' NA."""
    if value is None:
        return True
    if isinstance(value, str | bytes | int):
        return False
    try:
        return bool(value != value)
    except TypeError:  # pandas.NA: its truth value is ambiguous
        return True
    except ValueError:  # an array-like cell: a value, if not a readable one
        return False


def _examples(values: npt.NDArray[Any]) -> tuple[str, ...]:
    shown: list[str] = []
    for value in values.tolist():
        text = _show(value)
        if text not in shown:
            shown.append(text)
        if len(shown) == _EXAMPLES:
            break
    return tuple(shown)


def _show(value: Any) -> str:
    text = repr(value.item() if isinstance(value, np.generic) else value)
    return text if len(text) <= 40 else text[:37] + "..."


def _show_bound(value: float, kind: str) -> str:
    if kind == "datetime":
        moment = dt.datetime.fromtimestamp(value, tz=dt.timezone.utc)
        return moment.isoformat().replace("+00:00", "Z")
    return f"{value:g}"


# -- judging --------------------------------------------------------------------------------


def _graded(value: float, warn: float, alert: float, *, any_warns: bool = False) -> Status:
    """``alert`` at or above ``alert``, ``warn`` at or above ``warn`` (or above 0 when
    ``any_warns``), else ``ok``."""
    if value >= alert - _ROUNDING:
        return "alert"
    if (value > 0) if any_warns else (value >= warn - _ROUNDING):
        return "warn"
    return "ok"


def _column_kind(
    name: str, kind: str | None, reference: ColumnProfile | None, values: npt.ArrayLike | None
) -> Kind:
    if kind is not None and kind not in KINDS:
        raise DataError(f"column {name!r} has kind {kind!r}; expected one of {', '.join(KINDS)}.")
    if kind is not None and reference is not None and kind != reference.kind:
        raise DataError(
            f"column {name!r} is checked as {kind!r} but its reference profile is "
            f"{reference.kind!r}; drop the kind argument to use the reference's."
        )
    if kind is not None:
        return kind
    if reference is not None:
        return reference.kind
    if values is None:
        return "numeric"
    dtype = np.asarray(values).dtype
    if dtype.kind == "b":
        return "boolean"
    if dtype.kind in "iuf":
        return "numeric"
    if dtype.kind == "M":
        return "datetime"
    return "categorical"
