"""Calibration of scores at training (isotonic, stored as JSON, applied with NumPy): checked
against scikit-learn's IsotonicRegression and calibration_curve, and validated when read back."""

from __future__ import annotations

import doctest
import json
import math
import subprocess
import sys

import numpy as np
import pytest
from sklearn.calibration import calibration_curve
from sklearn.isotonic import IsotonicRegression

from paraguas.errors import DataError
from paraguas.monitoring import calibration as calibration_module
from paraguas.monitoring.calibration import (
    Calibration,
    ClassCalibrations,
    expected_calibration_error,
    fit_calibration,
    fit_class_calibrations,
)


def test_doctests() -> None:
    assert doctest.testmod(calibration_module).failed == 0


def test_importing_the_module_does_not_load_scikit_learn() -> None:
    code = "import sys, paraguas.monitoring.calibration; print('sklearn' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_calibrate_equals_scikit_learn_predict() -> None:
    rng = np.random.default_rng(5)
    scores = np.round(rng.random(2000), 3)  # ties included
    labels = (rng.random(2000) < scores**2).astype(np.int64)
    model = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1).fit(scores, labels)
    calibration = fit_calibration(scores, labels)
    new = np.concatenate([rng.random(500) * 1.4 - 0.2, scores[:50]])  # beyond both ends too
    np.testing.assert_allclose(calibration.calibrate(new), model.predict(new), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(calibration.x, model.X_thresholds_)
    np.testing.assert_array_equal(calibration.y, model.y_thresholds_)


def test_calibration_round_trips_through_json() -> None:
    rng = np.random.default_rng(6)
    scores = rng.random(300)
    calibration = fit_calibration(scores, (rng.random(300) < scores).astype(np.int64))
    stored = json.loads(json.dumps(calibration.to_dict(), allow_nan=False))
    assert Calibration.from_dict(stored) == calibration


def test_calibration_reports_how_far_off_the_raw_scores_were() -> None:
    rng = np.random.default_rng(8)
    truth = rng.random(6000)
    labels = (rng.random(6000) < truth).astype(np.int64)
    overconfident = truth**3  # says 0.125 where the truth is 0.5
    calibration = fit_calibration(overconfident, labels)
    assert calibration.rows == 6000
    assert calibration.positive_rate == pytest.approx(labels.mean())
    assert calibration.ece_before is not None and calibration.ece_before > 0.15
    assert calibration.ece_after is not None and calibration.ece_after < 0.03
    assert calibration.brier_before is not None and calibration.brier_after is not None
    assert calibration.brier_after < calibration.brier_before
    assert calibration.brier_before == pytest.approx(np.mean((overconfident - labels) ** 2))
    assert calibration.helps
    np.testing.assert_allclose(
        calibration.probabilities(overconfident), calibration.calibrate(overconfident)
    )


def test_scores_that_are_not_probabilities_are_calibrated_and_have_no_before() -> None:
    rng = np.random.default_rng(9)
    logit = rng.normal(0, 2, 1000)
    labels = (rng.random(1000) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    calibration = fit_calibration(logit, labels)
    assert calibration.ece_before is None and calibration.brier_before is None
    assert calibration.ece_after is not None
    assert calibration.helps
    assert 0 <= calibration.calibrate(logit).min() <= calibration.calibrate(logit).max() <= 1


def test_calibrated_scores_are_left_alone_when_calibration_does_not_help() -> None:
    c = Calibration(x=(0.0, 1.0), y=(0.0, 1.0), rows=10, positive_rate=0.5, ece_before=0.01)
    assert not c.helps  # no out-of-fold error to show calibration helps
    c = Calibration(
        x=(0.0, 1.0), y=(0.2, 0.8), rows=10, positive_rate=0.5, ece_before=0.01, ece_after=0.05
    )
    assert not c.helps
    np.testing.assert_array_equal(c.probabilities([0.0, 0.5]), [0.0, 0.5])
    with pytest.raises(DataError, match=r"probabilities in \[0, 1\]"):
        c.probabilities([2.0])


def test_too_few_rows_per_class_leave_the_after_errors_unknown() -> None:
    calibration = fit_calibration([0.1, 0.2, 0.3, 0.8], [0, 1, 0, 1])
    assert calibration.ece_after is None and calibration.brier_after is None
    # by hand: ((.1)^2 + (.8)^2 + (.3)^2 + (.2)^2) / 4
    assert calibration.brier_before == pytest.approx(0.195)


def test_expected_calibration_error_agrees_with_scikit_learn_calibration_curve() -> None:
    rng = np.random.default_rng(10)
    p = rng.random(5000)
    y = (rng.random(5000) < p**1.5).astype(np.int64)
    prob_true, prob_pred = calibration_curve(y, p, n_bins=10, strategy="uniform")
    counts = np.histogram(p, bins=np.linspace(0, 1, 11))[0]
    counts = counts[counts > 0]
    expected = float(np.sum(counts / len(p) * np.abs(prob_true - prob_pred)))
    assert expected_calibration_error(y, p) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("scores", "labels", "message"),
    [
        ([0.1, 0.2], [1, 1], "labels hold only class 1"),
        ([0.1, 0.2], [0, 2], "found 2"),
        ([0.1, 0.2], [0, 1, 1], "as long as the scores"),
        ([0.1, math.inf], [0, 1], "missing or infinite"),
        ([], [], "empty"),
    ],
)
def test_bad_calibration_input_is_a_data_error(
    scores: list[float], labels: list[int], message: str
) -> None:
    with pytest.raises(DataError, match=message):
        fit_calibration(scores, labels)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"format": 2, "x": [0.0], "y": [0.0]}, "format 2 is not supported"),
        ([1, 2], "format 'list' is not supported"),
        (
            {"format": 1, "x": [0.0, 1.0], "y": [0.5], "rows": 2, "positive_rate": 0.5},
            "as many scores as probabilities",
        ),
        (
            {"format": 1, "x": [1.0, 0.0], "y": [0.0, 1.0], "rows": 2, "positive_rate": 0.5},
            "increasing scores",
        ),
        (
            {"format": 1, "x": [0.0, 1.0], "y": [0.0, 1.5], "rows": 2, "positive_rate": 0.5},
            r"lie in \[0, 1\]",
        ),
        ({"format": 1, "x": [0.0], "y": [0.0]}, "not valid"),
    ],
)
def test_a_stored_calibration_is_validated(data: object, message: str) -> None:
    with pytest.raises(DataError, match=message):
        Calibration.from_dict(data)  # type: ignore[arg-type]


