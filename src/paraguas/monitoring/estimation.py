"""Performance without labels: confidence-based performance estimation (CBPE, after NannyML).

A binary classifier's calibrated probability says how likely each prediction is to be right:
a row predicted positive with probability 0.9 is a true positive nine times in ten. Summed over
a window, these probabilities give the *expected* confusion matrix, and from it the expected
accuracy, precision, recall, F1 and ROC AUC, days or months before the labels arrive.

The estimate is right when the probabilities are calibrated on the new data. Scores are
calibrated once, at training, on the holdout (:func:`fit_calibration`: isotonic regression,
stored as JSON and applied without scikit-learn). The estimate then survives covariate shift,
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
from paraguas.monitoring.arrays import BoolArray, FloatArray
from paraguas.monitoring.results import Check

__all__ = [
    "CALIBRATION_BINS",
    "CALIBRATION_FOLDS",
    "ESTIMATED_METRICS",
    "Calibration",
    "Estimate",
    "estimate_binary",
    "expected_calibration_error",
    "fit_calibration",
]

# What estimates take: calibrated probabilities, not raw model scores.
_CALIBRATED: Final = "Pass Calibration.calibrate(scores), not raw scores."

#: Equal-width bins of the expected calibration error (scikit-learn's ``calibration_curve``).
CALIBRATION_BINS: Final = 10
#: Stratified folds over which the calibrated error is measured out of fold.
CALIBRATION_FOLDS: Final = 3
#: The metrics :meth:`Estimate.checks` stores, named as the measured ones are.
ESTIMATED_METRICS: Final = ("accuracy", "precision", "recall", "f1", "roc_auc")
#: Bumped when the stored form of a :class:`Calibration` changes.
CALIBRATION_FORMAT: Final = 1


@dataclass(frozen=True)
class Calibration:
    """A monotone map from a model's scores to calibrated probabilities, fitted on a holdout.

    The map is scikit-learn's isotonic regression, kept as its thresholds: ``x`` (ascending
    scores) and ``y`` (the probabilities there), linearly interpolated between them and held
    constant beyond the ends. It is stored with :meth:`to_dict` and applied by
    :meth:`calibrate` with NumPy alone.

    How calibrated the raw scores already were, on the ``rows`` holdout rows: ``brier_before``
    and ``ece_before`` (``None`` when the scores are not probabilities), against
    ``brier_after`` and ``ece_after``, measured out of fold (each fold calibrated by a map
    fitted on the others, ``CALIBRATION_FOLDS`` folds stratified by label), since in-sample
    isotonic regression always looks better than it will be. ``None`` when a class has fewer
    rows than folds.
    """

    x: tuple[float, ...]
    y: tuple[float, ...]
    rows: int
    positive_rate: float
    brier_before: float | None = None
    brier_after: float | None = None
    ece_before: float | None = None
    ece_after: float | None = None

    def __post_init__(self) -> None:
        _check_thresholds(self.x, self.y)

    @property
    def helps(self) -> bool:
        """Whether calibrated probabilities are closer to the truth than the raw scores.

        NannyML's rule: calibrate when the out-of-fold expected calibration error is lower
        than the raw scores' own. Scores that are not probabilities always need it.
        """
        if self.ece_before is None:
            return True
        return self.ece_after is not None and self.ece_after < self.ece_before

    def calibrate(self, scores: npt.ArrayLike) -> FloatArray:
        """The calibrated probability of each score (what isotonic ``predict`` returns).

        >>> c = Calibration(x=(0.2, 0.6), y=(0.0, 0.5), rows=4, positive_rate=0.25)
        >>> c.calibrate([0.0, 0.4, 0.9]).tolist()
        [0.0, 0.25, 0.5]
        """
        values = arrays.finite("scores", scores)
        calibrated: FloatArray = np.interp(values, np.asarray(self.x), np.asarray(self.y))
        return calibrated

    def probabilities(self, scores: npt.ArrayLike) -> FloatArray:
        """The probabilities to estimate with: calibrated when that :attr:`helps`, the scores
        themselves otherwise (NannyML's choice)."""
        if self.helps:
            return self.calibrate(scores)
        return arrays.probabilities("scores", scores, hint=_CALIBRATED)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values, with the stored-form version under ``format``."""
        return {
            "format": CALIBRATION_FORMAT,
            "method": "isotonic",
            "x": list(self.x),
            "y": list(self.y),
            "rows": self.rows,
            "positive_rate": self.positive_rate,
            "brier_before": self.brier_before,
            "brier_after": self.brier_after,
            "ece_before": self.ece_before,
            "ece_after": self.ece_after,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Calibration:
        """The inverse of :meth:`to_dict`."""
        found = data.get("format") if isinstance(data, Mapping) else type(data).__name__
        if found != CALIBRATION_FORMAT:
            raise DataError(
                f"calibration format {found!r} is not supported; expected {CALIBRATION_FORMAT}. "
                "Retrain the version to store a calibration this paraguas can read."
            )
        try:
            return cls(
                x=tuple(float(v) for v in data["x"]),
                y=tuple(float(v) for v in data["y"]),
                rows=int(data["rows"]),
                positive_rate=float(data["positive_rate"]),
                brier_before=_optional_float(data.get("brier_before")),
                brier_after=_optional_float(data.get("brier_after")),
                ece_before=_optional_float(data.get("ece_before")),
                ece_after=_optional_float(data.get("ece_after")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(
                f"calibration is not valid ({exc!r}); it was not written by Calibration.to_dict."
            ) from exc


def fit_calibration(scores: npt.ArrayLike, labels: npt.ArrayLike) -> Calibration:
    """Fit the isotonic map from ``scores`` to the probability that ``labels`` is 1.

    Fit it on the holdout, not on the training rows, whose scores are optimistic. ``scores``
    may be any increasing score (probabilities or a decision function); ``labels`` hold 0 and
    1, both present.

    >>> c = fit_calibration([0.1, 0.2, 0.3, 0.8], [0, 1, 0, 1])
    >>> c.x, c.y
    ((0.1, 0.2, 0.3, 0.8), (0.0, 0.5, 0.5, 1.0))
    """
    values = arrays.finite("scores", scores)
    positive = _labels(labels, len(values))
    x, y = _isotonic(values, positive)
    probabilities = bool(values.min() >= 0 and values.max() <= 1)
    after = _out_of_fold(values, positive)
    return Calibration(
        x=tuple(x.tolist()),
        y=tuple(y.tolist()),
        rows=len(values),
        positive_rate=float(np.mean(positive)),
        brier_before=_brier(values, positive) if probabilities else None,
        brier_after=None if after is None else _brier(after, positive),
        ece_before=expected_calibration_error(positive, values) if probabilities else None,
        ece_after=None if after is None else expected_calibration_error(positive, after),
    )


def expected_calibration_error(
    labels: npt.ArrayLike, probabilities: npt.ArrayLike, *, bins: int = CALIBRATION_BINS
) -> float:
    """``sum_b n_b / n * |mean(labels_b) - mean(probabilities_b)|`` over equal-width bins.

    Bins as scikit-learn's ``calibration_curve(strategy="uniform")`` draws them: ``[0, 1/k]``,
    ``(1/k, 2/k]``, ..., so that the two agree bin for bin.

    >>> expected_calibration_error([0, 1, 1, 1], [0.05, 0.15, 0.95, 0.95])
    0.25
    """
    p = arrays.probabilities("probabilities", probabilities, hint=_CALIBRATED)
    positive = _labels(labels, len(p), both=False)
    if bins < 1:
        raise DataError(f"bins must be at least 1; got {bins!r}.")
    index = np.searchsorted(np.linspace(0, 1, bins + 1)[1:-1], p)
    # n_b * |mean(labels_b) - mean(p_b)| is |sum(labels_b - p_b)|: one weighted count per bin
    gap = np.bincount(index, weights=positive - p, minlength=bins)
    return float(np.sum(np.abs(gap)) / len(p))


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
                detail=self.notes.get(metric, ""),
                extra=dict(extra),
            )
            for metric in ESTIMATED_METRICS
        ]


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


def _isotonic(values: FloatArray, positive: BoolArray) -> tuple[FloatArray, FloatArray]:
    from sklearn.isotonic import IsotonicRegression

    model = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1)
    model.fit(values, positive.astype(np.float64))
    x = np.asarray(model.X_thresholds_, dtype=np.float64)
    y = np.asarray(model.y_thresholds_, dtype=np.float64)
    return x, y


def _out_of_fold(values: FloatArray, positive: BoolArray) -> FloatArray | None:
    """Each row calibrated by a map fitted on the other folds; ``None`` with too few rows."""
    n_pos = int(np.count_nonzero(positive))
    if min(n_pos, len(positive) - n_pos) < CALIBRATION_FOLDS:
        return None
    from sklearn.model_selection import StratifiedKFold

    folds = StratifiedKFold(n_splits=CALIBRATION_FOLDS, shuffle=True, random_state=0)
    out = np.empty(len(values))
    for train, test in folds.split(values, positive):
        x, y = _isotonic(values[train], positive[train])
        out[test] = np.interp(values[test], x, y)
    return out


def _brier(probabilities: FloatArray, positive: BoolArray) -> float:
    return float(np.mean((probabilities - positive) ** 2))


# -- validation -----------------------------------------------------------------------------


def _labels(values: npt.ArrayLike, expected: int, *, both: bool = True) -> BoolArray:
    array = np.asarray(values)
    if array.ndim != 1 or len(array) != expected:
        raise DataError(
            f"labels must be a 1-D array as long as the scores ({expected}); "
            f"got shape {array.shape}."
        )
    positive: BoolArray = array == 1
    valid = positive | (array == 0)
    if not bool(np.all(valid)):
        first = array[np.flatnonzero(~valid)[0]]
        shown = first.item() if isinstance(first, np.generic) else first
        raise DataError(
            f"labels must hold 0 and 1 only; found {shown!r}. Encode the positive class as 1."
        )
    n_pos = int(np.count_nonzero(positive))
    if both and n_pos in (0, len(positive)):
        only = 1 if n_pos else 0
        raise DataError(
            f"labels hold only class {only}; calibration needs both classes. "
            "Fit it on a holdout with positive and negative rows."
        )
    return positive


def _check_thresholds(x: tuple[float, ...], y: tuple[float, ...]) -> None:
    xs, ys = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if len(xs) == 0 or len(xs) != len(ys):
        raise DataError(
            f"calibration needs as many scores as probabilities, at least one; got {len(xs)} "
            f"and {len(ys)}. Fit it with fit_calibration."
        )
    if not (np.all(np.isfinite(xs)) and np.all(np.isfinite(ys))):
        raise DataError("calibration thresholds must be finite numbers; refit the calibration.")
    if np.any(np.diff(xs) <= 0) or np.any(np.diff(ys) < 0):
        raise DataError(
            "calibration thresholds must be increasing scores with non-decreasing "
            "probabilities; refit the calibration with fit_calibration."
        )
    if ys[0] < 0 or ys[-1] > 1:
        raise DataError(
            f"calibrated probabilities must lie in [0, 1]; got {ys[0]!r} to {ys[-1]!r}."
        )


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _as_float(value: float | int | None) -> float | None:
    return None if value is None else float(value)
