"""Segments and fairness gaps, against hand-computed values and a direct NumPy computation."""

from __future__ import annotations

import doctest
import json
import math

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paraguas.errors import DataError, SpecError
from paraguas.monitoring import fairness as fairness_module
from paraguas.monitoring.fairness import (
    FAIRNESS_ALERT,
    FAIRNESS_WARN,
    MISSING_GROUP,
    FairnessGap,
    demographic_parity_difference,
    equal_opportunity_difference,
    group_labels,
    segment_metrics,
)
from paraguas.monitoring.performance import binary_metrics, multiclass_metrics, regression_metrics
from tests.monitoring.conftest import binary_data, multiclass_data


def test_doctests() -> None:
    assert doctest.testmod(fairness_module).failed == 0


def test_thresholds_are_the_documented_defaults() -> None:
    assert (FAIRNESS_WARN, FAIRNESS_ALERT) == (0.1, 0.2)


# -- demographic parity ---------------------------------------------------------------------


def test_demographic_parity_by_hand() -> None:
    # a: 3 of 4 predicted positive (0.75); b: 1 of 2 (0.5); c: 0 of 1 (0.0) -> gap 0.75
    predicted = [1, 1, 1, 0, 1, 0, 0]
    group = ["a", "a", "a", "a", "b", "b", "c"]
    gap = demographic_parity_difference(predicted, group, name="region")
    assert gap.metric == "demographic_parity"
    assert gap.gap == pytest.approx(0.75)
    assert [(g.group, g.rows, g.eligible, g.hits, g.rate) for g in gap.groups] == [
        ("a", 4, 4, 3, 0.75),
        ("b", 2, 2, 1, 0.5),
        ("c", 1, 1, 0, 0.0),
    ]
    assert gap.highest is not None and gap.highest.group == "a"
    assert gap.lowest is not None and gap.lowest.group == "c"
    assert gap.excluded == ()
    assert gap.status == "alert"


def test_missing_group_values_form_their_own_group() -> None:
    predicted = np.array([1, 0, 1, 1, 0, 1])
    group = np.array(["x", "x", None, float("nan"), "y", pd.NA], dtype=object)
    gap = demographic_parity_difference(predicted, group)
    rates = {g.group: (g.rows, g.rate) for g in gap.groups}
    assert rates == {"x": (2, 0.5), "y": (1, 0.0), MISSING_GROUP: (3, 1.0)}
    assert [g.group for g in gap.groups][-1] == MISSING_GROUP
    assert gap.gap == 1.0


@pytest.mark.parametrize(
    ("values", "labels", "index"),
    [
        (np.array([2.0, np.nan, 1.0, 2.0]), ("1.0", "2.0", MISSING_GROUP), [1, 2, 0, 1]),
        (
            np.array(["2024-01-02", "NaT", "2024-01-01"], dtype="datetime64[D]"),
            ("2024-01-01", "2024-01-02", MISSING_GROUP),
            [1, 2, 0],
        ),
        (np.array([True, False, True]), ("False", "True"), [1, 0, 1]),
        (np.array([3, 1, 3]), ("1", "3"), [1, 0, 1]),
        (np.array([None, None], dtype=object), (MISSING_GROUP,), [0, 0]),
    ],
)
def test_group_labels_of_each_dtype(
    values: npt.NDArray[np.generic], labels: tuple[str, ...], index: list[int]
) -> None:
    found_labels, found_index = group_labels(values)
    assert found_labels == labels
    assert found_index.tolist() == index


@pytest.mark.parametrize(
    ("rates", "status"),
    [
        # group rates (hits of 10 rows each) -> gap and status; 3/10 - 1/10 is 0.19999...
        ((3, 1), "alert"),
        ((2, 1), "warn"),
        ((4, 1), "alert"),
        ((1, 1), "ok"),
    ],
)
def test_status_at_the_boundaries(rates: tuple[int, int], status: str) -> None:
    predicted = np.concatenate([np.arange(10) < rates[0], np.arange(10) < rates[1]])
    group = ["a"] * 10 + ["b"] * 10
    gap = demographic_parity_difference(predicted.astype(int), group)
    assert gap.gap == pytest.approx((rates[0] - rates[1]) / 10)
    assert gap.status == status


# -- equal opportunity ----------------------------------------------------------------------


