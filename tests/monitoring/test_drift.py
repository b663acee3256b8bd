"""Column and dataset drift: statistics checked against SciPy, the choice of test against
Evidently 0.7's rules (hand-coded from its source), and every kind of bad input."""

from __future__ import annotations

import doctest
import math

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import jensenshannon

from paraguas.monitoring import drift as drift_module
from paraguas.monitoring.drift import ColumnDrift, DatasetDrift, column_drift, dataset_drift

STATUSES = {"ok", "warn", "alert", "error"}


def test_docstring_examples_hold() -> None:
    assert doctest.testmod(drift_module).failed == 0


def values_with(distinct: int, rows: int, seed: int) -> npt.NDArray[np.float64]:
    """``rows`` numbers taking exactly ``distinct`` values (each at least once)."""
    rng = np.random.default_rng(seed)
    values = np.arange(distinct, dtype=np.float64) * 2.5
    drawn = rng.choice(values, rows)
    drawn[:distinct] = values
    return drawn


def evidently_reference_js(reference: list[object], current: list[object]) -> float:
    """Evidently's Jensen-Shannon: shares over the categories of both sides, SciPy's distance."""
    keys = sorted(set(reference) | set(current), key=str)
    p = [reference.count(k) / len(reference) for k in keys]
    q = [current.count(k) / len(current) for k in keys]
    return float(jensenshannon(p, q))


# -- statistics against SciPy ---------------------------------------------------------------


def test_evidently_mode_small_numeric_reference_is_scipy_ks() -> None:
    rng = np.random.default_rng(1)
    reference, current = rng.normal(size=800), rng.normal(0.2, size=3_000)
    found = column_drift("x", reference, current, "numeric", mode="evidently")
    expected = scipy.stats.ks_2samp(reference, current)
    assert (found.method, found.test) == ("ks", "ks")
    assert found.statistic == pytest.approx(float(expected.statistic), abs=1e-15)
    assert found.p_value == pytest.approx(float(expected.pvalue), rel=1e-12)
    assert found.threshold == 0.05
    assert found.drifted is (float(expected.pvalue) <= 0.05)


@pytest.mark.parametrize(("n1", "n2"), [(5_000, 5_000), (2_000, 30_000), (40_000, 3_000)])
def test_wasserstein_normed_is_scipys_over_the_reference_std(n1: int, n2: int) -> None:
    rng = np.random.default_rng(n1 + n2)
    reference, current = rng.lognormal(size=n1), rng.lognormal(0.1, size=n2)
    expected = scipy.stats.wasserstein_distance(reference, current) / np.std(reference)
    for mode in ("evidently", "paraguas"):
        found = column_drift("x", reference, current, "numeric", mode=mode)  # type: ignore[arg-type]
        assert found.method == "wasserstein_normed"
        assert found.statistic == pytest.approx(expected, rel=1e-12)


def test_paraguas_mode_p_value_of_one_column_is_the_ks_p_value() -> None:
    rng = np.random.default_rng(2)
    reference, current = rng.normal(size=4_000), rng.normal(0.05, size=6_000)
    found = column_drift("x", reference, current, "numeric")
    assert found.test == "ks"
    # at most 10,000 values a side: SciPy's own p-value, and one column needs no adjustment
    assert found.p_value == pytest.approx(float(scipy.stats.ks_2samp(reference, current).pvalue))


def test_paraguas_mode_large_samples_use_an_asymptotic_ks_p_value_close_to_scipys() -> None:
    rng = np.random.default_rng(3)
    reference, current = rng.normal(size=20_000), rng.normal(0.02, size=60_000)
    found = column_drift("x", reference, current, "numeric")
    expected = scipy.stats.ks_2samp(reference, current)
    assert found.p_value == pytest.approx(float(expected.pvalue), rel=0.02)


