"""Two-sample drift statistics over numbers and bin counts: reference (training) vs current.

Pure functions over NumPy arrays returning plain Python values. Each reproduces a named
reference so that numbers agree with what a data scientist computes elsewhere:

- :func:`ks_2samp`: SciPy's ``scipy.stats.ks_2samp`` (two-sided, ``method="auto"``).
- :func:`wasserstein_normed`: Evidently 0.7's "Wasserstein distance (normed)",
  ``scipy.stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001)``.
- :func:`psi`: Evidently 0.7's PSI smoothing of empty bins (see :func:`psi`).
- :func:`jensen_shannon`: ``scipy.spatial.distance.jensenshannon`` with its natural-log
  default, as Evidently 0.7 calls it.
- :func:`benjamini_hochberg`: ``scipy.stats.false_discovery_control(method="bh")``.

Samples are 1-D arrays of numbers; NaN and +/-inf are missing and dropped (as Evidently
does, and as ``Profile`` counts them), and a sample with nothing left raises ``DataError``.
SciPy is imported inside the functions that need it: ``paraguas.monitoring`` is imported by
commands that never compute a drift statistic, and ``scipy.stats`` takes a second to load.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from paraguas.errors import DataError
from paraguas.monitoring.profile import ColumnProfile, count_in_bins

__all__ = [
    "PSI_EPSILON",
    "WASSERSTEIN_STD_FLOOR",
    "TestResult",
    "benjamini_hochberg",
    "bh_adjusted_p_values",
    "jensen_shannon",
    "jensen_shannon_from_values",
    "ks_2samp",
    "ks_and_wasserstein_sorted",
    "ks_sorted",
    "psi",
    "psi_against_profile",
    "psi_from_values",
    "quantile_bin_edges",
    "wasserstein_normed",
    "wasserstein_sorted",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: The proportion that replaces an empty bin in :func:`psi` (Evidently 0.7's 0.0001).
PSI_EPSILON: Final = 1e-4
#: Evidently divides by the reference std but never by less than this.
WASSERSTEIN_STD_FLOOR: Final = 0.001
# scipy.stats.ks_2samp(method="auto") computes the exact p-value up to this sample size.
_KS_EXACT_MAX_N: Final = 10_000


@dataclass(frozen=True)
class TestResult:
    """A test statistic and its p-value (the probability, under "no drift", of a statistic at
    least this extreme)."""

    __test__ = False  # not a pytest test class, despite its name

    statistic: float
    p_value: float


def ks_2samp(reference: npt.ArrayLike, current: npt.ArrayLike) -> TestResult:
    """Two-sided two-sample Kolmogorov-Smirnov test, as ``scipy.stats.ks_2samp``.

    The statistic is the largest gap between the two empirical CDFs. As SciPy's ``auto``
    method: the exact p-value when both samples have at most 10,000 values (SciPy computes
    it, falling back to the asymptotic one when the exact sum overflows), otherwise the
    distribution of the one-sample statistic at ``n = round(n1 * n2 / (n1 + n2))``.

    >>> ks_2samp([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    TestResult(statistic=0.0, p_value=1.0)
    """
    return ks_sorted(
        np.sort(_present("reference", reference)), np.sort(_present("current", current))
    )


def ks_sorted(
    reference: FloatArray, current: FloatArray, *, approximate: bool = False
) -> TestResult:
    """:func:`ks_2samp` of two samples already sorted, with no missing value (not checked).

    For callers that sort once and compute several statistics from the same arrays. SciPy's
    p-value for large samples costs time in proportion to ``n1 * n2 / (n1 + n2)`` (most of a
    second at a million rows a side); with ``approximate=True`` the p-value of samples above
    10,000 values is that of Kolmogorov's limiting distribution with Stephens' correction,
    ``kolmogorov((sqrt(n) + 0.12 + 0.11 / sqrt(n)) * D)``: within 2% of SciPy's down to
    p = 1e-6 (0.02% around 0.05), in constant time. The statistic is the same.
    """
    n1, n2 = len(reference), len(current)
    if max(n1, n2) <= _KS_EXACT_MAX_N:
        import scipy.stats

        with warnings.catch_warnings():
            # SciPy warns when the exact sum overflows and it uses the asymptotic p-value.
            warnings.filterwarnings("ignore", "ks_2samp: Exact calculation", RuntimeWarning)
            result = scipy.stats.ks_2samp(reference, current, method="auto")
        return TestResult(float(result.statistic), float(result.pvalue))
    values, gaps = _cdf_gaps(reference, current)
    return _ks_from_gaps(values, gaps, n1, n2, approximate=approximate)


def ks_and_wasserstein_sorted(
    reference: FloatArray, current: FloatArray, *, approximate: bool = False
) -> tuple[TestResult, float]:
    """:func:`ks_sorted` and :func:`wasserstein_sorted` of the same samples, merged once."""
    n1, n2 = len(reference), len(current)
    if max(n1, n2) <= _KS_EXACT_MAX_N:
        return ks_sorted(reference, current), wasserstein_sorted(reference, current)
    values, gaps = _cdf_gaps(reference, current)
    ks = _ks_from_gaps(values, gaps, n1, n2, approximate=approximate)
    if n1 == n2:
        return ks, wasserstein_sorted(reference, current)
    return ks, float(np.dot(np.abs(gaps[:-1]), np.diff(values)))


def _ks_from_gaps(
    values: FloatArray, gaps: FloatArray, n1: int, n2: int, *, approximate: bool
) -> TestResult:
    """The KS test from the merged samples and their CDF gaps (:func:`_cdf_gaps`)."""
    # the gap between the CDFs counts every tied value only after the last of them
    last = np.flatnonzero(values[1:] != values[:-1])
    statistic = float(max(np.max(np.abs(gaps[last]), initial=0.0), abs(gaps[-1])))
    n = float(np.round(n1 * n2 / (n1 + n2)))
    if approximate:
        import scipy.special

        root = math.sqrt(n)
        p_value = float(scipy.special.kolmogorov((root + 0.12 + 0.11 / root) * statistic))
    else:
        import scipy.stats

        p_value = float(scipy.stats.kstwo.sf(statistic, n))
    return TestResult(statistic, float(np.clip(p_value, 0, 1)))


def wasserstein_normed(
    reference: npt.ArrayLike, current: npt.ArrayLike, *, std_floor: float = WASSERSTEIN_STD_FLOOR
) -> float:
    """Wasserstein-1 distance divided by the reference's (population) standard deviation.

    Evidently's "Wasserstein distance (normed)": in units of reference standard deviations,
    so one threshold (0.1) fits every column. A reference whose std is below ``std_floor``
    (a constant column, std 0) is divided by ``std_floor`` instead, as Evidently does: the
    result stays finite, and a constant column moved by ``std_floor * 0.1`` or more drifts
    at the 0.1 threshold.

    >>> wasserstein_normed([0.0, 2.0], [1.0, 3.0])
    1.0
    """
    ref = _present("reference", reference)
    cur = _present("current", current)
    norm = max(float(np.std(ref)), std_floor)
    return wasserstein_sorted(np.sort(ref), np.sort(cur)) / norm


def psi(
    reference_counts: npt.ArrayLike, current_counts: npt.ArrayLike, *, epsilon: float = PSI_EPSILON
) -> float:
    """Population Stability Index of two histograms over the same bins (or categories).

    ``sum((c - r) * ln(c / r))`` over the bin proportions ``r`` and ``c``. An empty bin
    would make it infinite; as Evidently 0.7 does, each side's zero proportions are replaced
    by ``epsilon``, or by a millionth of that side's smallest non-zero proportion when that
    one is not above ``epsilon`` (so the filler stays far below every observed share). The
    proportions are not renormalised after filling. Always >= 0, and 0 for equal shares.

    >>> round(psi([50, 50], [25, 75]), 6)  # 0.25 * ln 3
    0.274653
    """
    ref, cur = _count_pair(reference_counts, current_counts)
    if not epsilon > 0:
        raise ValueError(f"epsilon must be > 0; got {epsilon!r}.")
    r = _fill_empty(ref / ref.sum(), epsilon)
    c = _fill_empty(cur / cur.sum(), epsilon)
    return float(np.sum((c - r) * np.log(c / r)))


def psi_from_values(
    reference: npt.ArrayLike,
    current: npt.ArrayLike,
    *,
    bins: int = 10,
    epsilon: float = PSI_EPSILON,
) -> float:
    """:func:`psi` of two samples, over bins cut at the reference's quantiles.

    The bins are those of ``Profile`` (:func:`quantile_bin_edges`), so with ``bins=10`` this
    equals :func:`psi_against_profile` on the reference's profile.
    """
    ref_counts, cur_counts = _binned(reference, current, bins)
    return psi(ref_counts, cur_counts, epsilon=epsilon)


def psi_against_profile(
    column: ColumnProfile, current: npt.ArrayLike, *, epsilon: float = PSI_EPSILON
) -> float:
    """:func:`psi` of ``current`` against a stored numeric profile's decile bins.

    The reference is never re-read: its bin counts are in the profile, and ``current`` is
    counted into the same bins with :func:`count_in_bins` (missing values left out).
    """
    if column.bin_counts is None:
        if column.kind in ("numeric", "datetime"):
            raise DataError(
                f"column {column.name!r} had no present value in the reference; PSI is undefined."
            )
        raise DataError(
            f"column {column.name!r} ({column.kind}) has no bins; for categories use "
            "psi(*category_counts(...)) instead."
        )
    counts = count_in_bins(column, current)
    if counts.sum() == 0:
        raise DataError(
            f"column {column.name!r} has no present value in the current data "
            "(NaN, None and +/-inf are missing); PSI needs at least one."
        )
    return psi(np.asarray(column.bin_counts), counts, epsilon=epsilon)


def jensen_shannon(
    reference_counts: npt.ArrayLike, current_counts: npt.ArrayLike, *, base: float | None = None
) -> float:
    """Jensen-Shannon distance between two histograms, as ``scipy.spatial.distance.jensenshannon``.

    The square root of the Jensen-Shannon divergence of the normalised counts. With the
    natural logarithm (``base=None``, SciPy's default and Evidently 0.7's choice) it lies in
    ``[0, sqrt(ln 2)]`` (about 0.8326); with ``base=2`` in ``[0, 1]``. Empty bins need no
    smoothing.

    >>> jensen_shannon([1, 0], [0, 1], base=2)
    1.0
    """
    ref, cur = _count_pair(reference_counts, current_counts)
    p, q = ref / ref.sum(), cur / cur.sum()
    m = (p + q) / 2.0
    divergence = float(np.sum(_rel_entr(p, m)) + np.sum(_rel_entr(q, m))) / 2.0
    if base is not None:
        if not (base > 0 and base != 1):
            raise ValueError(f"base must be > 0 and not 1; got {base!r}.")
        divergence /= math.log(base)
    # the divergence is >= 0; a rounding error must not turn the square root into NaN
    return math.sqrt(max(divergence, 0.0))


def jensen_shannon_from_values(
    reference: npt.ArrayLike,
    current: npt.ArrayLike,
    *,
    bins: int = 10,
    base: float | None = None,
) -> float:
    """:func:`jensen_shannon` of two numeric samples over the reference's quantile bins."""
    ref_counts, cur_counts = _binned(reference, current, bins)
    return jensen_shannon(ref_counts, cur_counts, base=base)


def quantile_bin_edges(reference: npt.ArrayLike, bins: int = 10) -> FloatArray:
    """Inner bin edges at the reference's ``1/bins, 2/bins, ...`` quantiles, duplicates removed.

    Each edge is an observed value: the smallest with at least that share of the sample at or
    below it (NumPy's ``inverted_cdf``), the rule ``Profile`` uses for its deciles. A value
    ``x`` falls in bin ``i`` when ``edges[i-1] < x <= edges[i]``; the end bins are open.
    """
    return _quantile_edges(np.sort(_present("reference", reference)), bins)


def benjamini_hochberg(p_values: npt.ArrayLike, alpha: float = 0.05) -> BoolArray:
    """Which hypotheses to reject at false discovery rate ``alpha`` (Benjamini-Hochberg).

    Rejects exactly those whose :func:`bh_adjusted_p_values` are ``<= alpha``: the step-up
    procedure, valid for independent or positively dependent tests. Never rejects a
    p-value above ``alpha``.

    >>> benjamini_hochberg([0.01, 0.03, 0.02, 0.5], alpha=0.05).tolist()
    [True, True, True, False]
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1 (exclusive); got {alpha!r}.")
    rejected: BoolArray = bh_adjusted_p_values(p_values) <= alpha
    return rejected


def bh_adjusted_p_values(p_values: npt.ArrayLike) -> FloatArray:
    """Benjamini-Hochberg adjusted p-values, as ``scipy.stats.false_discovery_control``.

    The ``i``-th smallest p-value times ``m / i``, made non-decreasing from the largest down
    and capped at 1; in the input's order. No p-values give an empty array.
    """
    p = np.asarray(p_values, dtype=np.float64)
    if p.ndim != 1:
        raise ValueError(f"p_values must be a 1-D array; got shape {p.shape}.")
    if not np.all((p >= 0) & (p <= 1)):  # also catches NaN
        raise ValueError(f"p-values must be between 0 and 1; got {p[~((p >= 0) & (p <= 1))]}.")
    m = len(p)
    order = np.argsort(p, kind="stable")
    scaled = p[order] * (m / np.arange(1, m + 1))
    np.minimum.accumulate(scaled[::-1], out=scaled[::-1])
    adjusted = np.empty(m, dtype=np.float64)
    adjusted[order] = np.minimum(scaled, 1.0)
    return adjusted


# -- helpers --------------------------------------------------------------------------------


def _present(what: str, values: npt.ArrayLike) -> FloatArray:
    """The finite values of a 1-D numeric sample as float64; NaN, None and +/-inf dropped."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise DataError(f"the {what} sample must be a 1-D array; got shape {array.shape}.")
    try:
        if array.dtype.kind in "biuf":
            numbers = array.astype(np.float64, copy=False)
        elif array.dtype.kind == "O":
            absent = np.equal(array, np.array(None, dtype=object))
            numbers = np.where(absent, np.nan, array).astype(np.float64)
        else:
            raise TypeError(f"dtype {array.dtype}")
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"the {what} sample holds values that are not numbers ({exc}); "
            "use the categorical statistics for labels."
        ) from exc
    present: FloatArray = numbers[np.isfinite(numbers)]
    if len(present) == 0:
        raise DataError(
            f"the {what} sample has no value to compare: it is empty or all missing "
            "(NaN, None and +/-inf are dropped). Pass at least one finite number."
        )
    return present


def _count_pair(reference: npt.ArrayLike, current: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    ref, cur = _counts("reference", reference), _counts("current", current)
    if ref.shape != cur.shape:
        raise DataError(
            f"reference and current counts must be aligned over the same bins; got "
            f"{len(ref)} and {len(cur)} bins. Use category_counts() to align categories."
        )
    return ref, cur


def _counts(what: str, counts: npt.ArrayLike) -> FloatArray:
    try:
        array = np.asarray(counts, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"the {what} counts are not numbers ({exc}).") from exc
    if array.ndim != 1:
        raise DataError(f"the {what} counts must be a 1-D array; got shape {array.shape}.")
    if not np.all(np.isfinite(array) & (array >= 0)):
        raise DataError(f"the {what} counts must be finite and >= 0; got {array.tolist()}.")
    if not array.sum() > 0:
        raise DataError(
            f"the {what} counts are empty or all zero: there is nothing to compare. "
            "Check that the column has present values."
        )
    return array


def _fill_empty(shares: FloatArray, epsilon: float) -> FloatArray:
    """Evidently's filler for empty bins: ``epsilon``, or the smallest share / 1e6 if that
    share is not above ``epsilon``."""
    smallest = float(shares[shares > 0].min())
    filler = smallest / 1e6 if smallest <= epsilon else epsilon
    filled: FloatArray = np.where(shares == 0, filler, shares)
    return filled


def _rel_entr(x: FloatArray, y: FloatArray) -> FloatArray:
    """``scipy.special.rel_entr`` where ``y > 0`` (always so here): ``x ln(x/y)``, 0 at x = 0."""
    out = np.zeros_like(x)
    positive = x > 0
    out[positive] = x[positive] * np.log(x[positive] / y[positive])
    return out


def wasserstein_sorted(u: FloatArray, v: FloatArray) -> float:
    """Wasserstein-1 distance of two sorted samples with no missing value (not checked).

    The area between the two empirical CDFs, as ``scipy.stats.wasserstein_distance``. For
    samples of one size it is the mean gap between their order statistics, ``mean(|u - v|)``;
    otherwise the samples are merged once (they are sorted already) and the CDF gaps are
    weighted by the distance to the next value.
    """
    if len(u) == len(v):
        gaps = np.subtract(u, v)
        return float(np.mean(np.abs(gaps, out=gaps)))
    values, gaps = _cdf_gaps(u, v)
    return float(np.dot(np.abs(gaps[:-1]), np.diff(values)))


def _cdf_gaps(u: FloatArray, v: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The merged values of two sorted samples and ``F_u - F_v`` after each of them.

    Within a run of tied values the gap is only right after the last one (the partial counts
    before it span no distance); an O(n) merge from one binary search of the smaller sample.
    """
    n, m = len(u), len(v)
    if n > m:
        values, reversed_gaps = _cdf_gaps(v, u)
        return values, np.negative(reversed_gaps, out=reversed_gaps)
    # each u value goes after every v value at or below it
    at = np.searchsorted(v, u, side="right")
    at += np.arange(n)
    seen_u = np.zeros(n + m, dtype=np.int64)
    seen_u[at] = 1
    np.cumsum(seen_u, out=seen_u)
    values = np.empty(n + m, dtype=np.float64)
    values[at] = u
    from_v = np.ones(n + m, dtype=bool)
    from_v[at] = False
    values[from_v] = v
    # F_u - F_v = seen_u / n - (k - seen_u) / m after the k-th merged value
    gaps: FloatArray = np.multiply(seen_u, 1 / n + 1 / m, dtype=np.float64)
    gaps -= np.arange(1, n + m + 1, dtype=np.float64) / m
    return values, gaps


def _binned(
    reference: npt.ArrayLike, current: npt.ArrayLike, bins: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Counts of both samples in the reference's quantile bins."""
    ref = np.sort(_present("reference", reference))
    cur = _present("current", current)
    edges = _quantile_edges(ref, bins)
    at_or_below = np.searchsorted(ref, edges, side="right")
    ref_counts = np.diff(np.concatenate(([0], at_or_below, [len(ref)]))).astype(np.int64)
    index = np.searchsorted(edges, cur, side="left")
    cur_counts = np.bincount(index, minlength=len(edges) + 1).astype(np.int64)
    return ref_counts, cur_counts


def _quantile_edges(values: FloatArray, bins: int) -> FloatArray:
    """:func:`quantile_bin_edges` of an already sorted sample."""
    if isinstance(bins, bool) or not isinstance(bins, int | np.integer) or bins < 1:
        raise ValueError(f"bins must be a positive integer; got {bins!r}.")
    # ceil(i * m / bins) - 1 in exact integer arithmetic (float quantile levels can round up)
    index = (np.arange(1, bins, dtype=np.int64) * len(values) + bins - 1) // bins - 1
    edges: FloatArray = np.unique(values[index])
    return edges
