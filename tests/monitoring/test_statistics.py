"""Drift statistics over numbers and bins, checked against SciPy, NumPy and hand-computed or
published values."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.spatial.distance import jensenshannon

from paraguas.errors import DataError
from paraguas.monitoring import (
    PSI_EPSILON,
    ColumnProfile,
    TestResult,
    benjamini_hochberg,
    bh_adjusted_p_values,
    jensen_shannon,
    jensen_shannon_from_values,
    ks_2samp,
    profile_values,
    psi,
    psi_against_profile,
    psi_from_values,
    quantile_bin_edges,
    wasserstein_normed,
)
from paraguas.monitoring import statistics as statistics_module

finite = st.floats(-1e6, 1e6, allow_nan=False)
samples = hnp.arrays(np.float64, st.integers(1, 40), elements=finite)
counts = st.lists(st.integers(0, 1000), min_size=1, max_size=12).filter(lambda c: sum(c) > 0)
SQRT_LN2 = math.sqrt(math.log(2))


def test_docstring_examples_hold() -> None:
    assert doctest.testmod(statistics_module).failed == 0


# -- Kolmogorov-Smirnov ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n1", "n2", "shift", "decimals"),
    [
        (40, 60, 0.0, None),  # exact p-value, unequal sizes
        (500, 500, 0.2, None),  # exact, equal sizes
        (300, 800, 0.0, 1),  # heavy ties
        (1_000, 12_000, 0.05, None),  # asymptotic: one side above 10,000
        (20_000, 15_000, 0.0, 2),  # asymptotic with ties
    ],
)
def test_ks_matches_scipy_auto(n1: int, n2: int, shift: float, decimals: int | None) -> None:
    rng = np.random.default_rng(n1 + n2)
    reference, current = rng.normal(size=n1), rng.normal(shift, size=n2)
    if decimals is not None:
        reference, current = np.round(reference, decimals), np.round(current, decimals)
    expected = scipy.stats.ks_2samp(reference, current, method="auto")
    result = ks_2samp(reference, current)
    assert result.statistic == pytest.approx(float(expected.statistic), rel=1e-12, abs=1e-15)
    assert result.p_value == pytest.approx(float(expected.pvalue), rel=1e-9, abs=1e-300)
    assert type(result.statistic) is float and type(result.p_value) is float


def test_ks_sees_a_shift_and_not_its_absence() -> None:
    rng = np.random.default_rng(7)
    reference = rng.normal(size=2_000)
    assert ks_2samp(reference, rng.normal(0.5, size=2_000)).p_value < 1e-20
    # under no drift the p-value is uniform: one seeded draw only has to avoid the far tail
    assert ks_2samp(reference, rng.normal(size=2_000)).p_value > 0.001
    assert ks_2samp(reference, reference) == TestResult(0.0, 1.0)


def test_ks_drops_missing_values() -> None:
    rng = np.random.default_rng(3)
    reference, current = rng.normal(size=50), rng.normal(size=30)
    dirty = np.concatenate([reference, [np.nan, np.inf, -np.inf]])
    assert ks_2samp(dirty, current) == ks_2samp(reference, current)
    as_objects = np.array([*current.tolist(), None], dtype=object)
    assert ks_2samp(reference, as_objects) == ks_2samp(reference, current)


@settings(max_examples=60, deadline=None)
@given(samples, samples)
def test_ks_statistic_is_in_unit_interval_and_ignores_order(
    reference: np.ndarray, current: np.ndarray
) -> None:
    result = ks_2samp(reference, current)
    assert 0.0 <= result.statistic <= 1.0
    assert 0.0 <= result.p_value <= 1.0
    shuffled = np.random.default_rng(len(reference)).permutation(reference)
    assert ks_2samp(shuffled, current[::-1]) == result


# -- Wasserstein ----------------------------------------------------------------------------


def test_wasserstein_normed_matches_scipy_divided_by_reference_std() -> None:
    rng = np.random.default_rng(11)
    reference, current = rng.normal(3, 2, size=700), rng.gamma(2.0, 2.0, size=1_100)
    expected = scipy.stats.wasserstein_distance(reference, current) / np.std(reference)
    assert wasserstein_normed(reference, current) == pytest.approx(expected, rel=1e-12)


def test_wasserstein_normed_of_a_shift_is_the_shift_in_stds() -> None:
    rng = np.random.default_rng(5)
    reference = rng.normal(0, 2, size=5_000)
    # a pure shift moves every quantile by the shift: W1 = 1.0, std about 2
    assert wasserstein_normed(reference, reference + 1.0) == pytest.approx(
        1.0 / np.std(reference), rel=1e-9
    )
    assert wasserstein_normed(reference, reference) == 0.0


def test_wasserstein_normed_constant_reference_uses_evidently_floor() -> None:
    # Evidently: max(np.std(reference), 0.001); W1 between 5 and 5.01 is 0.01
    assert wasserstein_normed([5.0] * 10, [5.01] * 4) == pytest.approx(0.01 / 0.001)
    assert wasserstein_normed([5.0] * 10, [5.0] * 4) == 0.0
    assert wasserstein_normed([5.0, 5.0], [6.0], std_floor=0.5) == pytest.approx(2.0)


# -- PSI ------------------------------------------------------------------------------------


def test_psi_by_hand() -> None:
    # r = (0.5, 0.5), c = (0.25, 0.75): -0.25 ln 0.5 + 0.25 ln 1.5 = 0.25 ln 3
    assert psi([50, 50], [25, 75]) == pytest.approx(0.25 * math.log(3), rel=1e-12)
    assert psi([25, 75], [50, 50]) == pytest.approx(0.25 * math.log(3), rel=1e-12)


def test_psi_fills_empty_bins_as_evidently() -> None:
    # reference share 0 becomes 0.0001 (its smallest share, 1.0, is above 0.0001)
    expected = (0.5 - 1.0) * math.log(0.5 / 1.0) + (0.5 - 1e-4) * math.log(0.5 / 1e-4)
    assert psi([10, 0], [5, 5]) == pytest.approx(expected, rel=1e-12)
    # when the smallest share is not above 0.0001 the filler is that share / 1e6
    ref, cur = np.array([1e-6, 1 - 1e-6, 0.0]), np.array([0.2, 0.5, 0.3])
    filled = np.array([1e-6, 1 - 1e-6, 1e-12])
    expected = float(np.sum((cur - filled) * np.log(cur / filled)))
    assert psi(ref * 1e6, cur * 10) == pytest.approx(expected, rel=1e-9)
    # a custom epsilon
    custom = (0.5 - 1.0) * math.log(0.5) + (0.5 - 0.01) * math.log(0.5 / 0.01)
    assert psi([10, 0], [5, 5], epsilon=0.01) == pytest.approx(custom, rel=1e-12)
    assert PSI_EPSILON == 1e-4


@given(counts, st.data())
def test_psi_is_non_negative_and_zero_for_identical_counts(
    reference: list[int], data: st.DataObject
) -> None:
    current = data.draw(
        st.lists(st.integers(0, 1000), min_size=len(reference), max_size=len(reference)).filter(
            lambda c: sum(c) > 0
        )
    )
    assert psi(reference, current) >= 0.0
    assert psi(reference, reference) == 0.0


def test_quantile_bin_edges_are_numpy_inverted_cdf_quantiles() -> None:
    rng = np.random.default_rng(2)
    for n in (1, 7, 10, 99, 1_000, 1_001):
        values = rng.normal(size=n)
        for bins in (2, 4, 10, 30):
            levels = np.arange(1, bins) / bins
            expected = np.unique(np.quantile(values, levels, method="inverted_cdf"))
            np.testing.assert_array_equal(quantile_bin_edges(values, bins), expected)


def test_psi_from_values_equals_psi_against_the_profile() -> None:
    rng = np.random.default_rng(13)
    reference = np.round(rng.normal(size=1_003), 1)
    current = np.round(rng.normal(0.3, 1.2, size=517), 1)
    column = profile_values("x", reference, "numeric")
    assert column.bin_edges == tuple(quantile_bin_edges(reference).tolist())
    by_hand = psi(np.asarray(column.bin_counts), np.histogram(current, _closed_right(column))[0])
    assert psi_from_values(reference, current) == pytest.approx(by_hand, rel=1e-12)
    assert psi_against_profile(column, current) == pytest.approx(by_hand, rel=1e-12)


def _closed_right(column: ColumnProfile) -> np.ndarray:
    """Edges for np.histogram equivalent to the profile's (e_i-1, e_i] bins."""
    edges = np.asarray(column.bin_edges)
    # np.histogram bins are [a, b); shifting each inner edge up one ulp makes them (a, b]
    return np.concatenate([[-np.inf], np.nextafter(edges, np.inf), [np.inf]])