def test_categorical_statistics_match_scipy() -> None:
    rng = np.random.default_rng(4)
    labels = np.array(["a", "b", "c", "d"], dtype=object)
    reference = labels[rng.choice(4, 900, p=[0.4, 0.3, 0.2, 0.1])]
    current = labels[rng.choice(4, 700, p=[0.3, 0.3, 0.2, 0.2])]
    ref_counts = np.array([(reference == k).sum() for k in labels])
    cur_counts = np.array([(current == k).sum() for k in labels])

    tested = column_drift("c", reference, current, "categorical", mode="evidently")
    chi = scipy.stats.chisquare(cur_counts, ref_counts * (700 / 900))
    assert tested.method == "chi_square"
    assert tested.statistic == pytest.approx(float(chi.statistic), rel=1e-12)
    assert tested.p_value == pytest.approx(float(chi.pvalue), rel=1e-9)

    measured = column_drift("c", reference, current, "categorical")
    assert measured.method == "jensen_shannon" and measured.test == "chi_square"
    assert measured.statistic == pytest.approx(float(jensenshannon(ref_counts, cur_counts)))
    assert measured.p_value == pytest.approx(float(chi.pvalue), rel=1e-9)


def test_z_test_matches_the_two_proportion_formula() -> None:
    reference = np.array([True] * 300 + [False] * 700)
    current = np.array([True] * 380 + [False] * 620)
    found = column_drift("b", reference, current, "boolean", mode="evidently")
    p1, p2, pooled = 0.3, 0.38, 680 / 2000
    z = (p1 - p2) / math.sqrt(pooled * (1 - pooled) * (2 / 1000))
    assert found.method == "z_test"
    assert abs(found.statistic or 0) == pytest.approx(abs(z), rel=1e-12)
    assert found.p_value == pytest.approx(2 * (1 - scipy.stats.norm.cdf(abs(z))), rel=1e-9)
    assert found.drifted and found.status == "alert"


def test_jensen_shannon_counts_the_categories_of_both_sides() -> None:
    reference = ["a"] * 700 + ["b"] * 400
    current = ["a"] * 500 + ["b"] * 400 + ["new"] * 100
    found = column_drift("c", reference, current, "categorical", mode="evidently")
    assert found.method == "jensen_shannon"
    assert found.statistic == pytest.approx(evidently_reference_js(reference, current))
    assert "1 never seen in the reference" in found.detail


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    rows=st.integers(1, 3_000),
    kind=st.sampled_from(["numeric", "categorical"]),
)
def test_a_sample_compared_with_itself_never_drifts(seed: int, rows: int, kind: str) -> None:
    rng = np.random.default_rng(seed)
    values: npt.NDArray[np.generic] = np.round(rng.normal(size=rows), int(rng.integers(0, 3)))
    if kind == "categorical":
        values = values.astype(str).astype(object)
    for mode in ("paraguas", "evidently"):
        found = column_drift("x", values, values.copy(), kind, mode=mode)  # type: ignore[arg-type]
        assert not found.drifted and found.status == "ok", found
        if found.method in ("wasserstein_normed", "jensen_shannon"):
            assert found.statistic == 0.0


# -- Evidently's choice of test ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "distinct", "method"),
    [
        (1000, 6, "ks"),
        (1000, 5, "chi_square"),
        (1000, 3, "chi_square"),
        (1000, 2, "z_test"),
        (1000, 1, "z_test"),
        (1001, 6, "wasserstein_normed"),
        (1001, 5, "jensen_shannon"),
        (1001, 3, "jensen_shannon"),
        (1001, 2, "jensen_shannon"),
        (1001, 1, "jensen_shannon"),
    ],
)
def test_evidently_mode_picks_evidentlys_test_for_numbers(
    rows: int, distinct: int, method: str
) -> None:
    found = column_drift(
        "x",
        values_with(distinct, rows, 1),
        values_with(distinct, 500, 2),
        "numeric",
        mode="evidently",
    )
    assert found.method == method
    assert found.threshold == (0.05 if method in ("ks", "chi_square", "z_test") else 0.1)
    assert (found.p_value is None) is (method in ("wasserstein_normed", "jensen_shannon"))


