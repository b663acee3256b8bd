"""Data drift: does each column of today's data still look like the training data, and the table?

:func:`column_drift` compares one column, reference (a sample of the training data) against
current (the rows scored in the window); :func:`dataset_drift` compares every column of the
reference and gives the table's verdict. Both are pure functions over arrays (NumPy arrays,
pandas Series, lists) and run in one of two modes.

``mode="paraguas"`` (the default): a drift worth an alert is both large and real
    Monitoring compares large samples, where a p-value flags every harmless wobble and a
    distance alone flags the noise of a small day. A column drifts when its effect size
    reaches the threshold **and** the shift is statistically significant:

    - numeric columns (more than 5 distinct values): the Wasserstein distance in reference
      standard deviations (:func:`~paraguas.monitoring.wasserstein_normed`) is at least 0.1,
      and the Kolmogorov-Smirnov p-value is below 0.05;
    - categorical and boolean columns, and numeric columns with at most 5 distinct values:
      the Jensen-Shannon distance (natural log, 0 to 0.83) is at least 0.1, and the
      chi-square p-value (the two-proportion z-test for at most 2 values) is below 0.05.

    The p-values are adjusted by Benjamini-Hochberg over all the columns of the call: among
    twenty columns of pure noise, one raw p-value falls below 0.05 two times in three
    (1 - 0.95^20), and the adjustment keeps it from counting as significant. A column is
    ``alert`` when it drifts, ``warn`` when the shift is significant and its effect size at
    least half the threshold, and ``ok`` otherwise. ``ColumnDrift.p_value`` is the adjusted
    p-value, ``ColumnDrift.test`` names the test behind it.

    The table drifts when the drifted columns carry at least ``share`` (0.5) of the model's
    feature importance, and is ``warn`` from half of that: drift in a feature the model
    ignores does not retrain it. Importances are normalised over the columns that could be
    checked; negative ones (permutation importance of a useless feature) count as 0, and so
    do columns missing from ``importance``, which are still checked and reported. Without
    importances (or all zero) every column weighs the same.

``mode="evidently"``: Evidently 0.7's ``DataDriftPreset``, statistic for statistic
    The same choice of test and threshold as Evidently's default, so that numbers agree with
    what a data scientist sees there (to 1e-9; the benchmark in ``bench/drift.py`` checks it):

    ================================  ======================  ==============================
    column (distinct values: both      reference of at most    larger reference
    sides, missing left out)           1,000 values
    ================================  ======================  ==============================
    numeric, more than 5 values        KS p-value <= 0.05      Wasserstein (normed) >= 0.1
    numeric with 3-5, categorical 3+   chi-square p < 0.05     Jensen-Shannon >= 0.1
    numeric or categorical, 1-2        z-test p < 0.05         Jensen-Shannon >= 0.1
    ================================  ======================  ==============================

    The reference size is its number of present values (``reference_rows`` when the
    reference given is a sample of a larger one). A column is ``alert`` when it drifts and
    ``ok`` otherwise; ``p_value`` is the raw p-value, ``None`` for distances. The table
    drifts when at least ``share`` (0.5) of the columns drift, each column counting the same
    (``importance`` is ignored, as Evidently has none).

Values: NaN, None and +/-inf are missing and left out of both sides (Evidently also drops
+/-inf, except, in its dataset-level metric, in a column holding no NaN). Datetimes are
compared as numbers (seconds since 1970). Categories are compared as values (``"1"`` and
``1`` differ; ``True`` and ``1`` do not), over the categories of both sides: one never seen
in the reference is a category of its own, which the chi-square test counts as certain
drift (statistic ``inf``, p-value 0) and the Jensen-Shannon distance by its weight.

Bad input never stops the call nor turns into a NaN: a column that cannot be compared (no
present value on a side, absent from the current data, no kind or an unknown one, values of
the wrong type) gets ``status="error"`` and says why in ``detail``; it is left out of the
table's share and of the Benjamini-Hochberg adjustment. A reference column with one value
only is compared like any other: as categories while both sides hold at most 5 values,
otherwise by a Wasserstein distance divided by 0.001 instead of the standard deviation of 0
(Evidently's floor), so that a constant column whose values now move by more than about
0.0001 on average drifts.
Text columns have no statistic here: compare them with
:func:`paraguas.monitoring.domain.text_domain_classifier`.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> reference = {"x": rng.normal(size=5_000), "y": rng.normal(size=5_000)}
>>> current = {"x": rng.normal(0.5, size=5_000), "y": rng.normal(size=5_000)}
>>> result = dataset_drift(reference, current, {"x": "numeric", "y": "numeric"})
>>> [(c.column, c.status) for c in result.columns], result.share, result.status
([('x', 'alert'), ('y', 'ok')], 0.5, 'alert')
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Final, Literal, get_args

import numpy as np
import numpy.typing as npt

from paraguas.errors import DataError
from paraguas.monitoring.categorical import chi_square, z_test_counts
from paraguas.monitoring.profile import _as_numbers
from paraguas.monitoring.results import Status
from paraguas.monitoring.statistics import (
    WASSERSTEIN_STD_FLOOR,
    bh_adjusted_p_values,
    jensen_shannon,
    ks_and_wasserstein_sorted,
    ks_sorted,
    wasserstein_sorted,
)

__all__ = [
    "ALPHA",
    "DATASET_SHARE",
    "DISTANCE_THRESHOLD",
    "FEW_VALUES",
    "MODES",
    "SMALL_REFERENCE",
    "ColumnDrift",
    "DatasetDrift",
    "Mode",
    "column_drift",
    "dataset_drift",
]

Mode = Literal["paraguas", "evidently"]
MODES: Final[tuple[Mode, ...]] = get_args(Mode)
#: Significance level of every test (Evidently's default; after Benjamini-Hochberg in paraguas mode).
ALPHA: Final = 0.05
#: The effect size at which a column drifts: normed Wasserstein or Jensen-Shannon distance.
DISTANCE_THRESHOLD: Final = 0.1
#: Evidently tests a reference of at most this many present values, measures a larger one.
SMALL_REFERENCE: Final = 1000
#: A numeric column with at most this many distinct values is compared as categories.
FEW_VALUES: Final = 5
#: The share of columns (of importance, in paraguas mode) whose drift makes the table drift.
DATASET_SHARE: Final = 0.5

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_NUMERIC_KINDS: Final = ("numeric", "datetime")
_LABEL_KINDS: Final = ("categorical", "boolean")
_LABELS: Final = {
    "ks": "KS p-value",
    "chi_square": "chi-square p-value",
    "z_test": "z-test p-value",
    "wasserstein_normed": "Wasserstein distance (normed)",
    "jensen_shannon": "Jensen-Shannon distance",
}


@dataclass(frozen=True)
class ColumnDrift:
    """The drift of one column: what was measured, the threshold, and the verdict.

    ``method`` is the statistic judged against ``threshold``: ``ks``, ``chi_square`` and
    ``z_test`` are judged by their p-value, ``wasserstein_normed`` and ``jensen_shannon`` by
    ``statistic``. ``test`` names the test behind ``p_value`` (``None`` for a distance alone,
    in evidently mode); in paraguas mode ``p_value`` is adjusted by Benjamini-Hochberg.
    ``importance`` is the column's weight in the table's share (paraguas mode). A column
    that could not be compared has ``status="error"``, no statistic and no threshold, and
    ``detail`` says why; otherwise ``detail`` explains the verdict in one line.
    """

    column: str
    kind: str
    method: str
    statistic: float | None
    p_value: float | None
    threshold: float | None
    drifted: bool
    status: Status
    importance: float | None = None
    detail: str = ""
    test: str | None = None


@dataclass(frozen=True)
class DatasetDrift:
    """The drift of a table: each column's, and the (weighted) share of drifted columns.

    ``status`` is ``alert`` when ``share`` reaches ``threshold``, ``warn`` from half of it
    (paraguas mode), ``ok`` below, and ``error`` when no column could be compared.
    """

    mode: str
    columns: tuple[ColumnDrift, ...]
    share: float
    threshold: float
    drifted: bool
    status: Status
    detail: str

    def column(self, name: str) -> ColumnDrift:
        """The result of column ``name``."""
        for column in self.columns:
            if column.column == name:
                return column
        raise KeyError(f"column {name!r} was not compared; got {[c.column for c in self.columns]}.")

    @property
    def drifted_columns(self) -> tuple[str, ...]:
        """The names of the columns that drifted, in order."""
        return tuple(column.column for column in self.columns if column.drifted)


def column_drift(
    name: str,
    reference: npt.ArrayLike,
    current: npt.ArrayLike,
    kind: str,
    *,
    mode: Mode = "paraguas",
    reference_rows: int | None = None,
) -> ColumnDrift:
    """The drift of one column (see the module docs for both modes).

    ``reference_rows`` is the number of present values of the full reference column when
    ``reference`` is a sample of it (``ColumnProfile.present``): evidently mode picks its
    test by that size. By default, the present values of ``reference``. Alone, the p-value
    needs no Benjamini-Hochberg adjustment. Bad data gives ``status="error"``, never an
    exception; a wrong ``mode`` or ``reference_rows`` raises ``ValueError``.
    """
    _check_mode(mode)
    _check_rows(name, reference_rows)
    measured = _measure(name, reference, current, kind, mode, reference_rows)
    return _judge([measured], mode)[0]


def dataset_drift(
    reference: Mapping[str, npt.ArrayLike],
    current: Mapping[str, npt.ArrayLike],
    kinds: Mapping[str, str],
    *,
    mode: Mode = "paraguas",
    importance: Mapping[str, float] | None = None,
    share: float = DATASET_SHARE,
    workers: int = 2,
    reference_rows: Mapping[str, int] | None = None,
) -> DatasetDrift:
    """The drift of every column of ``reference`` and the table's verdict.

    ``reference`` and ``current`` map column names to values (a ``pandas.DataFrame`` does);
    columns only in ``current`` are ignored, columns of ``reference`` missing from
    ``current`` or from ``kinds`` are reported as errors. ``kinds`` holds the profile kinds
    (``numeric``, ``categorical``, ``boolean``, ``datetime``). ``importance`` weighs the
    columns in paraguas mode; ``share`` is the (weighted) share of drifted columns that makes
    the table drift. ``workers`` threads compare columns side by side (NumPy sorts release
    the GIL). ``reference_rows`` as in :func:`column_drift`, per column.
    """
    _check_mode(mode)
    if not 0 < share <= 1:
        raise ValueError(f"share must be in (0, 1]; got {share!r}.")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive integer; got {workers!r}.")
    rows = dict(reference_rows or {})
    for name, count in rows.items():
        _check_rows(name, count)
    names = list(reference)  # a DataFrame iterates over its column names too

    def measure(name: str) -> _Measured:
        values = current.get(name)
        return _measure(name, reference[name], values, kinds.get(name), mode, rows.get(name))

    if workers == 1 or len(names) < 2:
        measured = [measure(name) for name in names]
    else:
        with ThreadPoolExecutor(max_workers=min(workers, len(names))) as pool:
            measured = list(pool.map(measure, names))
    return _table(_judge(measured, mode), mode, importance, share)


# -- measuring one column -------------------------------------------------------------------


@dataclass(frozen=True)
class _Measured:
    """One column's statistic before its verdict, which in paraguas mode needs the p-values of
    every column (Benjamini-Hochberg)."""

    column: str
    kind: str
    method: str = ""
    statistic: float | None = None
    p_value: float | None = None
    test: str | None = None
    seen: str = ""  # what was compared, for the detail
    error: str = ""


def _measure(
    name: str,
    reference: Any,
    current: Any,
    kind: str | None,
    mode: Mode,
    reference_rows: int | None,
) -> _Measured:
    """Compare one column; bad data becomes an ``error`` result, never an exception."""
    try:
        if kind is None:
            raise DataError(
                f"column {name!r} has no kind; give one of numeric, categorical, boolean or "
                "datetime."
            )
        if current is None:
            raise DataError(f"column {name!r} is missing from the current data.")
        if kind in _NUMERIC_KINDS:
            ref = _sorted_numbers(name, "reference", reference, kind)
            cur = _sorted_numbers(name, "current", current, kind)
            values = _distinct(ref, cur, FEW_VALUES + 1)
            rows = len(ref) if reference_rows is None else reference_rows
            if len(values) > FEW_VALUES:
                return _numbers_drift(name, kind, ref, cur, mode, rows)
            counts = _counts_at(ref, values), _counts_at(cur, values)
            return _counts_drift(name, kind, *counts, mode, rows)
        if kind in _LABEL_KINDS:
            ref_counts, cur_counts, new = _label_counts(name, reference, current)
            rows = int(ref_counts.sum()) if reference_rows is None else reference_rows
            measured = _counts_drift(name, kind, ref_counts, cur_counts, mode, rows)
            if new:
                seen = f"{measured.seen}; {new} never seen in the reference"
                measured = replace(measured, seen=seen)
            return measured
        if kind == "text":
            raise DataError(
                f"column {name!r} is text, which has no drift statistic here; compare it with "
                "paraguas.monitoring.domain.text_domain_classifier."
            )
        raise DataError(
            f"column {name!r} has kind {kind!r}; expected numeric, categorical, boolean or "
            "datetime."
        )
    except DataError as exc:
        return _Measured(name, kind or "", error=str(exc))
    except (TypeError, ValueError) as exc:  # values NumPy cannot read, e.g. ragged lists
        return _Measured(name, kind or "", error=f"column {name!r} cannot be read: {exc}")


def _numbers_drift(
    name: str, kind: str, ref: FloatArray, cur: FloatArray, mode: Mode, rows: int
) -> _Measured:
    seen = f"{len(ref):,} vs {len(cur):,} values"
    if mode == "evidently" and rows <= SMALL_REFERENCE:
        ks = ks_sorted(ref, cur)
        return _Measured(name, kind, "ks", ks.statistic, ks.p_value, "ks", seen)
    norm = max(float(np.std(ref)), WASSERSTEIN_STD_FLOOR)
    if mode == "evidently":
        distance = wasserstein_sorted(ref, cur) / norm
        return _Measured(name, kind, "wasserstein_normed", distance, None, None, seen)
    ks, distance = ks_and_wasserstein_sorted(ref, cur, approximate=True)
    return _Measured(name, kind, "wasserstein_normed", distance / norm, ks.p_value, "ks", seen)


def _counts_drift(
    name: str, kind: str, ref: IntArray, cur: IntArray, mode: Mode, rows: int
) -> _Measured:
    seen = f"{int(ref.sum()):,} vs {int(cur.sum()):,} values, {len(ref)} distinct"
    tested = "chi_square" if len(ref) > 2 else "z_test"
    if mode == "evidently" and rows <= SMALL_REFERENCE:
        result = chi_square(ref, cur) if tested == "chi_square" else z_test_counts(ref, cur)
        return _Measured(name, kind, tested, result.statistic, result.p_value, tested, seen)
    distance = jensen_shannon(ref, cur)
    if mode == "evidently":
        return _Measured(name, kind, "jensen_shannon", distance, None, None, seen)
    result = chi_square(ref, cur) if tested == "chi_square" else z_test_counts(ref, cur)
    return _Measured(name, kind, "jensen_shannon", distance, result.p_value, tested, seen)


# -- the verdicts ---------------------------------------------------------------------------


def _judge(measured: Sequence[_Measured], mode: Mode) -> list[ColumnDrift]:
    """Each column's verdict; in paraguas mode after adjusting the p-values together."""
    tested = [m for m in measured if not m.error and m.p_value is not None]
    adjusted: dict[str, float] = {}
    if mode == "paraguas" and tested:
        raw = [m.p_value for m in tested if m.p_value is not None]
        adjusted = dict(
            zip((m.column for m in tested), bh_adjusted_p_values(raw).tolist(), strict=True)
        )
    columns = []
    for m in measured:
        if m.error:
            columns.append(
                ColumnDrift(
                    m.column, m.kind, m.method, None, None, None, False, "error", detail=m.error
                )
            )
        elif mode == "evidently":
            columns.append(_evidently_verdict(m))
        else:
            columns.append(_paraguas_verdict(m, adjusted[m.column], len(tested)))
    return columns