def test_psi_no_drift_and_drift() -> None:
    rng = np.random.default_rng(17)
    reference = rng.normal(size=20_000)
    assert psi_from_values(reference, rng.normal(size=20_000)) < 0.01
    assert psi_from_values(reference, reference) == 0.0
    assert psi_from_values(reference, rng.normal(1.0, size=20_000)) > 0.25


def test_psi_against_profile_refuses_what_it_cannot_compare() -> None:
    numeric = profile_values("x", np.arange(100.0), "numeric")
    with pytest.raises(DataError, match="'x' has no present value in the current"):
        psi_against_profile(numeric, [np.nan, np.inf])
    empty = profile_values("x", np.array([np.nan, np.nan]), "numeric")
    with pytest.raises(DataError, match="no present value in the reference"):
        psi_against_profile(empty, [1.0])
    labels = profile_values("city", np.array(["a", "b"], dtype=object), "categorical")
    with pytest.raises(DataError, match="category_counts"):
        psi_against_profile(labels, ["a"])


# -- Jensen-Shannon -------------------------------------------------------------------------


def test_jensen_shannon_matches_scipy_and_its_published_values() -> None:
    # scipy.spatial.distance.jensenshannon docstring examples
    assert jensen_shannon([1.0, 0.0, 0.0], [0.0, 1.0, 0.0], base=2) == pytest.approx(1.0)
    assert jensen_shannon([1.0, 0.0], [0.5, 0.5]) == pytest.approx(0.46450140402245893)
    assert jensen_shannon([1, 2, 3, 4], [13, 14, 15, 16]) == pytest.approx(0.1402339, abs=1e-7)
    rng = np.random.default_rng(19)
    for base in (None, 2.0, 10.0):
        a, b = rng.integers(0, 50, size=8), rng.integers(0, 50, size=8)
        assert jensen_shannon(a, b, base=base) == pytest.approx(
            float(jensenshannon(a, b, base=base)), rel=1e-12
        )