@pytest.mark.parametrize(
    ("rows", "distinct", "method"),
    [
        (1000, 1, "z_test"),
        (1000, 2, "z_test"),
        (1000, 3, "chi_square"),
        (1000, 12, "chi_square"),
        (1001, 2, "jensen_shannon"),
        (1001, 12, "jensen_shannon"),
    ],
)
def test_evidently_mode_picks_evidentlys_test_for_categories(
    rows: int, distinct: int, method: str
) -> None:
    reference = np.array([f"k{int(v)}" for v in values_with(distinct, rows, 3)], dtype=object)
    current = np.array([f"k{int(v)}" for v in values_with(distinct, 400, 4)], dtype=object)
    assert column_drift("c", reference, current, "categorical", mode="evidently").method == method
    assert column_drift("c", reference, current, "boolean", mode="evidently").method == method


def test_evidently_counts_distinct_values_over_both_sides() -> None:
    # 4 values in the reference, 2 more in the current: 6 in all, so numbers, not categories
    reference, current = values_with(4, 1000, 5), np.append(values_with(4, 300, 6), [50.0, 60.0])
    assert column_drift("x", reference, current, "numeric", mode="evidently").method == "ks"
    assert column_drift("x", reference, current[:-2], "numeric", mode="evidently").method == (
        "chi_square"
    )


def test_evidently_sizes_the_reference_by_its_present_values() -> None:
    rng = np.random.default_rng(7)
    reference = rng.normal(size=1001)
    current = rng.normal(size=300)
    assert column_drift("x", reference, current, "numeric", mode="evidently").method == (
        "wasserstein_normed"
    )
    reference[10] = np.nan  # 1,000 present values
    assert column_drift("x", reference, current, "numeric", mode="evidently").method == "ks"
    # a sample of a larger reference is sized by the reference it was drawn from
    sample = column_drift(
        "x", reference[:500], current, "numeric", mode="evidently", reference_rows=50_000
    )
    assert sample.method == "wasserstein_normed"


@pytest.mark.parametrize(
    ("method", "p_value", "drifted"),
    [
        ("ks", 0.05, True),  # Evidently's KS drifts at p <= threshold
        ("ks", 0.0500001, False),
        ("chi_square", 0.05, False),  # its chi-square and z-test at p < threshold
        ("chi_square", 0.0499999, True),
        ("z_test", 0.05, False),
    ],
)
def test_evidently_p_value_boundaries(method: str, p_value: float, drifted: bool) -> None:
    measured = drift_module._Measured("x", "numeric", method, 1.0, p_value, method, "")
    assert drift_module._evidently_verdict(measured).drifted is drifted


@pytest.mark.parametrize(("distance", "drifted"), [(0.1, True), (0.0999999, False)])
def test_evidently_distance_boundary(distance: float, drifted: bool) -> None:
    measured = drift_module._Measured("x", "numeric", "jensen_shannon", distance, None, None, "")
    assert drift_module._evidently_verdict(measured).drifted is drifted


def test_evidently_dataset_drifts_from_half_the_columns() -> None:
    rng = np.random.default_rng(8)
    reference = {name: rng.normal(size=2_000) for name in "abcd"}
    current = {name: rng.normal(size=2_000) for name in "abcd"}
    kinds = dict.fromkeys("abcd", "numeric")
    current["a"] = current["a"] + 1.0
    one = dataset_drift(reference, current, kinds, mode="evidently", importance={"a": 1.0})
    assert (one.share, one.drifted, one.status) == (0.25, False, "ok")  # no warn, no weights
    assert one.column("a").importance is None
    current["b"] = current["b"] + 1.0
    two = dataset_drift(reference, current, kinds, mode="evidently")
    assert (two.share, two.drifted, two.status) == (0.5, True, "alert")
    assert two.drifted_columns == ("a", "b")


# -- paraguas mode: effect size and significance ---------------------------------------------


def test_pure_noise_in_twenty_columns_raises_no_alert() -> None:
    rng = np.random.default_rng(9)
    names = [f"x{i}" for i in range(20)]
    reference = {name: rng.normal(size=50_000) for name in names}
    current = {name: rng.normal(size=50_000) for name in names}
    found = dataset_drift(reference, current, dict.fromkeys(names, "numeric"))
    assert [c.status for c in found.columns] == ["ok"] * 20
    assert (found.share, found.status) == (0.0, "ok")


