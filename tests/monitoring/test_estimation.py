"""Performance estimation without labels (CBPE): hand-computed expectations, scikit-learn
cross-checks, and a simulated covariate shift where the estimate must follow reality."""

from __future__ import annotations

import doctest
import itertools
import json
import math
import subprocess
import sys
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from sklearn import metrics as skm
from sklearn.linear_model import LogisticRegression

from paraguas.errors import DataError
from paraguas.monitoring import estimation as estimation_module
from paraguas.monitoring.calibration import fit_calibration, fit_class_calibrations
from paraguas.monitoring.estimation import (
    ESTIMATED_METRICS,
    MULTICLASS_ESTIMATED_METRICS,
    estimate_binary,
    estimate_multiclass,
)

FloatArray = npt.NDArray[np.float64]


def test_doctests() -> None:
    assert doctest.testmod(estimation_module).failed == 0


def test_importing_the_module_does_not_load_scikit_learn() -> None:
    code = "import sys, paraguas.monitoring.estimation; print('sklearn' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


# -- hand-computed expectations -------------------------------------------------------------

HAND_P = np.array([0.9, 0.6, 0.2, 0.2])


def test_tiny_example_by_hand() -> None:
    # predicted 1, 1, 0, 0 at 0.5. TP = .9 + .6, FP = .1 + .4, FN = .2 + .2, TN = .8 + .8
    e = estimate_binary(HAND_P)
    assert (e.tp, e.fp, e.fn, e.tn) == pytest.approx((1.5, 0.5, 0.4, 1.6))
    assert e.accuracy == pytest.approx(3.1 / 4)
    assert e.precision == pytest.approx(1.5 / 2)
    assert e.recall == pytest.approx(1.5 / 1.9)
    assert e.f1 == pytest.approx(3.0 / 3.9)
    assert e.positive_rate == pytest.approx(1.9 / 4)
    # groups by score ascending: {.2, .2}, {.6}, {.9}; expected positives .4, .6, .9 and
    # negatives 1.6, .4, .1; each group's positives beat the negatives below, tie half its own:
    # .4 * (0 + .8) + .6 * (1.6 + .2) + .9 * (2.0 + .05) = 3.245, over 1.9 * 2.1 = 3.99
    assert e.roc_auc == pytest.approx(3.245 / 3.99)


def test_counts_accuracy_and_precision_are_exact_expectations() -> None:
    """Enumerate all 16 label outcomes of the tiny example, weighted by their probability."""
    predicted = HAND_P >= 0.5
    expected = dict.fromkeys(("tp", "fp", "tn", "fn", "accuracy", "precision"), 0.0)
    for outcome in itertools.product((0, 1), repeat=len(HAND_P)):
        y = np.array(outcome, dtype=bool)
        weight = float(np.prod(np.where(y, HAND_P, 1 - HAND_P)))
        tp = float(np.sum(predicted & y))
        tn = float(np.sum(~predicted & ~y))
        expected["tp"] += weight * tp
        expected["fp"] += weight * float(np.sum(predicted & ~y))
        expected["tn"] += weight * tn
        expected["fn"] += weight * float(np.sum(~predicted & y))
        expected["accuracy"] += weight * (tp + tn) / len(y)
        expected["precision"] += weight * tp / int(predicted.sum())
    e = estimate_binary(HAND_P)
    for key, value in expected.items():
        assert getattr(e, key) == pytest.approx(value, abs=1e-12), key


