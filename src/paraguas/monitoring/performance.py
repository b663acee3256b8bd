"""Performance metrics: what training reports on its holdout and monitoring reports each day.

Every function takes NumPy arrays and returns a ``dict`` of plain Python values (``int``,
``float`` or ``None``), ready for JSON. A metric that the data cannot define is ``None``,
never NaN. Definitions follow scikit-learn's so that numbers agree with what a data scientist
computes in a notebook; where scikit-learn would divide by zero, the docstring says what we
return instead. The computations are vectorised: one sort per call at most.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import numpy.typing as npt

from paraguas.errors import DataError, SpecError
from paraguas.monitoring import arrays
from paraguas.monitoring.arrays import EPS, PROBA_SUM_TOLERANCE, BoolArray, FloatArray
from paraguas.spec import LOWER_IS_BETTER, METRICS, TASKS, did_you_mean

__all__ = [
    "HIGHER_IS_BETTER",
    "LOWER_IS_BETTER",
    "MetricValue",
    "Metrics",
    "average_precision",
    "baseline_metrics",
    "binary_metrics",
    "confusion_metrics",
    "is_better",
    "multiclass_metrics",
    "regression_metrics",
    "roc_auc",
]

MetricValue = float | int | None
Metrics = dict[str, MetricValue]

#: Metrics where larger is better: every metric a spec may name that is not lower-is-better.
HIGHER_IS_BETTER: Final[frozenset[str]] = (
    frozenset(name for names in METRICS.values() for name in names) - LOWER_IS_BETTER
)


def binary_metrics(
    y_true: npt.ArrayLike, score: npt.ArrayLike, *, threshold: float = 0.5
) -> Metrics:
    """Metrics of a binary classifier: ``score`` is the probability of class 1.

    A row is predicted positive when ``score >= threshold`` (scikit-learn's
    ``FixedThresholdClassifier`` rule). Keys: ``n``, ``positive_rate`` (share of 1s in
    ``y_true``), ``accuracy``, ``precision``, ``recall``, ``f1``, ``roc_auc``, ``pr_auc``
    (average precision, scikit-learn's step-wise ``average_precision_score``), ``log_loss``,
    ``brier``, and the confusion counts ``tp``, ``fp``, ``tn``, ``fn``.

    Undefined metrics are ``None`` (scikit-learn warns and returns 0.0 instead):
    ``precision`` when nothing is predicted positive, ``recall`` and ``pr_auc`` when
    ``y_true`` has no 1s, ``f1`` when there is neither a positive row nor a positive
    prediction, ``roc_auc`` when ``y_true`` holds a single class. ``log_loss`` and ``brier``
    are always defined.

    >>> m = binary_metrics(np.array([0, 0, 1, 1]), np.array([0.1, 0.6, 0.4, 0.9]))
    >>> m["tp"], m["fp"], m["tn"], m["fn"], m["roc_auc"]
    (1, 1, 1, 1, 0.75)
    """
    positive = arrays.binary_target("y_true", y_true)
    scores = arrays.probabilities("score", score, len(positive))
    if not math.isfinite(threshold):
        raise DataError(f"threshold {threshold!r} is not a finite number; expected e.g. 0.5.")

    n = len(positive)
    predicted = scores >= threshold
    tp = int(np.count_nonzero(predicted & positive))
    predicted_positive = int(np.count_nonzero(predicted))
    actual_positive = int(np.count_nonzero(positive))
    fp = predicted_positive - tp
    fn = actual_positive - tp
    tn = n - tp - fp - fn

    clipped_pos = np.clip(scores, EPS, 1 - EPS)
    clipped_neg = np.clip(1 - scores, EPS, 1 - EPS)
    log_loss = -float(np.mean(np.where(positive, np.log(clipped_pos), np.log(clipped_neg))))
    auc, ap = _ranking_metrics(positive, scores)
    return {
        "n": n,
        "positive_rate": actual_positive / n,
        "accuracy": (tp + tn) / n,
        "precision": _ratio(tp, tp + fp),
        "recall": _ratio(tp, tp + fn),
        "f1": _ratio(2 * tp, 2 * tp + fp + fn),
        "roc_auc": auc,
        "pr_auc": ap,
        "log_loss": log_loss,
        "brier": float(np.mean((scores - positive) ** 2)),
        "tp": tp,
        "fp": fp,
        "tn": tn,
        "fn": fn,
    }


def roc_auc(y_true: npt.ArrayLike, score: npt.ArrayLike) -> float | None:
    """Area under the ROC curve, ties counted half (Mann-Whitney U / (n_pos * n_neg)).

    Any real-valued score works (not only probabilities). ``None`` when ``y_true`` holds a
    single class.

    >>> roc_auc(np.array([0, 1, 0, 1]), np.array([0.2, 0.2, 0.1, 0.9]))
    0.875
    """
    positive = arrays.binary_target("y_true", y_true)
    return _ranking_metrics(positive, arrays.finite("score", score, len(positive)))[0]


def average_precision(y_true: npt.ArrayLike, score: npt.ArrayLike) -> float | None:
    """Average precision, ``sum((R_i - R_{i-1}) * P_i)`` over distinct score thresholds.

    The step-wise definition of scikit-learn's ``average_precision_score`` (no interpolation).
    ``None`` when ``y_true`` has no 1s.
    """
    positive = arrays.binary_target("y_true", y_true)
    return _ranking_metrics(positive, arrays.finite("score", score, len(positive)))[1]


def multiclass_metrics(y_true: npt.ArrayLike, proba: npt.ArrayLike) -> Metrics:
    """Metrics of a multiclass classifier; ``proba[:, j]`` is the probability of class ``j``.

    ``y_true`` holds class indices ``0..k-1`` (columns of ``proba``); the prediction is the
    most probable class (the first on a tie, like ``argmax``). Keys: ``n``, ``accuracy``,
    ``f1_macro``, ``f1_weighted``, ``precision_macro``, ``recall_macro``, ``log_loss``.

    Averages run over the classes present in ``y_true`` or in the predictions, as in
    scikit-learn. A class that is never predicted has precision 0, and a predicted class that
    is absent from ``y_true`` has recall 0: scikit-learn's default ``zero_division``, without
    its warning, so that a model which ignores a class is not flattered by leaving it out.
    """
    probabilities = np.asarray(proba, dtype=np.float64)
    if probabilities.ndim != 2 or probabilities.shape[1] < 2:
        raise DataError(
            f"proba must be a 2-D array with one column per class (at least 2); "
            f"got shape {probabilities.shape}."
        )
    n, k = probabilities.shape
    labels = arrays.class_indices("y_true", y_true, k)
    arrays.check_length("proba", n, len(labels))
    arrays.check_probabilities("proba", probabilities)
    row_sums = probabilities.sum(axis=1)
    off = np.flatnonzero(np.abs(row_sums - 1) > PROBA_SUM_TOLERANCE)
    if len(off):
        raise DataError(
            f"proba rows must sum to 1; row {int(off[0])} sums to {float(row_sums[off[0]])!r} "
            f"({len(off)} rows off). Pass predict_proba's output, not scores."
        )

    predicted = np.argmax(probabilities, axis=1)
    confusion = np.bincount(labels * k + predicted, minlength=k * k).reshape(k, k)
    clipped = np.clip(probabilities[np.arange(n), labels], EPS, 1 - EPS)
    return {
        "n": n,
        **confusion_metrics(confusion),
        "log_loss": -float(np.mean(np.log(clipped))),
    }


def confusion_metrics(confusion: npt.ArrayLike) -> dict[str, float]:
    """``accuracy``, ``f1_macro``, ``f1_weighted``, ``precision_macro`` and ``recall_macro`` of
    a (true class, predicted class) matrix of counts, which may be fractional (expected counts).

    Averages run over the classes present in the truth or the predictions, as in scikit-learn;
    a class never predicted has precision 0, a predicted class never true has recall 0.

    >>> confusion_metrics([[2, 1], [0, 1]])["precision_macro"]
    0.75
    """
    matrix = np.asarray(confusion, dtype=np.float64)
    k, n = matrix.shape[0], float(matrix.sum())
    tp = np.diag(matrix)
    support = matrix.sum(axis=1)
    predicted_count = matrix.sum(axis=0)
    present = (support + predicted_count) > 0
    precision = np.divide(tp, predicted_count, out=np.zeros(k), where=predicted_count > 0)
    recall = np.divide(tp, support, out=np.zeros(k), where=support > 0)
    f1 = np.divide(2 * tp, support + predicted_count, out=np.zeros(k), where=present)
    return {
        "accuracy": float(tp.sum() / n),
        "f1_macro": float(f1[present].mean()),
        "f1_weighted": float(np.sum(f1 * support) / n),
        "precision_macro": float(precision[present].mean()),
        "recall_macro": float(recall[present].mean()),
    }


def regression_metrics(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> Metrics:
    """Metrics of a regressor. Keys: ``n``, ``rmse``, ``mae``, ``r2``, ``mape``, ``median_ae``.

    ``mape`` is scikit-learn's ``mean_absolute_percentage_error``: a fraction (0.1 is 10 %),
    and zero targets are not skipped but divided by ``max(|y|, eps)``, which makes the value
    huge; prefer ``mae`` for targets that can be 0. ``r2`` is ``None`` when ``y_true`` is
    constant (scikit-learn substitutes 1.0 or 0.0 there).
    """
    target = arrays.finite("y_true", y_true)
    prediction = arrays.finite("y_pred", y_pred, len(target))
    error = prediction - target
    absolute = np.abs(error)
    squared = float(np.sum(error**2))
    total = float(np.sum((target - np.mean(target)) ** 2))
    return {
        "n": len(target),
        "rmse": math.sqrt(squared / len(target)),
        "mae": float(np.mean(absolute)),
        "r2": 1 - squared / total if total != 0 else None,
        "mape": float(np.mean(absolute / np.maximum(np.abs(target), EPS))),
        "median_ae": float(np.median(absolute)),
    }


def baseline_metrics(task: str, y_train: npt.ArrayLike, y_eval: npt.ArrayLike) -> Metrics:
    """The metrics of the naive model that ignores the features, on ``y_eval``.

    Classification: always predict the training majority class (on a tie, class 1 for
    binary, as ``score >= 0.5`` does; the lowest index for multiclass, as ``argmax`` does), with
    the training class frequencies as probabilities. Regression: always predict the training
    mean. A model that does not beat this has learnt nothing.
    """
    if task == "binary":
        train = arrays.binary_target("y_train", y_train)
        evaluated = arrays.binary_target("y_eval", y_eval)
        score = np.full(len(evaluated), np.count_nonzero(train) / len(train))
        return binary_metrics(evaluated, score)
    if task == "multiclass":
        train_labels = arrays.class_indices("y_train", y_train, None)
        eval_labels = arrays.class_indices("y_eval", y_eval, None)
        k = max(2, int(train_labels.max()) + 1, int(eval_labels.max()) + 1)
        frequency = np.bincount(train_labels, minlength=k) / len(train_labels)
        return multiclass_metrics(eval_labels, np.broadcast_to(frequency, (len(eval_labels), k)))
    if task == "regression":
        mean = float(np.mean(arrays.finite("y_train", y_train)))
        evaluated_target = arrays.finite("y_eval", y_eval)
        return regression_metrics(evaluated_target, np.full(len(evaluated_target), mean))
    raise SpecError(
        f"task {task!r} is not known; expected one of {', '.join(TASKS)}."
        + did_you_mean(task, TASKS)
    )


def is_better(metric: str, value: float | None, other: float | None) -> bool:
    """Whether ``value`` is strictly better than ``other`` for ``metric``.

    Lower is better for ``log_loss``, ``brier``, ``rmse``, ``mae``, ``mape`` and ``median_ae``;
    higher for the other metrics a spec may name. A defined value beats an undefined one
    (``None``); an undefined value beats nothing. Counts such as ``n`` or ``tp`` have no better
    direction and raise :class:`~paraguas.errors.SpecError`.

    >>> is_better("rmse", 1.0, 2.0), is_better("f1", 0.5, None), is_better("f1", None, 0.5)
    (True, True, False)
    """
    if metric in LOWER_IS_BETTER:
        lower = True
    elif metric in HIGHER_IS_BETTER:
        lower = False
    else:
        known = sorted(LOWER_IS_BETTER | HIGHER_IS_BETTER)
        raise SpecError(
            f"metric {metric!r} cannot be compared; expected one of {', '.join(known)}."
            + did_you_mean(metric, known)
        )
    if value is None or math.isnan(value):
        return False
    if other is None or math.isnan(other):
        return True
    return value < other if lower else value > other


# -- ranking --------------------------------------------------------------------------------


def _ranking_metrics(positive: BoolArray, scores: FloatArray) -> tuple[float | None, float | None]:
    """ROC AUC and average precision from one sort of the scores, ties grouped exactly."""
    n = len(positive)
    n_pos = int(np.count_nonzero(positive))
    n_neg = n - n_pos
    if n_pos == 0:
        return None, None
    order = np.argsort(scores)
    sorted_scores = scores[order]
    starts = np.concatenate(([0], np.flatnonzero(sorted_scores[1:] != sorted_scores[:-1]) + 1))
    # Per group of equal scores (ascending): positives, rows, and negatives below the group.
    pos = np.add.reduceat(positive[order].astype(np.int64), starts)
    size = np.diff(np.append(starts, n))
    neg = size - pos
    neg_below = np.cumsum(neg) - neg

    auc = None
    if n_neg > 0:
        # Each positive beats the negatives below its group and ties half of those in it.
        twice_u = 2 * int(np.sum(pos * neg_below)) + int(np.sum(pos * neg))
        auc = twice_u / (2 * n_pos * n_neg)

    # Thresholds descending: precision at each, weighted by the recall it adds.
    pos_desc = pos[::-1]
    precision = np.cumsum(pos_desc) / np.cumsum(size[::-1])
    ap = float(np.sum(pos_desc * precision) / n_pos)
    return auc, ap


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None