def test_p_values_are_adjusted_together_by_benjamini_hochberg() -> None:
    rng = np.random.default_rng(10)
    names = [f"x{i}" for i in range(6)]
    reference = {name: rng.normal(size=2_000) for name in names}
    current = {name: rng.normal(0.03 * i, size=2_000) for i, name in enumerate(names)}
    found = dataset_drift(reference, current, dict.fromkeys(names, "numeric"))
    raw = [scipy.stats.ks_2samp(reference[n], current[n]).pvalue for n in names]
    expected = scipy.stats.false_discovery_control(raw, method="bh")
    assert [c.p_value for c in found.columns] == pytest.approx(expected.tolist(), rel=1e-9)


def test_a_tiny_but_significant_shift_alerts_in_evidently_mode_only() -> None:
    # a reference of 1,000 rows: Evidently tests; a million current rows make any shift significant
    rng = np.random.default_rng(11)
    labels = np.array(["a", "b", "c"], dtype=object)
    reference = labels[np.repeat([0, 1, 2], [333, 333, 334])]
    current = labels[rng.choice(3, 1_000_000, p=[0.32, 0.34, 0.34])]
    evidently = column_drift("c", reference, current, "categorical", mode="evidently")
    assert evidently.method == "chi_square" and evidently.status == "alert"
    ours = column_drift("c", reference, current, "categorical")
    assert ours.p_value is not None and ours.p_value < 1e-6  # significant...
    assert ours.statistic is not None and ours.statistic < 0.05  # ...but far too small
    assert (ours.status, ours.drifted) == ("ok", False)


def test_a_large_but_noisy_distance_on_a_small_sample_alerts_in_evidently_mode_only() -> None:
    rng = np.random.default_rng(12)
    reference, current = rng.normal(size=20_000), rng.normal(size=12)
    evidently = column_drift("x", reference, current, "numeric", mode="evidently")
    ours = column_drift("x", reference, current, "numeric")
    assert evidently.statistic == ours.statistic
    assert ours.statistic is not None and ours.statistic >= 0.1
    assert evidently.status == "alert"
    assert ours.status == "ok" and ours.p_value is not None and ours.p_value >= 0.05


def test_warn_when_significant_and_at_least_half_the_threshold() -> None:
    rng = np.random.default_rng(13)
    reference, current = rng.normal(size=20_000), rng.normal(0.07, size=20_000)
    found = column_drift("x", reference, current, "numeric")
    assert found.statistic is not None and 0.05 <= found.statistic < 0.1
    assert (found.status, found.drifted) == ("warn", False)
    moved = column_drift("x", reference, current + 0.1, "numeric")
    assert (moved.status, moved.drifted) == ("alert", True)


# -- importance -------------------------------------------------------------------------------


def importance_data() -> tuple[
    dict[str, npt.NDArray[np.float64]], dict[str, npt.NDArray[np.float64]]
]:
    rng = np.random.default_rng(14)
    reference = {name: rng.normal(size=5_000) for name in ("top", "mid", "useless")}
    current = {name: rng.normal(size=5_000) for name in reference}
    return reference, current


KINDS = dict.fromkeys(("top", "mid", "useless"), "numeric")


def test_drift_in_a_zero_importance_feature_does_not_make_the_dataset_drift() -> None:
    reference, current = importance_data()
    current["useless"] = current["useless"] + 1.0
    found = dataset_drift(
        reference, current, KINDS, importance={"top": 0.7, "mid": 0.3, "useless": 0.0}
    )
    assert found.column("useless").status == "alert"
    assert found.column("useless").importance == 0.0
    assert (found.share, found.drifted, found.status) == (0.0, False, "ok")


def test_drift_in_the_top_feature_makes_the_dataset_drift() -> None:
    reference, current = importance_data()
    current["top"] = current["top"] + 1.0
    found = dataset_drift(reference, current, KINDS, importance={"top": 7.0, "mid": 3.0})
    assert found.share == pytest.approx(0.7)
    assert (found.drifted, found.status) == (True, "alert")
    assert [c.importance for c in found.columns] == pytest.approx([0.7, 0.3, 0.0])