def test_jensen_shannon_disjoint_supports_reach_the_maximum() -> None:
    assert jensen_shannon([3, 0], [0, 7]) == pytest.approx(SQRT_LN2, rel=1e-12)
    assert jensen_shannon([3, 0], [0, 7], base=2) == pytest.approx(1.0, rel=1e-12)


@given(counts, st.data())
def test_jensen_shannon_is_a_symmetric_bounded_distance(
    reference: list[int], data: st.DataObject
) -> None:
    current = data.draw(
        st.lists(st.integers(0, 1000), min_size=len(reference), max_size=len(reference)).filter(
            lambda c: sum(c) > 0
        )
    )
    distance = jensen_shannon(reference, current)
    assert distance == jensen_shannon(current, reference)
    assert 0.0 <= distance <= SQRT_LN2 + 1e-12
    assert 0.0 <= jensen_shannon(reference, current, base=2) <= 1.0 + 1e-12
    assert jensen_shannon(reference, reference) == 0.0


def test_jensen_shannon_from_values_over_reference_quantile_bins() -> None:
    rng = np.random.default_rng(23)
    reference, current = rng.normal(size=999), rng.normal(0.4, size=1_500)
    edges = quantile_bin_edges(reference, 10)
    bounds = np.concatenate([[-np.inf], np.nextafter(edges, np.inf), [np.inf]])
    expected = jensenshannon(np.histogram(reference, bounds)[0], np.histogram(current, bounds)[0])
    assert jensen_shannon_from_values(reference, current) == pytest.approx(float(expected))