def test_a_multiclass_model_is_calibrated_one_class_against_the_rest() -> None:
    rng = np.random.default_rng(5)
    proba = rng.dirichlet([2.0, 1.0, 1.0], 600)
    labels = (rng.random((600, 1)) > proba.cumsum(axis=1)).sum(axis=1)
    found = fit_class_calibrations(proba, labels)
    for c, each in enumerate(found.per_class):
        alone = fit_calibration(proba[:, c], (labels == c).astype(int))
        assert each == alone  # the same map as the class against the rest
    calibrated = found.probabilities(proba)
    assert calibrated.shape == proba.shape
    assert np.allclose(calibrated.sum(axis=1), 1.0)
    by_hand = np.column_stack(
        [each.probabilities(proba[:, c]) for c, each in enumerate(found.per_class)]
    )
    by_hand /= by_hand.sum(axis=1, keepdims=True)
    assert np.allclose(calibrated, by_hand)
    back = ClassCalibrations.from_dict(json.loads(json.dumps(found.to_dict())))
    assert back == found


def test_a_row_every_map_sends_to_zero_keeps_the_model_s_probabilities() -> None:
    zero = Calibration(x=(0.5, 1.0), y=(0.0, 1.0), rows=4, positive_rate=0.5)
    found = ClassCalibrations((zero, zero)).probabilities([[0.5, 0.5], [0.2, 0.8]])
    assert found[0].tolist() == [0.5, 0.5]  # both calibrate to 0: the row is kept as scored
    assert found[1].tolist() == pytest.approx([0.0, 1.0])


@pytest.mark.parametrize(
    ("proba", "labels", "message"),
    [
        ([[0.5, 0.5], [0.4, 0.6]], [0, 0], "class 0 is in every row"),
        ([0.5, 0.5], [0, 1], "2-D array"),
        ([[0.5, 0.5], [0.4, 0.6]], [0, 2], "class indices 0..1"),
        ([[0.5, 0.5], [0.4, 0.6]], [0, 1, 1], "labels has 3 rows but proba has 2"),
    ],
)
def test_bad_multiclass_calibration_input_is_a_data_error(
    proba: object, labels: object, message: str
) -> None:
    with pytest.raises(DataError, match=message):
        fit_class_calibrations(proba, labels)  # type: ignore[arg-type]


def test_stored_class_calibrations_are_validated() -> None:
    with pytest.raises(DataError, match="not supported"):
        ClassCalibrations.from_dict({"format": 1, "per_class": []})
    with pytest.raises(DataError, match="one column per calibrated class"):
        one = Calibration(x=(0.0, 1.0), y=(0.0, 1.0), rows=2, positive_rate=0.5)
        ClassCalibrations((one, one)).probabilities([[0.2, 0.3, 0.5]])