def test_a_quarter_of_the_importance_warns() -> None:
    reference, current = importance_data()
    current["mid"] = current["mid"] + 1.0
    found = dataset_drift(
        reference, current, KINDS, importance={"top": 0.6, "mid": 0.3, "useless": 0.1}
    )
    assert found.share == pytest.approx(0.3)
    assert (found.drifted, found.status) == (False, "warn")


@pytest.mark.parametrize("importance", [None, {}, {"top": 0.0, "mid": 0.0}, {"top": -0.2}])
def test_without_usable_importance_every_column_weighs_the_same(
    importance: dict[str, float] | None,
) -> None:
    reference, current = importance_data()
    current["useless"] = current["useless"] + 1.0
    found = dataset_drift(reference, current, KINDS, importance=importance)
    assert found.share == pytest.approx(1 / 3)
    assert [c.importance for c in found.columns] == pytest.approx([1 / 3] * 3)
    assert found.status == "warn"


def test_negative_importance_counts_as_zero() -> None:
    reference, current = importance_data()
    current["useless"] = current["useless"] + 1.0
    found = dataset_drift(reference, current, KINDS, importance={"top": 1.0, "useless": -0.05})
    assert found.share == 0.0 and found.column("useless").importance == 0.0


def test_error_columns_are_left_out_of_the_share() -> None:
    reference, current = importance_data()
    current["top"] = current["top"] + 1.0
    del current["useless"]
    found = dataset_drift(
        reference, current, KINDS, importance={"top": 1.0, "mid": 1.0, "useless": 2.0}
    )
    assert found.column("useless").status == "error"
    assert found.column("useless").importance is None
    assert found.share == pytest.approx(0.5) and found.status == "alert"
    assert "not checked: useless" in found.detail


def test_importance_only_on_columns_that_failed_is_an_error() -> None:
    reference, current = importance_data()
    del current["top"]
    found = dataset_drift(reference, current, KINDS, importance={"top": 1.0})
    assert (found.status, found.drifted, found.share) == ("error", False, 0.0)


# -- bad input, per column ------------------------------------------------------------------------


def only_error(found: DatasetDrift, name: str) -> ColumnDrift:
    column = found.column(name)
    assert column.status == "error" and not column.drifted
    assert column.statistic is None and column.p_value is None and column.threshold is None
    assert all(c.status != "error" for c in found.columns if c.column != name)
    return column


@pytest.mark.parametrize("mode", ["paraguas", "evidently"])
def test_bad_columns_are_reported_and_the_others_still_compared(mode: str) -> None:
    rng = np.random.default_rng(15)
    good = rng.normal(size=3_000)
    reference = {
        "good": good,
        "empty": rng.normal(size=3_000),
        "absent": rng.normal(size=3_000),
        "all_nan": rng.normal(size=3_000),
        "no_kind": rng.normal(size=3_000),
        "text": np.array(["some words"] * 10, dtype=object),
        "words": np.array(["a", "b"] * 50, dtype=object),
        "odd": rng.normal(size=30),
    }
    current = {
        "good": good + 1.0,
        "empty": np.array([], dtype=np.float64),
        "all_nan": np.full(100, np.nan),
        "no_kind": rng.normal(size=100),
        "text": np.array(["other words"] * 10, dtype=object),
        "words": np.array(["a", "b"] * 50, dtype=object),
        "odd": rng.normal(size=30),
        "only_current": rng.normal(size=10),
    }
    kinds = {
        "good": "numeric",
        "empty": "numeric",
        "absent": "numeric",
        "all_nan": "numeric",
        "text": "text",
        "words": "numeric",
        "odd": "embedding",
    }
    found = dataset_drift(reference, current, kinds, mode=mode)  # type: ignore[arg-type]
    assert [c.column for c in found.columns] == list(reference)
    assert found.column("good").status == "alert"
    statuses = {c.column: c.status for c in found.columns}
    assert statuses == {"good": "alert"} | dict.fromkeys(list(reference)[1:], "error")
    details = {c.column: c.detail for c in found.columns}
    assert "no current value" in details["empty"] and "no row" in details["empty"]
    assert "missing from the current data" in details["absent"]
    assert "all 100 values are missing" in details["all_nan"]
    assert "no kind" in details["no_kind"]
    assert "text_domain_classifier" in details["text"]
    assert "not numbers" in details["words"]
    assert "'embedding'" in details["odd"]
    # only the one good column counts, and it drifted
    assert (found.share, found.status) == (1.0, "alert")