def _evidently_verdict(m: _Measured) -> ColumnDrift:
    label = _LABELS[m.method]
    if m.p_value is not None:
        value, threshold = m.p_value, ALPHA
        # Evidently's KS test drifts at p <= 0.05, its chi-square and z-test at p < 0.05
        drifted = value <= threshold if m.method == "ks" else value < threshold
        sign = ("<=" if m.method == "ks" else "<") if drifted else ">" if m.method == "ks" else ">="
        why = f"reference of at most {SMALL_REFERENCE:,} values: a test"
    else:
        value, threshold = _finite(m.statistic), DISTANCE_THRESHOLD
        drifted = value >= threshold
        sign = ">=" if drifted else "<"
        why = f"reference above {SMALL_REFERENCE:,} values: a distance"
    detail = f"{label} {value:.4g} {sign} {threshold:g} ({why}; {m.seen})"
    return ColumnDrift(
        m.column,
        m.kind,
        m.method,
        m.statistic,
        m.p_value,
        threshold,
        drifted,
        "alert" if drifted else "ok",
        detail=("drift: " if drifted else "no drift: ") + detail,
        test=m.test,
    )


def _paraguas_verdict(m: _Measured, p_value: float, columns: int) -> ColumnDrift:
    effect = _finite(m.statistic)
    significant = p_value < ALPHA
    drifted = significant and effect >= DISTANCE_THRESHOLD
    status: Status = "alert" if drifted else "ok"
    if significant and not drifted and effect >= DISTANCE_THRESHOLD / 2:
        status = "warn"
    test = _LABELS[m.test or ""]
    over = f" (Benjamini-Hochberg over {columns} columns)" if columns > 1 else ""
    measured = (
        f"{_LABELS[m.method]} {effect:.4g} (drift at {DISTANCE_THRESHOLD:g}), "
        f"{test} {p_value:.2g}{over} ({m.seen})"
    )
    if drifted:
        verdict = "drift: large and significant"
    elif not significant:
        verdict = f"no drift: not significant at {ALPHA:g}"
    elif status == "warn":
        verdict = "warning: significant, and at least half the drift threshold"
    else:
        verdict = "no drift: significant but small"
    return ColumnDrift(
        m.column,
        m.kind,
        m.method,
        m.statistic,
        p_value,
        DISTANCE_THRESHOLD,
        drifted,
        status,
        detail=f"{verdict}: {measured}",
        test=m.test,
    )