def test_equal_opportunity_by_hand() -> None:
    y_true = [1, 1, 1, 0, 1, 1, 0, 0, 0]
    y_pred = [1, 1, 0, 1, 0, 0, 1, 1, 0]
    group = ["a", "a", "a", "a", "b", "b", "b", "c", "c"]
    # a: 2 of 3 positives found; b: 0 of 2; c: no positive -> excluded, reported
    gap = equal_opportunity_difference(y_true, y_pred, group, name="sex")
    assert gap.gap == pytest.approx(2 / 3)
    assert [(g.group, g.rows, g.eligible, g.hits, g.rate, g.compared) for g in gap.groups] == [
        ("a", 4, 3, 2, 2 / 3, True),
        ("b", 3, 2, 0, 0.0, True),
        ("c", 2, 0, 0, None, False),
    ]
    assert gap.excluded == ("c",)
    (check,) = gap.checks(4)
    assert "'c' (no actual positive)" in check.detail
    assert check.extra["rates"]["c"] is None


def test_min_rows_leaves_small_groups_out_of_the_gap() -> None:
    y_pred = [1, 1, 1, 0, 0, 0, 0, 1]
    group = ["a", "a", "a", "a", "b", "b", "b", "tiny"]
    everyone = demographic_parity_difference(y_pred, group)
    assert everyone.gap == 1.0  # "tiny": 1 of 1
    enough = demographic_parity_difference(y_pred, group, min_rows=3)
    assert enough.gap == pytest.approx(0.75)
    assert enough.excluded == ("tiny",)
    assert "'tiny' (1 rows, fewer than 3)" in enough.checks(1)[0].detail


def test_fewer_than_two_groups_is_an_error_check_not_a_gap() -> None:
    gap = equal_opportunity_difference([1, 0, 0], [1, 0, 0], ["a", "a", "b"])
    assert gap.gap is None
    assert gap.status == "error"
    (check,) = gap.checks(2)
    assert check.value is None and check.status == "error"
    assert "fewer than two groups" in check.detail


def test_checks_describe_the_gap() -> None:
    gap = demographic_parity_difference([1, 0, 0, 0], ["a", "a", "b", "b"], name="city")
    (check,) = gap.checks(5, role="challenger")
    assert (check.kind, check.subject, check.method) == (
        "fairness",
        "city",
        "demographic_parity_difference",
    )
    assert (check.value, check.threshold, check.status) == (0.5, FAIRNESS_ALERT, "alert")
    assert (check.version, check.role) == (5, "challenger")
    assert check.detail == "positive-prediction rate 0.500 in 'a' vs 0.000 in 'b': gap 0.500"
    assert check.extra["segment"] == "city"
    assert check.extra["rows"] == {"a": 2, "b": 2}
    json.dumps(check.to_dict(), allow_nan=False)
    unnamed = demographic_parity_difference([1, 0], ["a", "b"]).checks(1)[0]
    assert unnamed.subject == "(sensitive)"


# -- against a direct NumPy computation -----------------------------------------------------


def numpy_gaps(
    y_true: npt.NDArray[np.int64], y_pred: npt.NDArray[np.int64], group: npt.NDArray[np.str_]
) -> tuple[float, float]:
    """Both gaps, one boolean mask per group."""
    selection, opportunity = [], []
    for value in np.unique(group):
        rows = group == value
        selection.append(y_pred[rows].mean())
        positives = rows & (y_true == 1)
        if positives.any():
            opportunity.append(y_pred[positives].mean())
    return max(selection) - min(selection), max(opportunity) - min(opportunity)


