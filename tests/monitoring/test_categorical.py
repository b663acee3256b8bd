"""Drift statistics over categories, checked against SciPy and hand-computed or published
values."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
import scipy.stats
from hypothesis import given
from hypothesis import strategies as st

from paraguas.errors import DataError
from paraguas.monitoring import (
    TestResult,
    aligned_counts,
    category_counts,
    category_counts_against_profile,
    chi_square,
    jensen_shannon,
    profile_values,
    psi,
    z_test_counts,
    z_test_proportions,
)
from paraguas.monitoring import categorical as categorical_module


def test_docstring_examples_hold() -> None:
    assert doctest.testmod(categorical_module).failed == 0


# -- aligned counts -------------------------------------------------------------------------


def test_category_counts_follow_the_reference_then_unseen_categories() -> None:
    current = np.array(["rain", "snow", None, "sun", "hail", float("nan"), "snow"], dtype=object)
    counts = category_counts({"sun": 30, "rain": 10}, current)
    assert counts.keys == ("sun", "rain", "hail", "snow")
    assert counts.reference.tolist() == [30, 10, 0, 0]
    assert counts.current.tolist() == [1, 1, 1, 2]


def test_category_counts_lump_unnamed_categories_into_the_reference_other() -> None:
    counts = category_counts({"sun": 30, "rain": 10}, ["rain", "snow", "fog"], reference_other=5)
    assert counts.keys == ("sun", "rain", None)
    assert counts.reference.tolist() == [30, 10, 5]
    assert counts.current.tolist() == [0, 1, 2]


def test_category_counts_against_a_profile_key_values_like_the_profile() -> None:
    reference = np.array([True, False, True, True, None], dtype=object)
    column = profile_values("flag", reference, "boolean")
    counts = category_counts_against_profile(column, np.array([1, 0, 0]))
    assert counts.keys == ("True", "False")
    assert counts.reference.tolist() == [3, 1]
    assert counts.current.tolist() == [1, 2]
    numbers = profile_values("x", np.arange(5.0), "numeric")
    with pytest.raises(DataError, match="no categories"):
        category_counts_against_profile(numbers, [1.0])


def test_category_counts_against_a_profile_with_many_categories() -> None:
    reference = np.array([f"c{i:03d}" for i in range(150) for _ in range(i % 3 + 1)], dtype=object)
    column = profile_values("city", reference, "categorical")
    assert column.other is not None and column.other > 0
    counts = category_counts_against_profile(column, np.array(["c001", "new", "c149"]))
    assert counts.keys[-1] is None
    assert counts.reference.sum() == len(reference)
    assert counts.current.sum() == 3


def test_aligned_counts_of_numbers_drop_nan() -> None:
    counts = aligned_counts(np.array([1.0, 2.0, np.nan]), np.array([2.0, 3.0]))
    assert counts.keys == ("1.0", "2.0", "3.0")
    assert counts.reference.tolist() == [1, 1, 0]
    assert counts.current.tolist() == [0, 1, 1]


# -- chi-square -----------------------------------------------------------------------------


def test_chi_square_by_hand_on_three_categories() -> None:
    # reference shares 0.5 / 0.3 / 0.2; 100 current rows: expected 50, 30, 20; observed 40, 35, 25
    # statistic = 100/50 + 25/30 + 25/20 = 4.083333...; 2 degrees of freedom: p = exp(-x/2)
    result = chi_square([500, 300, 200], [40, 35, 25])
    assert result.statistic == pytest.approx(2 + 25 / 30 + 25 / 20, rel=1e-12)
    assert result.p_value == pytest.approx(math.exp(-result.statistic / 2), rel=1e-12)


def test_chi_square_matches_evidently_call_to_scipy() -> None:
    rng = np.random.default_rng(31)
    for k in (2, 5, 12):
        reference, current = rng.integers(1, 500, size=k), rng.integers(0, 300, size=k)
        expected = reference * (current.sum() / reference.sum())
        scipy_result = scipy.stats.chisquare(current, expected)
        result = chi_square(reference, current)
        assert result.statistic == pytest.approx(float(scipy_result.statistic), rel=1e-12)
        assert result.p_value == pytest.approx(float(scipy_result.pvalue), rel=1e-9, abs=1e-300)


def test_chi_square_edge_cases() -> None:
    # a category the reference never saw: Evidently's call gives an infinite statistic, p 0
    assert chi_square([10, 10, 0], [5, 5, 1]) == TestResult(math.inf, 0.0)
    # categories empty on both sides carry no evidence and no degree of freedom
    with_empty = chi_square([500, 0, 300, 200], [40, 0, 35, 25])
    assert with_empty == chi_square([500, 300, 200], [40, 35, 25])
    # one category on both sides: nothing can have changed
    assert chi_square([7, 0], [3, 0]) == TestResult(0.0, 1.0)
    assert chi_square([10, 20], [10, 20]) == TestResult(0.0, 1.0)
    with pytest.raises(DataError, match="current counts are empty or all zero"):
        chi_square([1, 2], [0, 0])


@given(st.lists(st.tuples(st.integers(1, 1000), st.integers(0, 1000)), min_size=2, max_size=10))
def test_chi_square_agrees_with_scipy_on_any_table(pairs: list[tuple[int, int]]) -> None:
    reference = np.array([r for r, _ in pairs])
    current = np.array([c for _, c in pairs])
    if current.sum() == 0:
        return
    expected = reference * (current.sum() / reference.sum())
    scipy_result = scipy.stats.chisquare(current, expected)
    result = chi_square(reference, current)
    assert result.statistic == pytest.approx(float(scipy_result.statistic), rel=1e-9, abs=1e-12)
    assert result.p_value == pytest.approx(float(scipy_result.pvalue), rel=1e-6, abs=1e-12)
    assert 0.0 <= result.p_value <= 1.0


# -- two-proportion z-test ------------------------------------------------------------------


def test_z_test_statsmodels_reference_values() -> None:
    # statsmodels proportions_ztest(count=[5, 12], nobs=[83, 99]) (its docstring and its
    # test_default_values): z = -1.4078304151258787, p = 0.15918129181156992
    result = z_test_counts([83 - 5, 5], [99 - 12, 12])
    assert result.statistic == pytest.approx(-1.4078304151258787, rel=1e-12)
    assert result.p_value == pytest.approx(0.15918129181156992, rel=1e-12)


def test_z_test_by_hand() -> None:
    # p1 = 2/3, p2 = 1/3, pooled 1/2: z = (1/3) / sqrt(1/4 * 2/3) = sqrt(2/3)
    result = z_test_proportions([True, False, True], [False, False, True])
    assert result.statistic == pytest.approx(math.sqrt(2 / 3), rel=1e-12)
    assert result.p_value == pytest.approx(math.erfc(math.sqrt(2 / 3) / math.sqrt(2)), rel=1e-12)
    # the same test on two labels and on 0/1
    assert z_test_proportions(["no", "yes", "yes"], ["no", "no", "yes"]) == result
    mixed = z_test_proportions([1, 0, 1, None], np.array([0.0, 0.0, 1.0, np.nan]), kind="boolean")
    assert mixed == result


def test_z_test_edge_cases() -> None:
    # Evidently: both samples hold one and the same value -> p-value 1
    assert z_test_proportions(["a", "a"], ["a"]) == TestResult(0.0, 1.0)
    assert z_test_counts([0, 10], [0, 4]) == TestResult(0.0, 1.0)
    # two different single values: a real, large difference
    assert z_test_proportions(["a"] * 50, ["b"] * 50).p_value < 1e-20
    with pytest.raises(DataError, match="binary column"):
        z_test_proportions(["a", "b"], ["c"])
    with pytest.raises(DataError, match="chi_square"):
        z_test_counts([1, 2, 3], [1, 2, 3])
    with pytest.raises(DataError, match="reference counts are empty"):
        z_test_proportions([None], [True])


# -- identical samples show no drift, and the measures see a change ----------------------------


def test_identical_categories_show_no_drift_and_a_change_shows() -> None:
    rng = np.random.default_rng(37)
    labels = np.array(["a", "b", "c", "d"], dtype=object)
    reference = rng.choice(labels, size=5_000, p=[0.4, 0.3, 0.2, 0.1])
    same = aligned_counts(reference, reference)
    assert chi_square(same.reference, same.current) == TestResult(0.0, 1.0)
    assert psi(same.reference, same.current) == 0.0
    assert jensen_shannon(same.reference, same.current) == 0.0
    moved = aligned_counts(reference, rng.choice(labels, size=5_000, p=[0.1, 0.2, 0.3, 0.4]))
    assert chi_square(moved.reference, moved.current).p_value < 1e-50
    assert psi(moved.reference, moved.current) > 0.25
    assert jensen_shannon(moved.reference, moved.current) > 0.1