def _table(
    columns: list[ColumnDrift],
    mode: Mode,
    importance: Mapping[str, float] | None,
    share: float,
) -> DatasetDrift:
    checked = [c for c in columns if c.status != "error"]
    failed = [c.column for c in columns if c.status == "error"]
    not_checked = f"; not checked: {', '.join(failed)}" if failed else ""

    def result(
        value: float, status: Status, detail: str, weighed: list[ColumnDrift]
    ) -> DatasetDrift:
        return DatasetDrift(
            mode, tuple(weighed), value, share, status == "alert", status, detail + not_checked
        )

    if not checked:
        detail = "no column could be compared" if columns else "no column to compare"
        return result(0.0, "error", detail, columns)
    drifted = [c for c in checked if c.drifted]
    counted = f"{len(drifted)} of {len(checked)} columns drifted"
    weights = _weights(checked, importance) if mode == "paraguas" else None
    if weights is None:
        value = len(drifted) / len(checked)
        weighed = columns
        of_what = "of the columns"
    else:
        total = math.fsum(weights.values())
        if not total > 0:
            return result(
                0.0,
                "error",
                f"{counted}, but none of the columns with importance could be compared",
                columns,
            )
        value = math.fsum(weights[c.column] for c in drifted) / total
        weighed = [
            c if c.status == "error" else _with_importance(c, weights[c.column] / total)
            for c in columns
        ]
        of_what = "of the feature importance" if importance else "of the columns"
    status: Status = "alert" if value >= share else "ok"
    if mode == "paraguas" and status == "ok" and value >= share / 2:
        status = "warn"
    detail = f"{counted}: {value:.0%} {of_what} (drift at {share:.0%})"
    return result(value, status, detail, weighed)