@pytest.mark.parametrize("seed", range(5))
def test_gaps_agree_with_numpy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 2000
    group = rng.choice(np.array(["north", "south", "east", "west"]), n, p=[0.4, 0.3, 0.2, 0.1])
    y_true = rng.integers(0, 2, n)
    favour = np.where(group == "north", 0.2, 0.0)
    y_pred = (rng.random(n) < 0.3 + 0.4 * y_true + favour).astype(np.int64)
    selection, opportunity = numpy_gaps(y_true, y_pred, group)
    assert demographic_parity_difference(y_pred, group).gap == pytest.approx(selection)
    assert equal_opportunity_difference(y_true, y_pred, group).gap == pytest.approx(opportunity)
    assert selection > FAIRNESS_WARN  # the favoured group shows


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 1), st.integers(0, 1), st.sampled_from(["a", "b", "c", None])),
        min_size=1,
        max_size=40,
    ),
    st.randoms(use_true_random=False),
)
def test_gaps_lie_in_zero_one_and_ignore_row_order(
    rows: list[tuple[int, int, str | None]], random: object
) -> None:
    y_true = np.array([r[0] for r in rows])
    y_pred = np.array([r[1] for r in rows])
    group = np.array([r[2] for r in rows], dtype=object)
    order = np.arange(len(rows))
    random.shuffle(order)  # type: ignore[attr-defined]
    for compute in (
        lambda t, p, g: demographic_parity_difference(p, g),
        lambda t, p, g: equal_opportunity_difference(t, p, g),
    ):
        gap: FairnessGap = compute(y_true, y_pred, group)
        shuffled: FairnessGap = compute(y_true[order], y_pred[order], group[order])
        assert gap.groups == shuffled.groups
        assert gap.gap == shuffled.gap
        if gap.gap is not None:
            assert 0 <= gap.gap <= 1
            assert not math.isnan(gap.gap)


# -- segment metrics ------------------------------------------------------------------------


def test_segment_metrics_are_the_metrics_of_each_subset() -> None:
    y, score = binary_data(11, 300)
    segment = np.where(np.arange(300) % 3 == 0, "web", "shop").astype(object)
    segment[:5] = None
    per = segment_metrics(y, score, segment, task="binary", threshold=0.4)
    assert list(per) == ["shop", "web", MISSING_GROUP]
    for label, rows in (
        ("web", (segment == "web")),
        ("shop", (segment == "shop")),
        (MISSING_GROUP, np.arange(300) < 5),
    ):
        assert per[label] == binary_metrics(y[rows], score[rows], threshold=0.4)
    assert sum(int(m["n"] or 0) for m in per.values()) == 300


def test_segment_metrics_for_multiclass_and_regression() -> None:
    y, proba = multiclass_data(12, 200)
    segment = np.arange(200) % 2
    per = segment_metrics(y, proba, segment, task="multiclass")
    assert per["0"] == multiclass_metrics(y[::2], proba[::2])
    rng = np.random.default_rng(13)
    target = rng.normal(size=50)
    prediction = target + rng.normal(scale=0.1, size=50)
    city = np.array(["a"] * 20 + ["b"] * 30)
    reg = segment_metrics(target, prediction, city, task="regression")
    assert reg["b"] == regression_metrics(target[20:], prediction[20:])


def test_segment_metrics_leave_out_segments_below_min_rows() -> None:
    per = segment_metrics([1, 0, 1, 0, 1], [0.9, 0.1, 0.8, 0.3, 0.2], list("aaaab"), task="binary")
    assert set(per) == {"a", "b"}
    per = segment_metrics(
        [1, 0, 1, 0, 1], [0.9, 0.1, 0.8, 0.3, 0.2], list("aaaab"), task="binary", min_rows=2
    )
    assert set(per) == {"a"}
    assert per["a"]["accuracy"] == 1.0


# -- bad input ------------------------------------------------------------------------------


def test_bad_input_is_a_clear_error() -> None:
    with pytest.raises(SpecError, match=r"task 'binar' is not known.*Did you mean 'binary'"):
        segment_metrics([1], [0.5], ["a"], task="binar")
    with pytest.raises(DataError, match="y_score_or_pred has 2 rows but segments has 3"):
        segment_metrics([1, 0, 1], [0.5, 0.2], ["a", "b", "a"], task="binary")
    with pytest.raises(DataError, match="segments is empty"):
        segment_metrics([], [], [], task="binary")
    with pytest.raises(DataError, match="segments must be a 1-D array"):
        group_labels([["a"]])
    with pytest.raises(DataError, match=r"found 0.7.*Threshold the scores first"):
        demographic_parity_difference([0.7, 0.2], ["a", "b"])
    with pytest.raises(DataError, match="sensitive has 1 rows but y_pred_binary has 2"):
        demographic_parity_difference([1, 0], ["a"])
    with pytest.raises(DataError, match="y_pred_binary has 1 rows but y_true has 2"):
        equal_opportunity_difference([1, 0], [1], ["a", "b"])
    with pytest.raises(DataError, match="y_true is empty"):
        equal_opportunity_difference([], [], [])
    with pytest.raises(DataError, match="min_rows must be at least 1"):
        demographic_parity_difference([1, 0], ["a", "b"], min_rows=0)