def test_a_table_with_nothing_comparable_is_an_error_not_a_nan() -> None:
    found = dataset_drift({"x": [np.nan, np.nan]}, {"x": [1.0]}, {"x": "numeric"})
    assert (found.status, found.share, found.drifted) == ("error", 0.0, False)
    empty = dataset_drift({}, {}, {})
    assert (empty.status, empty.columns) == ("error", ())


def test_infinities_are_missing_values() -> None:
    rng = np.random.default_rng(16)
    reference, current = rng.normal(size=3_000), rng.normal(0.1, size=2_000)
    with_inf = current.copy()
    with_inf[:50] = np.inf
    with_inf[50:60] = -np.inf
    for mode in ("paraguas", "evidently"):
        clean = column_drift("x", reference, current[60:], "numeric", mode=mode)  # type: ignore[arg-type]
        dirty = column_drift("x", reference, with_inf, "numeric", mode=mode)  # type: ignore[arg-type]
        assert dirty.statistic == clean.statistic and dirty.p_value == clean.p_value
    labels = column_drift(
        "c", np.array([1.0, 2.0, np.inf] * 40), np.array([1.0, 2.0, -np.inf] * 40), "categorical"
    )
    assert labels.statistic == 0.0 and "2 distinct" in labels.detail


class TestConstantReference:
    """A constant reference has std 0: the Wasserstein distance is divided by 0.001 instead."""

    reference = np.full(5_000, 3.0)

    def test_unchanged_it_does_not_drift(self) -> None:
        found = column_drift("x", self.reference, np.full(800, 3.0), "numeric")
        assert (found.method, found.statistic, found.status) == ("jensen_shannon", 0.0, "ok")

    def test_a_change_far_below_the_floor_does_not_drift(self) -> None:
        rng = np.random.default_rng(17)
        current = 3.0 + rng.normal(0, 1e-6, 800)
        found = column_drift("x", self.reference, current, "numeric", mode="evidently")
        expected = scipy.stats.wasserstein_distance(self.reference, current) / 0.001
        assert found.method == "wasserstein_normed"
        assert found.statistic == pytest.approx(expected, rel=1e-12)
        assert found.statistic < 0.01 and found.status == "ok"

    def test_a_real_change_alerts(self) -> None:
        rng = np.random.default_rng(18)
        current = rng.normal(3.0, 0.5, 800)
        for mode in ("paraguas", "evidently"):
            found = column_drift("x", self.reference, current, "numeric", mode=mode)  # type: ignore[arg-type]
            assert found.statistic is not None and math.isfinite(found.statistic)
            assert found.statistic > 100 and found.status == "alert"


def test_a_category_never_seen_in_the_reference_is_certain_chi_square_drift() -> None:
    reference = np.array(["a", "b", "c"] * 300, dtype=object)
    current = np.array(["a", "b", "c"] * 333 + ["d"], dtype=object)
    found = column_drift("c", reference, current, "categorical", mode="evidently")
    assert (found.method, found.statistic, found.p_value) == ("chi_square", math.inf, 0.0)
    assert found.status == "alert"
    # in paraguas mode one new value in 1,000 is significant, but a small distance
    ours = column_drift("c", reference, current, "categorical")
    assert ours.p_value == 0.0 and ours.status == "ok"
    assert ours.statistic == pytest.approx(evidently_reference_js(list(reference), list(current)))