def _weights(
    checked: Sequence[ColumnDrift], importance: Mapping[str, float] | None
) -> dict[str, float]:
    """Each checked column's raw weight: its importance (0 if negative, missing or not a
    number), or 1 each when no importance is given, or all are zero."""

    def weight(value: Any) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            return 0.0
        return number if math.isfinite(number) and number > 0 else 0.0

    given = {str(k): weight(v) for k, v in (importance or {}).items()}
    if not any(given.values()):
        return {c.column: 1.0 for c in checked}
    return {c.column: given.get(c.column, 0.0) for c in checked}


def _with_importance(column: ColumnDrift, importance: float) -> ColumnDrift:
    return replace(column, importance=importance)


# -- values ---------------------------------------------------------------------------------


def _sorted_numbers(name: str, what: str, values: Any, kind: str) -> FloatArray:
    """The present values of a numeric or datetime sample, sorted (NaN and +/-inf left out)."""
    array = _numbers_array(values)
    if array.ndim != 1:
        raise DataError(f"column {name!r}: the {what} values must be 1-D; got shape {array.shape}.")
    numbers = array if array.dtype == np.float64 else _as_numbers(name, array, kind)
    ordered = np.sort(numbers)  # -inf first, then numbers, +inf, NaN last
    start = int(np.searchsorted(ordered, -np.inf, side="right"))
    stop = int(np.searchsorted(ordered, np.inf, side="left"))
    if stop <= start:
        raise DataError(_nothing(name, what, len(ordered)))
    present: FloatArray = ordered[start:stop]
    return present