# -- Benjamini-Hochberg ---------------------------------------------------------------------

# Benjamini & Hochberg (1995), section 4: 15 p-values; at q = 0.05 the first 4 are rejected.
BH_1995 = [
    0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344,
    0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.0000,
]  # fmt: skip


def test_benjamini_hochberg_published_example() -> None:
    assert benjamini_hochberg(BH_1995, alpha=0.05).tolist() == [True] * 4 + [False] * 11


def test_bh_adjusted_p_values_match_scipy() -> None:
    rng = np.random.default_rng(29)
    for p in (np.asarray(BH_1995), rng.random(50) ** 4, np.array([0.5]), np.array([0.2, 0.2])):
        expected = scipy.stats.false_discovery_control(p, method="bh")
        np.testing.assert_allclose(bh_adjusted_p_values(p), expected, rtol=1e-12)
    assert bh_adjusted_p_values([]).tolist() == []
    assert benjamini_hochberg([]).tolist() == []


@given(st.lists(st.floats(0, 1), min_size=1, max_size=30), st.floats(0.001, 0.5))
def test_bh_rejects_no_more_than_unadjusted_tests(p_values: list[float], alpha: float) -> None:
    rejected = benjamini_hochberg(p_values, alpha)
    unadjusted = np.asarray(p_values) <= alpha
    assert not np.any(rejected & ~unadjusted)
    expected = scipy.stats.false_discovery_control(p_values, method="bh") <= alpha
    adjusted = bh_adjusted_p_values(p_values)
    # same decisions as SciPy, except where rounding puts a value exactly on alpha
    on_edge = np.isclose(adjusted, alpha, rtol=1e-12, atol=0)
    assert np.array_equal(rejected[~on_edge], expected[~on_edge])


def test_bh_refuses_invalid_input() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        bh_adjusted_p_values([0.1, float("nan")])
    with pytest.raises(ValueError, match="alpha"):
        benjamini_hochberg([0.1], alpha=0)


# -- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda e: ks_2samp(e, [1.0]),
        lambda e: ks_2samp([1.0], e),
        lambda e: wasserstein_normed(e, [1.0]),
        lambda e: wasserstein_normed([1.0], e),
        lambda e: psi_from_values(e, [1.0]),
        lambda e: psi_from_values([1.0], e),
        lambda e: jensen_shannon_from_values([1.0], e),
        lambda e: quantile_bin_edges(e),
    ],
)
@pytest.mark.parametrize("empty", [[], [np.nan, np.inf, -np.inf], np.array([None], dtype=object)])
def test_samples_without_values_raise_data_error(call: object, empty: object) -> None:
    with pytest.raises(DataError, match="no value to compare"):
        call(empty)  # type: ignore[operator]


@pytest.mark.parametrize("function", [psi, jensen_shannon])
def test_counts_must_be_aligned_and_non_empty(function: object) -> None:
    with pytest.raises(DataError, match="all zero"):
        function([0, 0], [1, 2])  # type: ignore[operator]
    with pytest.raises(DataError, match="empty or all zero"):
        function([1], [])  # type: ignore[operator]
    with pytest.raises(DataError, match="aligned"):
        function([1, 2], [1, 2, 3])  # type: ignore[operator]
    with pytest.raises(DataError, match=">= 0"):
        function([1, -2], [1, 2])  # type: ignore[operator]


def test_non_numbers_and_bad_parameters_are_refused() -> None:
    with pytest.raises(DataError, match="not numbers"):
        ks_2samp(np.array(["a", "b"]), [1.0])
    with pytest.raises(DataError, match="1-D"):
        wasserstein_normed(np.ones((2, 2)), [1.0])
    with pytest.raises(ValueError, match="bins"):
        psi_from_values([1.0, 2.0], [1.0], bins=0)
    with pytest.raises(ValueError, match="epsilon"):
        psi([1, 1], [1, 1], epsilon=0)