def test_decision_is_taken_on_the_model_scores_not_on_the_calibrated_probabilities() -> None:
    # the model says 0.7 and 0.3, but calibration says both are positive 40 % of the time
    e = estimate_binary([0.4, 0.4], scores=[0.7, 0.3])
    assert (e.tp, e.fp, e.fn, e.tn) == pytest.approx((0.4, 0.6, 0.4, 0.6))
    assert e.accuracy == pytest.approx(0.5)
    # row 1 above row 2 (.4 * .6), each row tied with itself (half of .4 * .6, twice), over
    # .8 * 1.2: equal probabilities cannot tell rows apart, whatever the scores say
    assert e.roc_auc == pytest.approx(0.48 / 0.96)
    alone = estimate_binary([0.4, 0.4])
    assert (alone.tp, alone.fn) == pytest.approx((0.0, 0.8))
    assert alone.roc_auc == pytest.approx(0.5)


# -- against scikit-learn -------------------------------------------------------------------


def weighted_rows(p: FloatArray) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """Each row twice: as a positive weighted p, as a negative weighted 1 - p."""
    y = np.concatenate([np.ones(len(p), dtype=np.int64), np.zeros(len(p), dtype=np.int64)])
    return y, np.concatenate([p, 1 - p])


@pytest.mark.parametrize("ties", [False, True])
def test_metrics_equal_scikit_learn_on_probability_weighted_labels(ties: bool) -> None:
    """The expected metrics are scikit-learn's metrics of a data set holding each row once
    as a positive with weight p and once as a negative with weight 1 - p."""
    rng = np.random.default_rng(3)
    p = rng.beta(2, 3, 400)
    scores = np.round(p + rng.normal(0, 0.1, 400), 1 if ties else 12)
    e = estimate_binary(p, scores=scores, threshold=0.45)
    y, w = weighted_rows(p)
    s = np.concatenate([scores, scores])
    yhat = (s >= 0.45).astype(np.int64)
    assert e.accuracy == pytest.approx(skm.accuracy_score(y, yhat, sample_weight=w))
    assert e.precision == pytest.approx(skm.precision_score(y, yhat, sample_weight=w))
    assert e.recall == pytest.approx(skm.recall_score(y, yhat, sample_weight=w))
    assert e.f1 == pytest.approx(skm.f1_score(y, yhat, sample_weight=w))
    assert e.roc_auc == pytest.approx(skm.roc_auc_score(y, s, sample_weight=w))
    tn, fp, fn, tp = skm.confusion_matrix(y, yhat, sample_weight=w).ravel()
    assert (e.tp, e.fp, e.tn, e.fn) == pytest.approx((tp, fp, tn, fn))


def test_roc_auc_equals_nannyml_algorithm_on_distinct_scores() -> None:
    """NannyML's estimate_roc_auc: cumulative expected TP/FP down the sorted scores."""
    rng = np.random.default_rng(4)
    p = rng.random(300)
    scores = rng.random(300)
    order = np.argsort(scores)[::-1]
    tps = np.r_[0, np.cumsum(p[order])]
    fps = np.r_[0, np.arange(1, len(p) + 1) - tps[1:]]
    nannyml = skm.auc(fps / fps[-1], tps / tps[-1])
    assert estimate_binary(p, scores=scores).roc_auc == pytest.approx(nannyml)


# -- undefined metrics and bad input --------------------------------------------------------


def test_undefined_metrics_are_none_never_nan() -> None:
    nothing_positive = estimate_binary([0.0, 0.0, 0.0])
    assert nothing_positive.accuracy == 1.0
    assert nothing_positive.precision is None
    assert nothing_positive.recall is None
    assert nothing_positive.f1 is None
    assert nothing_positive.roc_auc is None
    certain = estimate_binary([1.0, 1.0], scores=[0.9, 0.2])
    assert certain.precision == 1.0
    assert certain.recall == 0.5
    assert certain.roc_auc is None
    above_all = estimate_binary([0.3, 0.4], threshold=0.9)
    assert above_all.precision is None
    assert above_all.recall == 0.0
    assert above_all.f1 == 0.0
    for e in (nothing_positive, certain, above_all):
        json.dumps(e.as_dict(), allow_nan=False)