def test_missing_labels_are_left_out() -> None:
    reference = np.array(["a", "b", None, np.nan] * 100, dtype=object)
    current = pd.Series(["a", "b", None] * 100, dtype="string")
    found = column_drift("c", reference, current, "categorical", mode="evidently")
    assert found.statistic == 0.0 and "200 vs 200 values, 2 distinct" in found.detail


def test_pandas_inputs() -> None:
    rng = np.random.default_rng(19)
    reference = pd.DataFrame({"x": rng.normal(size=2_000), "c": rng.choice(["u", "v", "w"], 2_000)})
    current = pd.DataFrame({"x": rng.normal(1.0, size=1_500), "c": rng.choice(["u", "v"], 1_500)})
    current["x"] = current["x"].astype("Float64")
    current.loc[:9, "x"] = pd.NA
    found = dataset_drift(reference, current, {"x": "numeric", "c": "categorical"})
    assert [c.status for c in found.columns] == ["alert", "alert"]
    as_arrays = column_drift(
        "x", reference["x"].to_numpy(), current["x"].to_numpy(na_value=np.nan)[10:], "numeric"
    )
    assert found.column("x").statistic == as_arrays.statistic
    categories = pd.Categorical(reference["c"])
    assert (
        column_drift("c", categories, current["c"], "categorical").statistic
        == found.column("c").statistic
    )


def test_datetimes_are_compared_as_numbers() -> None:
    rng = np.random.default_rng(20)
    start = np.datetime64("2026-01-01T00:00:00", "s")
    reference = start + rng.integers(0, 86_400 * 30, 2_000).astype("timedelta64[s]")
    current = reference[:1_000] + np.timedelta64(10, "D")
    found = column_drift("when", reference, current, "datetime")
    seconds = reference.astype(np.int64).astype(np.float64)
    expected = scipy.stats.wasserstein_distance(seconds, seconds[:1_000] + 864_000) / np.std(
        seconds
    )
    assert found.kind == "datetime" and found.statistic == pytest.approx(expected, rel=1e-9)
    assert found.status == "alert"


def test_threads_do_not_change_the_result() -> None:
    rng = np.random.default_rng(21)
    names = [f"x{i}" for i in range(8)]
    reference = {n: rng.normal(size=3_000) for n in names}
    current = {n: rng.normal(0.05 * i, size=2_000) for i, n in enumerate(names)}
    kinds = dict.fromkeys(names, "numeric")
    assert dataset_drift(reference, current, kinds, workers=1) == dataset_drift(
        reference, current, kinds, workers=3
    )


def test_arguments_that_are_bugs_raise() -> None:
    with pytest.raises(ValueError, match="mode"):
        column_drift("x", [1.0], [1.0], "numeric", mode="psi")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="share"):
        dataset_drift({}, {}, {}, share=0.0)
    with pytest.raises(ValueError, match="workers"):
        dataset_drift({}, {}, {}, workers=0)
    with pytest.raises(ValueError, match="reference_rows"):
        column_drift("x", [1.0], [1.0], "numeric", reference_rows=0)


def test_every_verdict_is_a_status_and_every_number_finite_or_none() -> None:
    rng = np.random.default_rng(22)
    reference = {"n": rng.normal(size=500), "c": np.array(["a", "b", "c"] * 100, dtype=object)}
    current = {"n": np.full(500, np.nan), "c": np.array(["d"] * 10, dtype=object)}
    found = dataset_drift(reference, current, {"n": "numeric", "c": "categorical"})
    assert found.status in STATUSES and math.isfinite(found.share)
    for column in found.columns:
        assert column.status in STATUSES
        for number in (column.p_value, column.threshold, column.importance):
            assert number is None or math.isfinite(number)


def test_values_numpy_cannot_read_are_an_error_not_a_crash() -> None:
    found = dataset_drift(
        {"ragged": [[1.0, 2.0], [3.0]], "fine": [1.0, 2.0, 3.0] * 10},
        {"ragged": [[1.0], [2.0, 3.0]], "fine": [1.0, 2.0, 3.0] * 10},
        {"ragged": "numeric", "fine": "numeric"},
    )
    ragged = only_error(found, "ragged")
    assert "cannot be read" in ragged.detail
    assert found.status == "ok"
