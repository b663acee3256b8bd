"""Performance without labels: confidence-based performance estimation (CBPE, after NannyML).

A binary classifier's calibrated probability says how likely each prediction is to be right:
a row predicted positive with probability 0.9 is a true positive nine times in ten. Summed over
a window, these probabilities give the *expected* confusion matrix, and from it the expected
accuracy, precision, recall, F1 and ROC AUC, days or months before the labels arrive.

The estimate is right when the probabilities are calibrated on the new data. Scores are
calibrated once, at training, on the holdout (:mod:`paraguas.monitoring.calibration`: isotonic
regression, stored as JSON and applied without scikit-learn). The estimate then survives covariate shift,
a change of P(x) with P(y | x) unchanged, which is the shift that changes performance most
often; it cannot see concept drift (P(y | x) changing) nor be trusted for inputs far outside
the holdout's score range. See NannyML's "Confidence-based Performance Estimation" page.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from paraguas.errors import DataError
from paraguas.monitoring import arrays
from paraguas.monitoring.arrays import PROBA_SUM_TOLERANCE, FloatArray
from paraguas.monitoring.calibration import CALIBRATED as _CALIBRATED
from paraguas.monitoring.performance import confusion_metrics
from paraguas.monitoring.results import Check

__all__ = [
    "ESTIMATED_METRICS",
    "MULTICLASS_ESTIMATED_METRICS",
    "Estimate",
    "MulticlassEstimate",
    "estimate_binary",
    "estimate_multiclass",
]

#: The metrics :meth:`Estimate.checks` stores, named as the measured ones are.
ESTIMATED_METRICS: Final = ("accuracy", "precision", "recall", "f1", "roc_auc")
#: The metrics :meth:`MulticlassEstimate.checks` stores, named as the measured ones are.
MULTICLASS_ESTIMATED_METRICS: Final = (
    "accuracy",
    "precision_macro",
    "recall_macro",
    "f1_macro",
    "f1_weighted",
)


@dataclass(frozen=True)
class Estimate:
    """Expected performance of a binary classifier over ``rows`` predictions, without labels.

    ``tp``, ``fp``, ``tn``, ``fn``: the expected confusion counts (fractional). ``accuracy``,
    ``precision``, ``recall``, ``f1``, ``roc_auc``: the metrics of those counts, ``None`` where
    undefined (no predicted positive for precision, no expected positive for recall,
    neither for F1, a single expected class for ROC AUC). ``positive_rate``: the expected share
    of positive labels. ``threshold``: the score at or above which the model predicts 1.
    """

    rows: int
    threshold: float
    positive_rate: float
    tp: float
    fp: float
    tn: float
    fn: float
    accuracy: float
    precision: float | None
    recall: float | None
    f1: float | None
    roc_auc: float | None
    notes: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, float | int | None]:
        """The estimate keyed as :func:`~paraguas.monitoring.binary_metrics` keys the measured
        metrics (``n`` for ``rows``), for side-by-side comparison."""
        return {
            "n": self.rows,
            "positive_rate": self.positive_rate,
            "accuracy": self.accuracy,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "roc_auc": self.roc_auc,
            "tp": self.tp,
            "fp": self.fp,
            "tn": self.tn,
            "fn": self.fn,
        }

    def checks(self, version: int, role: str = "champion") -> list[Check]:
        """One ``estimate`` check per metric of ``ESTIMATED_METRICS``: reported, never judged
        (no threshold, status ``ok``); an undefined metric has value ``None`` and says why."""
        extra = {
            "rows": self.rows,
            "decision_threshold": self.threshold,
            "expected_positive_rate": self.positive_rate,
            "expected_tp": self.tp,
            "expected_fp": self.fp,
            "expected_tn": self.tn,
            "expected_fn": self.fn,
        }
        values = self.as_dict()
        return _checks(ESTIMATED_METRICS, values, extra, self.notes, version, role)


def estimate_binary(
    calibrated_proba: npt.ArrayLike,
    *,
    scores: npt.ArrayLike | None = None,
    threshold: float = 0.5,
) -> Estimate:
    """The expected confusion matrix and metrics of a binary classifier (NannyML's CBPE).

    ``calibrated_proba`` holds ``p_j``, the calibrated probability that row ``j`` is positive;
    ``scores`` the model's own scores ``s_j``, from which it decides and ranks (its raw
    ``predict_proba``; by default ``p`` itself, for a model that is calibrated already). The
    model predicts ``yhat_j = 1`` when ``s_j >= threshold``: the decision being estimated is
    the model's, not one taken on the calibrated probabilities. Then, with ``n`` rows::

        TP = sum(p_j : yhat_j = 1)        FP = sum(1 - p_j : yhat_j = 1)
        FN = sum(p_j : yhat_j = 0)        TN = sum(1 - p_j : yhat_j = 0)
        accuracy  = (TP + TN) / n         precision = TP / (TP + FP)
        recall    = TP / (TP + FN)        F1 = 2 TP / (2 TP + FP + FN)

    ROC AUC is the area under the expected ROC curve: at each distinct score ``t`` (taken
    descending) the expected ``TPR(t) = sum(p_j : s_j >= t) / sum(p)`` and
    ``FPR(t) = sum(1 - p_j : s_j >= t) / sum(1 - p)``, joined by straight lines. Equivalently,
    with rows of equal score grouped as scikit-learn's ``roc_curve`` groups them::

        AUC = sum over pairs (i, j) of p_i (1 - p_j) * ([s_i > s_j] + [s_i = s_j] / 2)
              / (sum(p) * sum(1 - p))

    NannyML sorts rows without grouping ties, so its value depends on the order of tied
    rows; the two agree when scores are distinct.

    The counts and accuracy are exact expectations when ``p`` is right; the ratios are
    ratios of expectations, close to the expected ratio on a window of hundreds of rows.

    >>> e = estimate_binary([0.9, 0.6, 0.2, 0.2])
    >>> e.tp, e.fp, e.fn, e.tn, e.accuracy, e.precision
    (1.5, 0.5, 0.4, 1.6, 0.775, 0.75)
    """
    p = arrays.probabilities("calibrated_proba", calibrated_proba, hint=_CALIBRATED)
    s = p if scores is None else arrays.finite("scores", scores, len(p), against="calibrated_proba")
    if not math.isfinite(threshold):
        raise DataError(f"threshold {threshold!r} is not a finite number; expected e.g. 0.5.")

    predicted = s >= threshold
    tp = float(np.sum(p[predicted]))
    fp = float(np.sum(1 - p[predicted]))
    fn = float(np.sum(p[~predicted]))
    tn = float(np.sum(1 - p[~predicted]))
    n = len(p)
    notes: dict[str, str] = {}
    predicted_positive = int(np.count_nonzero(predicted))
    if predicted_positive == 0:
        notes["precision"] = f"undefined: no score is at or above the threshold {threshold:g}"
    if tp + fn == 0:
        notes["recall"] = "undefined: every calibrated probability is 0 (no expected positive)"
    if 2 * tp + fp + fn == 0:
        notes["f1"] = "undefined: no expected positive and no predicted positive"
    auc = _expected_auc(p, s)
    if auc is None:
        notes["roc_auc"] = "undefined: the calibrated probabilities expect a single class"
    return Estimate(
        rows=n,
        threshold=float(threshold),
        positive_rate=float(np.mean(p)),
        tp=tp,
        fp=fp,
        tn=tn,
        fn=fn,
        accuracy=(tp + tn) / n,
        precision=tp / predicted_positive if predicted_positive else None,
        recall=tp / (tp + fn) if tp + fn > 0 else None,
        f1=2 * tp / (2 * tp + fp + fn) if 2 * tp + fp + fn > 0 else None,
        roc_auc=auc,
        notes=notes,
    )


@dataclass(frozen=True)
class MulticlassEstimate:
    """Expected performance of a multiclass classifier over ``rows`` predictions, without labels.

    ``confusion[t][p]``: the expected number of rows of true class ``t`` the model predicted as
    ``p`` (classes in the order of its ``predict_proba`` columns). The metrics are those of
    :func:`~paraguas.monitoring.multiclass_metrics` computed on that matrix: averages over the
    classes expected in the truth or predicted, a never-predicted class counting precision 0.
    """

    rows: int
    confusion: tuple[tuple[float, ...], ...]
    accuracy: float
    precision_macro: float
    recall_macro: float
    f1_macro: float
    f1_weighted: float

    def as_dict(self) -> dict[str, float | int | None]:
        """The estimate keyed as the measured metrics are (``n`` for ``rows``)."""
        return {
            "n": self.rows,
            "accuracy": self.accuracy,
            "precision_macro": self.precision_macro,
            "recall_macro": self.recall_macro,
            "f1_macro": self.f1_macro,
            "f1_weighted": self.f1_weighted,
        }

    def checks(self, version: int, role: str = "champion") -> list[Check]:
        """One ``estimate`` check per metric of ``MULTICLASS_ESTIMATED_METRICS``, reported and
        never judged, the expected confusion matrix beside them."""
        extra = {"rows": self.rows, "expected_confusion": [list(row) for row in self.confusion]}
        return _checks(MULTICLASS_ESTIMATED_METRICS, self.as_dict(), extra, {}, version, role)


def estimate_multiclass(
    calibrated_proba: npt.ArrayLike, predicted: npt.ArrayLike
) -> MulticlassEstimate:
    """The expected confusion matrix and metrics of a multiclass classifier (CBPE).

    ``calibrated_proba[j, c]`` is the calibrated probability that row ``j`` is of class ``c``
    (rows summing to 1, e.g. :meth:`ClassCalibrations.probabilities
    <paraguas.monitoring.calibration.ClassCalibrations.probabilities>`); ``predicted[j]`` the
    class the model chose (the argmax of its own ``predict_proba``). The expected confusion
    matrix is ``C[t, p] = sum(calibrated_proba[j, t] : predicted[j] = p)``, an exact expectation
    when the probabilities are right; accuracy is its trace over ``n``.

    >>> e = estimate_multiclass([[0.8, 0.2, 0.0], [0.5, 0.5, 0.0], [0.1, 0.3, 0.6]], [0, 1, 2])
    >>> round(e.accuracy, 4), e.confusion[0]
    (0.6333, (0.8, 0.5, 0.1))
    """
    matrix = np.asarray(calibrated_proba, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[1] < 2:
        raise DataError(
            f"calibrated_proba must be a 2-D array with one column per class (at least 2); "
            f"got shape {matrix.shape}."
        )
    n, k = matrix.shape
    if n == 0:
        raise DataError("calibrated_proba is empty; an estimate needs at least one row.")
    arrays.check_probabilities("calibrated_proba", matrix.ravel(), hint=_CALIBRATED)
    sums = matrix.sum(axis=1)
    off = np.flatnonzero(np.abs(sums - 1) > PROBA_SUM_TOLERANCE)
    if len(off):
        raise DataError(
            f"calibrated_proba rows must sum to 1; row {int(off[0])} sums to "
            f"{float(sums[off[0]])!r}. " + _CALIBRATED
        )
    chosen = arrays.class_indices("predicted", predicted, k)
    arrays.check_length("predicted", len(chosen), n, against="calibrated_proba")
    # C[t, p]: the probability mass of each true class t over the rows predicted p
    confusion = matrix.T @ np.eye(k)[chosen]
    metrics = confusion_metrics(confusion)
    return MulticlassEstimate(
        rows=n,
        confusion=tuple(tuple(float(v) for v in row) for row in confusion),
        accuracy=metrics["accuracy"],
        precision_macro=metrics["precision_macro"],
        recall_macro=metrics["recall_macro"],
        f1_macro=metrics["f1_macro"],
        f1_weighted=metrics["f1_weighted"],
    )


def _checks(
    metrics: tuple[str, ...],
    values: Mapping[str, float | int | None],
    extra: Mapping[str, Any],
    notes: Mapping[str, str],
    version: int,
    role: str,
) -> list[Check]:
    return [
        Check(
            kind="estimate",
            subject=metric,
            method="cbpe",
            value=_as_float(values[metric]),
            threshold=None,
            status="ok",
            version=version,
            role=role,
            detail=notes.get(metric, ""),
            extra=dict(extra),
        )
        for metric in metrics
    ]


# -- computations ---------------------------------------------------------------------------


def _expected_auc(p: FloatArray, s: FloatArray) -> float | None:
    """Area under the expected ROC curve, rows of equal score grouped (see estimate_binary)."""
    total_pos = float(np.sum(p))
    total_neg = float(np.sum(1 - p))
    if total_pos <= 0 or total_neg <= 0:
        return None
    order = np.argsort(s, kind="stable")
    sorted_scores = s[order]
    starts = np.concatenate(([0], np.flatnonzero(sorted_scores[1:] != sorted_scores[:-1]) + 1))
    pos = np.add.reduceat(p[order], starts)
    neg = np.add.reduceat(1 - p[order], starts)
    neg_below = np.cumsum(neg) - neg
    # Each group's expected positives beat the expected negatives below it and tie half its own.
    auc = float(np.sum(pos * (neg_below + neg / 2)) / (total_pos * total_neg))
    return min(max(auc, 0.0), 1.0)


def _as_float(value: float | int | None) -> float | None:
    return None if value is None else float(value)
