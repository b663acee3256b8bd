"""Performance metrics, checked against scikit-learn, SciPy and hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn import metrics as skm
from sklearn.dummy import DummyClassifier, DummyRegressor

from paraguas.errors import DataError, SpecError
from paraguas.monitoring import (
    HIGHER_IS_BETTER,
    LOWER_IS_BETTER,
    average_precision,
    baseline_metrics,
    binary_metrics,
    is_better,
    multiclass_metrics,
    regression_metrics,
    roc_auc,
)
from paraguas.spec import METRICS
from tests.monitoring.conftest import assert_plain, binary_data, multiclass_data, sklearn_value

BINARY_KEYS = {
    "n",
    "positive_rate",
    "accuracy",
    "precision",
    "recall",
    "f1",
    "roc_auc",
    "pr_auc",
    "log_loss",
    "brier",
    "tp",
    "fp",
    "tn",
    "fn",
}


def sklearn_binary(y: np.ndarray, score: np.ndarray, threshold: float = 0.5) -> dict[str, object]:
    """What scikit-learn says, with NaN (its zero_division=np.nan) as None."""
    predicted = (score >= threshold).astype(int)
    tn, fp, fn, tp = skm.confusion_matrix(y, predicted, labels=[0, 1]).ravel().tolist()
    two_classes = len(np.unique(y)) == 2
    return {
        "n": len(y),
        "positive_rate": float(np.mean(y)),
        "accuracy": skm.accuracy_score(y, predicted),
        "precision": sklearn_value(skm.precision_score, y, predicted, zero_division=np.nan),
        "recall": sklearn_value(skm.recall_score, y, predicted, zero_division=np.nan),
        "f1": sklearn_value(skm.f1_score, y, predicted, zero_division=np.nan),
        "roc_auc": sklearn_value(skm.roc_auc_score, y, score) if two_classes else None,
        "pr_auc": sklearn_value(skm.average_precision_score, y, score) if y.any() else None,
        "log_loss": skm.log_loss(y, score, labels=[0, 1]),
        "brier": skm.brier_score_loss(y, score, labels=[0, 1]),
        "tp": tp,
        "fp": fp,
        "tn": tn,
        "fn": fn,
    }


def assert_same(ours: dict[str, object], theirs: dict[str, object]) -> None:
    assert ours.keys() == theirs.keys()
    for key, expected in theirs.items():
        if expected is None:
            assert ours[key] is None, key
        else:
            assert ours[key] == pytest.approx(expected, rel=1e-12, abs=1e-12), key


# -- binary ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("ties", [False, True])
def test_binary_metrics_match_sklearn(seed: int, ties: bool) -> None:
    y, score = binary_data(seed, ties=ties)
    metrics = binary_metrics(y, score)
    assert set(metrics) == BINARY_KEYS
    assert_plain(metrics)
    assert_same(metrics, sklearn_binary(y, score))


@pytest.mark.parametrize("threshold", [0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0, 1.5])
def test_threshold_moves_the_confusion_matrix_like_sklearn(threshold: float) -> None:
    y, score = binary_data(7, ties=True)
    metrics = binary_metrics(y, score, threshold=threshold)
    assert_same(metrics, sklearn_binary(y, score, threshold))


def test_a_score_equal_to_the_threshold_is_positive() -> None:
    metrics = binary_metrics(np.array([1, 0]), np.array([0.5, 0.4999]))
    assert (metrics["tp"], metrics["fp"], metrics["tn"], metrics["fn"]) == (1, 0, 1, 0)


def test_confusion_counts_by_hand() -> None:
    y = np.array([1, 1, 1, 0, 0, 0, 0, 1])
    score = np.array([0.9, 0.6, 0.2, 0.7, 0.1, 0.3, 0.5, 0.8])
    # predicted (>= 0.5): 1 1 0 1 0 0 1 1 -> tp: rows 0,1,7; fp: rows 3,6; fn: row 2; tn: 4,5
    metrics = binary_metrics(y, score)
    assert (metrics["tp"], metrics["fp"], metrics["tn"], metrics["fn"]) == (3, 2, 2, 1)
    assert metrics["n"] == 8
    assert metrics["positive_rate"] == 0.5
    assert metrics["accuracy"] == 5 / 8
    assert metrics["precision"] == 3 / 5
    assert metrics["recall"] == 3 / 4
    assert metrics["f1"] == pytest.approx(2 * 3 / (2 * 3 + 2 + 1))
    # positive scores .9 .6 .2 .8 vs negative .7 .1 .3 .5: 12 of 16 pairs ranked right
    assert metrics["roc_auc"] == 12 / 16
    assert metrics["brier"] == pytest.approx(
        np.mean([0.01, 0.16, 0.64, 0.49, 0.01, 0.09, 0.25, 0.04])
    )


def test_tied_scores_count_half_by_hand() -> None:
    # one positive tied with one negative, the other positive above both
    assert roc_auc(np.array([0, 1, 1]), np.array([0.5, 0.5, 0.9])) == 0.75
    assert roc_auc(np.array([0, 1]), np.array([0.3, 0.3])) == 0.5


@pytest.mark.parametrize("ties", [False, True])
def test_roc_auc_is_the_mann_whitney_u_of_scipy(ties: bool) -> None:
    y, score = binary_data(11, n=300, ties=ties)
    u = stats.mannwhitneyu(score[y == 1], score[y == 0]).statistic
    assert roc_auc(y, score) == pytest.approx(u / (np.sum(y == 1) * np.sum(y == 0)), rel=1e-12)


def test_perfect_and_inverted_predictions() -> None:
    y = np.array([0, 0, 1, 1, 0, 1])
    perfect = binary_metrics(y, y.astype(float))
    assert perfect["roc_auc"] == 1.0
    assert perfect["pr_auc"] == 1.0
    assert perfect["f1"] == perfect["accuracy"] == 1.0
    assert perfect["brier"] == 0.0
    assert perfect["log_loss"] == pytest.approx(skm.log_loss(y, y.astype(float)))
    inverted = binary_metrics(y, 1.0 - y)
    assert inverted["roc_auc"] == 0.0
    assert inverted["accuracy"] == inverted["f1"] == 0.0
    assert inverted["brier"] == 1.0
    assert inverted["log_loss"] == pytest.approx(skm.log_loss(y, 1.0 - y), rel=1e-12)
    assert inverted["log_loss"] == pytest.approx(-math.log(np.finfo(np.float64).eps))


@pytest.mark.parametrize("label", [0, 1])
def test_one_class_leaves_ranking_metrics_undefined(label: int) -> None:
    y = np.full(20, label)
    score = np.linspace(0, 1, 20)
    metrics = binary_metrics(y, score)
    assert metrics["roc_auc"] is None
    assert_plain(metrics)
    assert_same(metrics, sklearn_binary(y, score))
    if label == 0:
        assert metrics["recall"] is None
        assert metrics["pr_auc"] is None
    else:
        assert metrics["pr_auc"] == 1.0


def test_no_predicted_positive_leaves_precision_undefined_but_f1_zero() -> None:
    metrics = binary_metrics(np.array([0, 1, 1, 0]), np.array([0.1, 0.2, 0.3, 0.4]))
    assert metrics["precision"] is None
    assert metrics["recall"] == 0.0
    assert metrics["f1"] == 0.0  # 2tp / (2tp + fp + fn) is defined: there are positives


def test_f1_is_undefined_with_neither_positives_nor_positive_predictions() -> None:
    metrics = binary_metrics(np.zeros(3, dtype=int), np.array([0.1, 0.2, 0.3]))
    assert metrics["precision"] is metrics["recall"] is metrics["f1"] is None
    assert metrics["accuracy"] == 1.0


def test_boolean_and_float_labels_are_accepted() -> None:
    y, score = binary_data(3, n=50)
    expected = binary_metrics(y, score)
    assert binary_metrics(y.astype(bool), score) == expected
    assert binary_metrics(y.astype(float), score) == expected


@pytest.mark.parametrize(
    ("y", "score", "message"),
    [
        ([0, 2], [0.1, 0.2], "0 and 1"),
        ([0, 1], [0.1, 1.2], r"probabilities in \[0, 1\]"),
        ([0, 1], [0.1, -0.2], "decision function"),
        ([0, 1], [0.1, np.nan], "missing or infinite"),
        ([0, 1], [0.1], "aligned"),
        ([], [], "empty"),
        ([[0, 1]], [[0.1, 0.2]], "1-D"),
        (["no", "yes"], [0.1, 0.2], "0 and 1"),
    ],
)
def test_bad_binary_input_raises_data_error(
    y: list[object], score: list[float], message: str
) -> None:
    with pytest.raises(DataError, match=message):
        binary_metrics(np.array(y), np.array(score))


def test_threshold_must_be_finite() -> None:
    with pytest.raises(DataError, match="threshold"):
        binary_metrics(np.array([0, 1]), np.array([0.2, 0.8]), threshold=math.nan)


def test_average_precision_accepts_any_real_score() -> None:
    y, score = binary_data(5)
    logits = np.log(score + 1e-3) * 10 - 3
    assert average_precision(y, logits) == pytest.approx(skm.average_precision_score(y, logits))
    assert roc_auc(y, logits) == pytest.approx(skm.roc_auc_score(y, logits))


labels = st.lists(st.integers(0, 1), min_size=2, max_size=60)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_roc_auc_flips_with_the_score(data: st.DataObject) -> None:
    y = np.array(data.draw(labels))
    score = np.array(
        data.draw(
            st.lists(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]), min_size=len(y), max_size=len(y))
        )
    )
    auc = roc_auc(y, score)
    flipped = roc_auc(y, -score)
    if auc is None:
        assert flipped is None
        assert len(np.unique(y)) == 1
    else:
        assert flipped is not None
        assert auc == pytest.approx(1 - flipped, abs=1e-12)
        assert binary_metrics(y, 1 - score)["roc_auc"] == pytest.approx(1 - auc, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_binary_metrics_ignore_row_order_and_match_sklearn(data: st.DataObject) -> None:
    y = np.array(data.draw(labels))
    score = np.array(
        data.draw(
            st.lists(
                st.floats(0, 1) | st.sampled_from([0.0, 0.5, 1.0]), min_size=len(y), max_size=len(y)
            )
        )
    )
    threshold = data.draw(st.sampled_from([0.0, 0.3, 0.5, 1.0]))
    order = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1))).permutation(len(y))
    metrics = binary_metrics(y, score, threshold=threshold)
    shuffled = binary_metrics(y[order], score[order], threshold=threshold)
    assert_same(shuffled, metrics)
    assert_plain(metrics)
    assert_same(metrics, sklearn_binary(y, score, threshold))


# -- multiclass -----------------------------------------------------------------------------


def sklearn_multiclass(y: np.ndarray, proba: np.ndarray) -> dict[str, object]:
    predicted = proba.argmax(axis=1)
    return {
        "n": len(y),
        "accuracy": skm.accuracy_score(y, predicted),
        "f1_macro": skm.f1_score(y, predicted, average="macro", zero_division=0),
        "f1_weighted": skm.f1_score(y, predicted, average="weighted", zero_division=0),
        "precision_macro": skm.precision_score(y, predicted, average="macro", zero_division=0),
        "recall_macro": skm.recall_score(y, predicted, average="macro", zero_division=0),
        "log_loss": skm.log_loss(y, proba, labels=list(range(proba.shape[1]))),
    }


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("k", [2, 3, 6])
def test_multiclass_metrics_match_sklearn(seed: int, k: int) -> None:
    y, proba = multiclass_data(seed, k=k)
    metrics = multiclass_metrics(y, proba)
    assert_plain(metrics)
    assert_same(metrics, sklearn_multiclass(y, proba))


def test_multiclass_with_a_class_never_predicted_and_one_never_seen() -> None:
    # class 1 is in y_true but never predicted; class 3 is predicted but absent from y_true;
    # class 4 is a column of proba that appears nowhere
    y = np.array([0, 0, 1, 2, 2, 0])
    predicted = np.array([0, 2, 0, 2, 3, 0])
    proba = np.full((6, 5), 0.1)
    proba[np.arange(6), predicted] = 0.6
    metrics = multiclass_metrics(y, proba)
    assert_same(metrics, sklearn_multiclass(y, proba))
    # by hand, over classes 0..3: precision 2/3, 0, 1/2, 0; recall 2/3, 0, 1/2, 0
    assert metrics["precision_macro"] == pytest.approx((2 / 3 + 0 + 1 / 2 + 0) / 4)
    assert metrics["recall_macro"] == pytest.approx((2 / 3 + 0 + 1 / 2 + 0) / 4)
    assert metrics["accuracy"] == 3 / 6
    assert metrics["log_loss"] == pytest.approx(-np.mean(np.log([0.6, 0.1, 0.1, 0.6, 0.1, 0.6])))


def test_multiclass_ties_predict_the_first_class() -> None:
    metrics = multiclass_metrics(np.array([0, 1]), np.array([[0.5, 0.5], [0.5, 0.5]]))
    assert metrics["accuracy"] == 0.5


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 40), k=st.integers(2, 5))
def test_multiclass_ignores_row_order(seed: int, n: int, k: int) -> None:
    y, proba = multiclass_data(seed, n=n, k=k)
    order = np.random.default_rng(seed).permutation(n)
    metrics = multiclass_metrics(y, proba)
    shuffled = multiclass_metrics(y[order], proba[order])
    for key, value in metrics.items():
        assert shuffled[key] == pytest.approx(value, rel=1e-12), key
    assert_same(metrics, sklearn_multiclass(y, proba))


@pytest.mark.parametrize(
    ("y", "proba", "message"),
    [
        ([0, 1], [0.2, 0.8], "2-D"),
        ([0, 1], [[0.2, 0.7], [0.5, 0.5]], "sum to 1"),
        ([0, 2], [[0.2, 0.8], [0.5, 0.5]], r"0\.\.1"),
        ([0, -1], [[0.2, 0.8], [0.5, 0.5]], r"0\.\.1"),
        ([0, 0.5], [[0.2, 0.8], [0.5, 0.5]], "integer class indices"),
        (["a", "b"], [[0.2, 0.8], [0.5, 0.5]], "integer class indices"),
        ([0, 1, 1], [[0.2, 0.8], [0.5, 0.5]], "aligned"),
        ([0, 1], [[1.2, -0.2], [0.5, 0.5]], r"\[0, 1\]"),
    ],
)
def test_bad_multiclass_input_raises_data_error(
    y: list[object], proba: list[object], message: str
) -> None:
    with pytest.raises(DataError, match=message):
        multiclass_metrics(np.array(y), np.array(proba))


# -- regression -----------------------------------------------------------------------------


def sklearn_regression(y: np.ndarray, prediction: np.ndarray) -> dict[str, object]:
    return {
        "n": len(y),
        "rmse": skm.root_mean_squared_error(y, prediction),
        "mae": skm.mean_absolute_error(y, prediction),
        "r2": sklearn_value(skm.r2_score, y, prediction, force_finite=False),
        "mape": skm.mean_absolute_percentage_error(y, prediction),
        "median_ae": skm.median_absolute_error(y, prediction),
    }


@pytest.mark.parametrize("seed", range(5))
def test_regression_metrics_match_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.normal(10, 3, 300)
    prediction = y + rng.normal(0, 1, 300)
    metrics = regression_metrics(y, prediction)
    assert_plain(metrics)
    assert_same(metrics, sklearn_regression(y, prediction))


def test_mape_divides_zero_targets_by_eps_like_sklearn() -> None:
    y = np.array([0.0, 2.0, 4.0])
    prediction = np.array([1.0, 2.0, 3.0])
    metrics = regression_metrics(y, prediction)
    assert metrics["mape"] == pytest.approx(skm.mean_absolute_percentage_error(y, prediction))
    assert metrics["mape"] == pytest.approx((1 / np.finfo(np.float64).eps + 0 + 0.25) / 3)


def test_regression_by_hand() -> None:
    metrics = regression_metrics(np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 2.0, 2.0, 2.0]))
    assert metrics == {
        "n": 4,
        "rmse": math.sqrt(6 / 4),
        "mae": 1.0,
        "r2": 1 - 6 / 5,
        "mape": pytest.approx((1 + 0 + 1 / 3 + 1 / 2) / 4),
        "median_ae": 1.0,
    }


@pytest.mark.parametrize("prediction", [[5.0, 5.0, 5.0], [4.0, 5.0, 6.0]])
def test_r2_is_undefined_for_a_constant_target(prediction: list[float]) -> None:
    y = np.array([5.0, 5.0, 5.0])
    metrics = regression_metrics(y, np.array(prediction))
    assert metrics["r2"] is None
    assert sklearn_regression(y, np.array(prediction))["r2"] is None  # NaN or -inf there


@settings(max_examples=40, deadline=None)
@given(
    pairs=st.lists(st.tuples(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6)), min_size=1, max_size=50)
)
def test_regression_matches_sklearn_on_any_numbers(pairs: list[tuple[float, float]]) -> None:
    y, prediction = (np.array(column) for column in zip(*pairs, strict=True))
    metrics = regression_metrics(y, prediction)
    assert_plain(metrics)
    theirs = sklearn_regression(y, prediction)
    for key in ("n", "rmse", "mae", "median_ae", "mape"):
        assert metrics[key] == pytest.approx(theirs[key], rel=1e-9, abs=1e-9), key
    if metrics["r2"] is not None and theirs["r2"] is not None:
        assert metrics["r2"] == pytest.approx(theirs["r2"], rel=1e-9, abs=1e-9)


def test_bad_regression_input_raises_data_error() -> None:
    with pytest.raises(DataError, match="missing or infinite"):
        regression_metrics(np.array([1.0, np.inf]), np.array([1.0, 2.0]))
    with pytest.raises(DataError, match="numbers"):
        regression_metrics(np.array(["a", "b"]), np.array([1.0, 2.0]))
    with pytest.raises(DataError, match="empty"):
        regression_metrics(np.array([]), np.array([]))


# -- baseline -------------------------------------------------------------------------------


def test_binary_baseline_is_sklearns_prior_dummy() -> None:
    rng = np.random.default_rng(0)
    y_train = (rng.random(300) < 0.3).astype(int)
    y_eval = (rng.random(100) < 0.4).astype(int)
    dummy = DummyClassifier(strategy="prior").fit(np.zeros((300, 1)), y_train)
    score = dummy.predict_proba(np.zeros((100, 1)))[:, 1]
    assert (dummy.predict(np.zeros((100, 1))) == (score >= 0.5)).all()
    metrics = baseline_metrics("binary", y_train, y_eval)
    assert_same(metrics, sklearn_binary(y_eval, score))
    assert metrics["tp"] == metrics["fp"] == 0  # always the majority class, 0
    assert metrics["roc_auc"] == 0.5


def test_binary_baseline_predicts_positive_on_an_exact_tie() -> None:
    metrics = baseline_metrics("binary", np.array([0, 1, 0, 1]), np.array([1, 0, 1]))
    assert (metrics["tp"], metrics["fp"]) == (2, 1)
    assert metrics["log_loss"] == pytest.approx(math.log(2))


def test_multiclass_baseline_is_sklearns_prior_dummy() -> None:
    rng = np.random.default_rng(1)
    y_train = rng.choice(3, size=300, p=[0.2, 0.5, 0.3])
    y_eval = rng.choice(4, size=120, p=[0.3, 0.3, 0.3, 0.1])  # class 3 never seen in training
    dummy = DummyClassifier(strategy="prior").fit(np.zeros((300, 1)), y_train)
    proba = np.zeros((120, 4))
    proba[:, :3] = dummy.predict_proba(np.zeros((120, 1)))
    metrics = baseline_metrics("multiclass", y_train, y_eval)
    assert_same(metrics, sklearn_multiclass(y_eval, proba))
    assert metrics["accuracy"] == pytest.approx(np.mean(y_eval == 1))


def test_regression_baseline_is_sklearns_mean_dummy() -> None:
    rng = np.random.default_rng(2)
    y_train, y_eval = rng.normal(5, 2, 200), rng.normal(6, 2, 50)
    dummy = DummyRegressor(strategy="mean").fit(np.zeros((200, 1)), y_train)
    metrics = baseline_metrics("regression", y_train, y_eval)
    assert_same(metrics, sklearn_regression(y_eval, dummy.predict(np.zeros((50, 1)))))


def test_baseline_of_an_unknown_task_says_what_is_expected() -> None:
    with pytest.raises(SpecError, match="Did you mean 'binary'"):
        baseline_metrics("binery", np.array([0, 1]), np.array([0, 1]))


# -- comparison -----------------------------------------------------------------------------


def test_every_spec_metric_has_a_direction() -> None:
    named = {name for names in METRICS.values() for name in names}
    assert named == HIGHER_IS_BETTER | LOWER_IS_BETTER
    assert not HIGHER_IS_BETTER & LOWER_IS_BETTER
    assert {"log_loss", "brier", "rmse", "mae", "mape", "median_ae"} == LOWER_IS_BETTER


@pytest.mark.parametrize(
    ("metric", "value", "other", "expected"),
    [
        ("f1", 0.8, 0.7, True),
        ("f1", 0.7, 0.8, False),
        ("f1", 0.7, 0.7, False),
        ("roc_auc", 0.9, None, True),
        ("roc_auc", None, 0.5, False),
        ("roc_auc", None, None, False),
        ("r2", -1.0, -2.0, True),
        ("rmse", 1.0, 2.0, True),
        ("rmse", 2.0, 1.0, False),
        ("log_loss", 0.3, 0.3, False),
        ("brier", 0.1, None, True),
        ("mape", math.nan, 1.0, False),
        ("mape", 1.0, math.nan, True),
    ],
)
def test_is_better(metric: str, value: float | None, other: float | None, expected: bool) -> None:
    assert is_better(metric, value, other) is expected


@pytest.mark.parametrize("metric", ["tp", "n", "f1-score"])
def test_is_better_refuses_metrics_without_direction(metric: str) -> None:
    with pytest.raises(SpecError, match="cannot be compared"):
        is_better(metric, 1.0, 0.0)