@pytest.mark.parametrize(
    ("proba", "kwargs", "message"),
    [
        ([], {}, "empty"),
        ([0.2, 1.3], {}, r"probabilities in \[0, 1\].*calibrate"),
        ([0.2, math.nan], {}, "1 missing or infinite"),
        ([[0.2, 0.3]], {}, "1-D"),
        ([0.2, 0.3], {"scores": [0.1]}, "scores has 1 rows but calibrated_proba has 2"),
        ([0.2, 0.3], {"threshold": math.nan}, "threshold nan is not a finite number"),
        (["a", "b"], {}, "must hold numbers"),
    ],
)
def test_bad_input_is_a_data_error(proba: object, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(DataError, match=message):
        estimate_binary(proba, **kwargs)  # type: ignore[arg-type]


def test_checks_report_each_metric_without_judging_it() -> None:
    checks = estimate_binary([0.1, 0.2], threshold=0.5).checks(7, role="challenger")
    assert [c.subject for c in checks] == list(ESTIMATED_METRICS)
    assert {(c.kind, c.method, c.threshold, c.status, c.version, c.role) for c in checks} == {
        ("estimate", "cbpe", None, "ok", 7, "challenger")
    }
    by_metric = {c.subject: c for c in checks}
    assert by_metric["accuracy"].value == pytest.approx(0.85)
    assert by_metric["precision"].value is None
    assert "no score is at or above the threshold 0.5" in by_metric["precision"].detail
    assert by_metric["accuracy"].detail == ""
    assert by_metric["accuracy"].extra["expected_fn"] == pytest.approx(0.3)
    assert by_metric["accuracy"].extra["rows"] == 2
    json.dumps([c.to_dict() for c in checks], allow_nan=False)


# -- calibration ----------------------------------------------------------------------------


# -- a simulated covariate shift ------------------------------------------------------------

#: The world: P(y = 1 | x) = sigmoid(B0 + B1 x), fixed; only the distribution of x moves.
B0, B1 = -0.5, 1.5
N = 20_000
#: How close the estimate must be to the realised metric (worst seen over 10 seeds: 0.016).
TOLERANCE = 0.02
REFERENCE = (0.0, 1.0)
#: (mean, sd) of x: concentrated on the boundary (hard), spread out (easy), moved and wider.
SHIFTS = [(0.0, 0.4), (0.0, 2.0), (0.5, 1.5)]


class World:
    """A model trained and calibrated on the reference period, and a way to draw new days."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        x, y = self.draw(*REFERENCE)
        # class weights make the scores too high: realistic, and calibration has work to do
        self.model = LogisticRegression(class_weight={0: 1, 1: 3}).fit(x, y)
        x_holdout, y_holdout = self.draw(*REFERENCE)
        self.calibration = fit_calibration(self.scores(x_holdout), y_holdout)

    def draw(self, mean: float, sd: float) -> tuple[FloatArray, npt.NDArray[np.int64]]:
        x = self.rng.normal(mean, sd, N)
        truth = 1 / (1 + np.exp(-(B0 + B1 * x)))
        return x[:, None], (self.rng.random(N) < truth).astype(np.int64)

    def scores(self, x: FloatArray) -> FloatArray:
        scores: FloatArray = self.model.predict_proba(x)[:, 1]
        return scores

    def day(self, mean: float, sd: float) -> tuple[dict[str, float], dict[str, float | None]]:
        """Realised accuracy and ROC AUC (scikit-learn, with the labels) and their estimates."""
        x, y = self.draw(mean, sd)
        scores = self.scores(x)
        realised = {
            "accuracy": float(skm.accuracy_score(y, scores >= 0.5)),
            "roc_auc": float(skm.roc_auc_score(y, scores)),
        }
        e = estimate_binary(self.calibration.calibrate(scores), scores=scores)
        return realised, {"accuracy": e.accuracy, "roc_auc": e.roc_auc}


@pytest.fixture(scope="module")
def world() -> World:
    return World(seed=0)


@pytest.mark.parametrize("shift", SHIFTS)
def test_estimate_follows_the_realised_metric_under_covariate_shift(
    world: World, shift: tuple[float, float]
) -> None:
    reference, _ = world.day(*REFERENCE)
    realised, estimated = world.day(*shift)
    for metric in ("accuracy", "roc_auc"):
        # the shift really moved the metric: carrying the reference value over would fail
        assert abs(realised[metric] - reference[metric]) > 3 * TOLERANCE, metric
        value = estimated[metric]
        assert value is not None
        assert value == pytest.approx(realised[metric], abs=TOLERANCE), metric


def test_estimate_on_reference_like_data_matches_reality(world: World) -> None:
    realised, estimated = world.day(*REFERENCE)
    assert estimated["accuracy"] == pytest.approx(realised["accuracy"], abs=TOLERANCE)
    assert estimated["roc_auc"] == pytest.approx(realised["roc_auc"], abs=TOLERANCE)


def test_without_calibration_the_estimate_is_wrong(world: World) -> None:
    """The class-weighted model's raw scores are not probabilities: CBPE needs calibration."""
    x, y = world.draw(*REFERENCE)
    scores = world.scores(x)
    raw = estimate_binary(scores)
    assert abs(raw.accuracy - float(skm.accuracy_score(y, scores >= 0.5))) > 3 * TOLERANCE
    assert world.calibration.helps


# -- multiclass -----------------------------------------------------------------------------

#: Three rows' calibrated probabilities (all positive: every class is expected somewhere).
MULTI_P = np.array([[0.7, 0.2, 0.1], [0.25, 0.5, 0.25], [0.1, 0.3, 0.6], [0.6, 0.3, 0.1]])
MULTI_PREDICTED = np.array([0, 1, 2, 1])


def test_multiclass_metrics_equal_scikit_learn_on_probability_weighted_labels() -> None:
    """Each row stands for k rows, one per true class, weighted by its probability: scikit-learn's
    weighted metrics on them are the metrics of the expected confusion matrix."""
    e = estimate_multiclass(MULTI_P, MULTI_PREDICTED)
    n, k = MULTI_P.shape
    truth = np.tile(np.arange(k), n)
    predicted = np.repeat(MULTI_PREDICTED, k)
    weight = MULTI_P.ravel()
    expected_confusion = skm.confusion_matrix(truth, predicted, sample_weight=weight)
    assert np.allclose(np.asarray(e.confusion), expected_confusion)
    assert e.accuracy == pytest.approx(skm.accuracy_score(truth, predicted, sample_weight=weight))
    for name, average in (("macro", "macro"), ("weighted", "weighted")):
        f1 = skm.f1_score(truth, predicted, sample_weight=weight, average=average)
        assert getattr(e, f"f1_{name}") == pytest.approx(f1), name
    assert e.precision_macro == pytest.approx(
        skm.precision_score(truth, predicted, sample_weight=weight, average="macro")
    )
    assert e.recall_macro == pytest.approx(
        skm.recall_score(truth, predicted, sample_weight=weight, average="macro")
    )


def test_the_expected_confusion_is_the_mean_of_confusions_drawn_from_the_probabilities() -> None:
    rng = np.random.default_rng(3)
    draws, (n, k) = 20_000, MULTI_P.shape
    labels = (rng.random((draws, n, 1)) > MULTI_P.cumsum(axis=1)[None]).sum(axis=2)
    # every draw's confusion matrix at once: cell (true, predicted) of each row, counted
    cells = labels * k + MULTI_PREDICTED[None, :]
    mean = np.bincount(cells.ravel(), minlength=k * k).reshape(k, k) / draws
    one = skm.confusion_matrix(labels[0], MULTI_PREDICTED, labels=[0, 1, 2])
    assert (np.bincount(cells[0], minlength=k * k).reshape(k, k) == one).all()
    found = np.asarray(estimate_multiclass(MULTI_P, MULTI_PREDICTED).confusion)
    assert np.allclose(found, mean, atol=0.02)


def test_a_never_predicted_class_counts_precision_zero_and_checks_are_reported() -> None:
    e = estimate_multiclass(MULTI_P, [0, 0, 0, 0])  # classes 1 and 2 never predicted
    assert e.precision_macro == pytest.approx((MULTI_P[:, 0].sum() / 4) / 3)
    checks = e.checks(version=4)
    assert [c.subject for c in checks] == list(MULTICLASS_ESTIMATED_METRICS)
    assert {(c.kind, c.method, c.status, c.threshold, c.version) for c in checks} == {
        ("estimate", "cbpe", "ok", None, 4)
    }
    assert checks[0].extra["expected_confusion"][0] == [MULTI_P[:, 0].sum(), 0.0, 0.0]


@pytest.mark.parametrize(
    ("proba", "predicted", "message"),
    [
        ([[0.5, 0.6]], [0], "rows must sum to 1"),
        ([[0.5, 0.5]], [2], "class indices 0..1"),
        ([[0.5, 0.5]], [0, 1], "predicted has 2 rows but calibrated_proba has 1"),
        ([0.5, 0.5], [0], "2-D array"),
        ([[1.5, -0.5]], [0], r"probabilities in \[0, 1\]"),
        (np.zeros((0, 3)), [], "empty"),
    ],
)
def test_bad_multiclass_input_is_a_data_error(proba: Any, predicted: Any, message: str) -> None:
    with pytest.raises(DataError, match=message):
        estimate_multiclass(proba, predicted)


class Classes:
    """Three classes whose odds move with x; a model whose raw probabilities are distorted (class
    weights), calibrated per class on a holdout; days drawn with x moved."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        x, y = self.draw(0.0, 1.0)
        weights = {0: 1.0, 1: 4.0, 2: 1.0}
        self.model = LogisticRegression(class_weight=weights).fit(x, y)
        x_holdout, y_holdout = self.draw(0.0, 1.0)
        self.calibrations = fit_class_calibrations(self.model.predict_proba(x_holdout), y_holdout)

    def draw(self, mean: float, sd: float) -> tuple[FloatArray, npt.NDArray[np.int64]]:
        x = self.rng.normal(mean, sd, N)
        logits = np.column_stack([-1.5 * x, np.zeros(N), 1.5 * x - 0.3])
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        y = (self.rng.random((N, 1)) > p.cumsum(axis=1)).sum(axis=1)
        return x[:, None], y.astype(np.int64)

    def day(self, mean: float, sd: float) -> tuple[dict[str, float], dict[str, float]]:
        x, y = self.draw(mean, sd)
        proba = self.model.predict_proba(x)
        predicted = proba.argmax(axis=1)
        realised = {
            "accuracy": float(skm.accuracy_score(y, predicted)),
            "f1_macro": float(skm.f1_score(y, predicted, average="macro")),
        }
        e = estimate_multiclass(self.calibrations.probabilities(proba), predicted)
        raw = estimate_multiclass(proba, predicted)
        return realised, {"accuracy": e.accuracy, "f1_macro": e.f1_macro, "raw": raw.accuracy}


@pytest.mark.parametrize("shift", [(0.0, 1.0), (1.0, 0.7), (-0.8, 1.5)])
def test_multiclass_estimate_follows_the_realised_metric_under_covariate_shift(
    shift: tuple[float, float],
) -> None:
    world = Classes(seed=1)
    realised, estimated = world.day(*shift)
    for metric in ("accuracy", "f1_macro"):
        assert estimated[metric] == pytest.approx(realised[metric], abs=TOLERANCE), metric
    # the class-weighted model's own probabilities would be wrong: calibration does the work
    assert abs(estimated["raw"] - realised["accuracy"]) > TOLERANCE
