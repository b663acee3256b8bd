"""Drift statistics over categories: aligned counts, chi-square, two-proportion z-test.

Categories are keyed as ``Profile`` keys them (``str(value)``; booleans ``"True"`` and
``"False"``), and missing values (``None``, NaN) are left out, so that current data counted
here lines up with a stored reference profile. The distances over counts (:func:`psi`,
:func:`jensen_shannon`) live in :mod:`paraguas.monitoring.statistics`.

The tests reproduce Evidently 0.7's stattests of the same names: ``chisquare`` compares the
current counts with the reference proportions scaled to the current total; ``z`` is the
pooled two-proportion z-test with a two-sided p-value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from paraguas.errors import DataError
from paraguas.monitoring.profile import ColumnProfile

# The profile's own keying of labels, so that both sides of a comparison agree.
from paraguas.monitoring.profile import _category_counts as _profile_category_counts
from paraguas.monitoring.statistics import TestResult, _count_pair

__all__ = [
    "CategoryCounts",
    "aligned_counts",
    "category_counts",
    "category_counts_against_profile",
    "chi_square",
    "z_test_counts",
    "z_test_proportions",
]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class CategoryCounts:
    """Reference and current counts aligned over the same categories.

    ``keys[i]`` names the category counted in ``reference[i]`` and ``current[i]``; the key
    ``None`` stands for every category outside a profile's top list (its ``other``).
    """

    keys: tuple[str | None, ...]
    reference: IntArray
    current: IntArray


def category_counts(
    reference: Mapping[str, int],
    current: npt.ArrayLike,
    *,
    reference_other: int = 0,
    kind: str = "categorical",
) -> CategoryCounts:
    """Counts of ``current`` values aligned with stored reference category counts.

    The reference categories come first, in their order. Current categories the reference
    never saw follow, sorted, each with a reference count of 0, which is what makes
    :func:`chi_square` flag them, as Evidently does. When the reference lumped its rare
    categories into ``reference_other`` (> 0), every unnamed current category is counted in
    one last bucket, key ``None``, against that count instead: the reference cannot tell a
    rare known category from a new one.

    >>> c = category_counts({"sun": 3, "rain": 1}, ["rain", "snow", None])
    >>> c.keys, c.reference.tolist(), c.current.tolist()
    (('sun', 'rain', 'snow'), [3, 1, 0], [0, 1, 1])
    """
    if reference_other < 0:
        raise DataError(f"reference_other must be >= 0; got {reference_other!r}.")
    counts = _counts_of("current", current, kind)
    keys: list[str | None] = list(reference)
    ref = [int(reference[key]) for key in reference]
    cur = [counts.pop(key, 0) for key in reference]
    if reference_other > 0:
        keys.append(None)
        ref.append(int(reference_other))
        cur.append(sum(counts.values()))
    else:
        unseen = sorted(counts)
        keys.extend(unseen)
        ref.extend([0] * len(unseen))
        cur.extend(counts[key] for key in unseen)
    if any(count < 0 for count in ref):
        raise DataError(f"reference counts must be >= 0; got {dict(reference)}.")
    return CategoryCounts(
        tuple(keys), np.asarray(ref, dtype=np.int64), np.asarray(cur, dtype=np.int64)
    )


def category_counts_against_profile(
    column: ColumnProfile, current: npt.ArrayLike
) -> CategoryCounts:
    """:func:`category_counts` of ``current`` against a stored categorical or boolean profile."""
    if column.categories is None or column.other is None:
        raise DataError(
            f"column {column.name!r} ({column.kind}) has no categories; use the numeric "
            "statistics (psi_against_profile) for numbers."
        )
    return category_counts(
        dict(column.categories), current, reference_other=column.other, kind=column.kind
    )


def aligned_counts(
    reference: npt.ArrayLike, current: npt.ArrayLike, *, kind: str = "categorical"
) -> CategoryCounts:
    """Counts of two samples of labels over the union of their categories, sorted by key.

    >>> c = aligned_counts(["a", "b", "b"], ["b", "c"])
    >>> c.keys, c.reference.tolist(), c.current.tolist()
    (('a', 'b', 'c'), [1, 2, 0], [0, 1, 1])
    """
    ref = _counts_of("reference", reference, kind)
    cur = _counts_of("current", current, kind)
    keys = sorted(ref.keys() | cur.keys())
    return CategoryCounts(
        tuple(keys),
        np.asarray([ref.get(key, 0) for key in keys], dtype=np.int64),
        np.asarray([cur.get(key, 0) for key in keys], dtype=np.int64),
    )


def chi_square(reference_counts: npt.ArrayLike, current_counts: npt.ArrayLike) -> TestResult:
    """Chi-square goodness of fit of the current counts to the reference proportions.

    Evidently's ``chisquare`` stattest: ``scipy.stats.chisquare(current, expected)`` with
    ``expected = reference * (current total / reference total)`` over the categories seen on
    either side, with ``k - 1`` degrees of freedom. Defined where SciPy is not:

    - categories with no count on either side are left out (they carry no evidence);
    - a category present now but absent from the reference (expected count 0) makes the
      statistic infinite and the p-value 0, as Evidently's call gives: the distribution
      cannot have stayed the same;
    - a single category on both sides is no drift: statistic 0, p-value 1.

    >>> chi_square([10, 10], [10, 10])
    TestResult(statistic=0.0, p_value=1.0)
    """
    ref, cur = _count_pair(reference_counts, current_counts)
    seen = (ref > 0) | (cur > 0)
    ref, cur = ref[seen], cur[seen]
    if len(ref) < 2:
        return TestResult(0.0, 1.0)
    if np.any(ref == 0):
        return TestResult(math.inf, 0.0)
    expected = ref * (cur.sum() / ref.sum())
    statistic = float(np.sum((cur - expected) ** 2 / expected))
    import scipy.stats

    return TestResult(statistic, float(scipy.stats.chi2.sf(statistic, len(ref) - 1)))


def z_test_counts(reference_counts: npt.ArrayLike, current_counts: npt.ArrayLike) -> TestResult:
    """Two-proportion z-test on counts of a binary column's two values, aligned.

    With ``p1``, ``p2`` the shares of the second value in reference and current, and ``p``
    the pooled share: ``z = (p1 - p2) / sqrt(p (1 - p) (1/n1 + 1/n2))`` and the two-sided
    p-value ``2 * (1 - Phi(|z|))``, as Evidently's ``z`` stattest (computed as
    ``2 * norm.sf(|z|)``, which keeps its precision for tiny p-values). When both samples
    hold one and the same value the pooled share is 0 or 1 and there is nothing to test:
    statistic 0, p-value 1 (Evidently's special case).

    >>> z_test_counts([50, 50], [50, 50])
    TestResult(statistic=0.0, p_value=1.0)
    """
    ref, cur = _count_pair(reference_counts, current_counts)
    if len(ref) > 2:
        raise DataError(
            f"the z-test compares two proportions; got counts over {len(ref)} categories. "
            "Use chi_square() for columns with more than two values."
        )
    if len(ref) < 2:
        return TestResult(0.0, 1.0)
    n1, n2 = float(ref.sum()), float(cur.sum())
    p1, p2 = ref[1] / n1, cur[1] / n2
    pooled = (ref[1] + cur[1]) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if not variance > 0:
        return TestResult(0.0, 1.0)
    z = float((p1 - p2) / math.sqrt(variance))
    import scipy.stats

    return TestResult(z, float(min(2 * scipy.stats.norm.sf(abs(z)), 1.0)))


def z_test_proportions(
    reference: npt.ArrayLike, current: npt.ArrayLike, *, kind: str = "categorical"
) -> TestResult:
    """:func:`z_test_counts` of two samples of a binary column (booleans, 0/1 or two labels).

    Values are keyed as the profile keys them, so ``1`` and ``1.0`` are different labels
    unless ``kind="boolean"``, which reads ``True``/``1``/``1.0`` alike. The statistic's sign
    follows the sorted keys: positive when the reference holds more of the second one
    (``"True"``, ``"yes"``) than the current data. Missing values are left out.
    """
    counts = aligned_counts(reference, current, kind=kind)
    if len(counts.keys) > 2:
        raise DataError(
            f"the z-test needs a binary column; got {len(counts.keys)} distinct values "
            f"{list(counts.keys)[:5]}. Use chi_square() for more than two values."
        )
    return z_test_counts(counts.reference, counts.current)


def _counts_of(what: str, values: npt.ArrayLike, kind: str) -> dict[str, int]:
    if kind not in ("categorical", "boolean"):
        raise ValueError(f"kind must be 'categorical' or 'boolean'; got {kind!r}.")
    array = np.asarray(values)
    if array.ndim != 1:
        raise DataError(f"the {what} sample must be a 1-D array; got shape {array.shape}.")
    counts, _ = _profile_category_counts(what, array, kind)
    return counts