def _numbers_array(values: Any) -> npt.NDArray[Any]:
    """A NumPy array of ``values``; pandas numbers with ``pd.NA`` become float with NaN."""
    if isinstance(values, np.ndarray):
        return values
    dtype = getattr(values, "dtype", None)
    if dtype is not None and hasattr(values, "to_numpy"):
        import pandas as pd

        if isinstance(dtype, np.dtype):
            return np.asarray(values)  # a view of a NumPy-backed Series
        if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
            converted: npt.NDArray[Any] = values.to_numpy(dtype=np.float64, na_value=np.nan)
            return converted
    return np.asarray(values)


def _distinct(ref: FloatArray, cur: FloatArray, limit: int) -> FloatArray:
    """The distinct values of two sorted samples together, sorted, stopping at ``limit``."""
    found: set[float] = set()
    for ordered in (ref, cur):
        at = 0
        while at < len(ordered) and len(found) < limit:
            value = float(ordered[at])
            found.add(value)
            at = int(np.searchsorted(ordered, value, side="right"))
    return np.sort(np.fromiter(found, dtype=np.float64, count=len(found)))


def _counts_at(ordered: FloatArray, values: FloatArray) -> IntArray:
    """How many times each of ``values`` occurs in the sorted sample ``ordered``."""
    counts: IntArray = (
        np.searchsorted(ordered, values, side="right")
        - np.searchsorted(ordered, values, side="left")
    ).astype(np.int64)
    return counts


def _label_counts(name: str, reference: Any, current: Any) -> tuple[IntArray, IntArray, int]:
    """Counts of both samples over the categories of either (sorted when they can be), and how
    many categories the reference never saw."""
    ref_keys, ref_counts = _label_table(name, "reference", reference)
    cur_keys, cur_counts = _label_table(name, "current", current)
    position = {key: i for i, key in enumerate(ref_keys)}
    keys = list(ref_keys)
    for key in cur_keys:
        if key not in position:
            position[key] = len(keys)
            keys.append(key)
    ref_aligned = np.zeros(len(keys), dtype=np.int64)
    ref_aligned[: len(ref_keys)] = ref_counts
    cur_aligned = np.zeros(len(keys), dtype=np.int64)
    np.add.at(cur_aligned, [position[key] for key in cur_keys], cur_counts)
    order = _sorted_order(keys)
    return ref_aligned[order], cur_aligned[order], len(keys) - len(ref_keys)


def _label_table(name: str, what: str, values: Any) -> tuple[list[Any], IntArray]:
    """The distinct present values of a sample of labels and their counts."""
    import pandas as pd

    if not hasattr(values, "dtype"):
        values = np.asarray(values, dtype=object if _is_list_of_labels(values) else None)
    if getattr(values, "ndim", 1) != 1:
        raise DataError(
            f"column {name!r}: the {what} values must be 1-D; got shape {values.shape}."
        )
    if getattr(values.dtype, "kind", "") == "f":
        # +/-inf is no category: missing, like NaN
        numbers = np.asarray(_numbers_array(values), dtype=np.float64)
        values = np.where(np.isfinite(numbers), numbers, np.nan)
    try:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    except TypeError as exc:  # unhashable values
        raise DataError(
            f"column {name!r}: the {what} values cannot be counted as categories ({exc})."
        ) from exc
    counts = np.bincount(np.asarray(codes, dtype=np.intp) + 1, minlength=len(uniques) + 1)[1:]
    present = np.flatnonzero(counts)
    if len(present) == 0:
        raise DataError(_nothing(name, what, len(codes)))
    keys = np.asarray(uniques, dtype=object)[present].tolist()
    return keys, counts[present].astype(np.int64)


def _nothing(name: str, what: str, rows: int) -> str:
    why = "it has no row" if rows == 0 else f"all {rows:,} values are missing (NaN, None, +/-inf)"
    return f"column {name!r} has no {what} value to compare: {why}."


def _is_list_of_labels(values: Any) -> bool:
    return isinstance(values, list | tuple) and any(isinstance(v, str) for v in values)


def _sorted_order(keys: list[Any]) -> list[int]:
    """The order that sorts ``keys``, or their order as given when they cannot be compared."""
    try:
        return sorted(range(len(keys)), key=keys.__getitem__)
    except TypeError:
        return list(range(len(keys)))


def _finite(value: float | None) -> float:
    assert value is not None and not math.isnan(value), value  # a measured column has one
    return value


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(map(repr, MODES))}; got {mode!r}.")


def _check_rows(name: str, rows: int | None) -> None:
    if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int) or rows < 1):
        raise ValueError(
            f"reference_rows of column {name!r} must be a positive integer; got {rows!r}."
        )
