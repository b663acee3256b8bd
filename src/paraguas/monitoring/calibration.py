"""Calibration: a monotone map from a model's scores to the probability of being right, fitted
once at training on the holdout, stored as JSON and applied with NumPy alone. It is what
label-free performance estimates (:mod:`paraguas.monitoring.estimation`) stand on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from paraguas.errors import DataError
from paraguas.monitoring import arrays
from paraguas.monitoring.arrays import BoolArray, FloatArray

__all__ = [
    "CALIBRATED",
    "CALIBRATION_BINS",
    "CALIBRATION_FOLDS",
    "CALIBRATION_FORMAT",
    "Calibration",
    "ClassCalibrations",
    "expected_calibration_error",
    "fit_calibration",
    "fit_class_calibrations",
]

#: What estimates take, said when they are given something else.
CALIBRATED: Final = "Pass Calibration.calibrate(scores), not raw scores."
#: Equal-width bins of the expected calibration error (scikit-learn's ``calibration_curve``).
CALIBRATION_BINS: Final = 10
#: Stratified folds over which the calibrated error is measured out of fold.
CALIBRATION_FOLDS: Final = 3
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
        return arrays.probabilities("scores", scores, hint=CALIBRATED)

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


@dataclass(frozen=True)
class ClassCalibrations:
    """A multiclass classifier's calibration: one :class:`Calibration` per class (that class
    against the rest, in the order of the model's ``predict_proba`` columns).

    :meth:`probabilities` calibrates each column by its own map (where that :attr:`helps
    <Calibration.helps>`) and divides each row by its sum, so that a row's probabilities add
    up to 1 again; a row that every map sends to 0 keeps the model's own probabilities.
    """

    per_class: tuple[Calibration, ...]

    def probabilities(self, proba: npt.ArrayLike) -> FloatArray:
        """The calibrated (rows, classes) probabilities of the model's ``proba``.

        >>> half = Calibration(x=(0.0, 1.0), y=(0.0, 0.5), rows=4, positive_rate=0.25)
        >>> full = Calibration(x=(0.0, 1.0), y=(0.0, 1.0), rows=4, positive_rate=0.5)
        >>> ClassCalibrations((half, full)).probabilities([[0.8, 0.2]]).round(3).tolist()
        [[0.667, 0.333]]
        """
        matrix = np.asarray(proba, dtype=np.float64)
        if matrix.ndim != 2 or matrix.shape[1] != len(self.per_class):
            raise DataError(
                f"proba must have one column per calibrated class ({len(self.per_class)}); got "
                f"shape {matrix.shape}. Pass the model's predict_proba output."
            )
        calibrated = np.column_stack(
            [each.probabilities(matrix[:, c]) for c, each in enumerate(self.per_class)]
        )
        sums = calibrated.sum(axis=1, keepdims=True)
        normalised: FloatArray = np.where(
            sums > 0, calibrated / np.where(sums > 0, sums, 1.0), matrix
        )
        return normalised

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values, with the stored-form version under ``format``."""
        return {
            "format": CALIBRATION_FORMAT,
            "method": "isotonic, each class against the rest",
            "per_class": [each.to_dict() for each in self.per_class],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClassCalibrations:
        """The inverse of :meth:`to_dict`."""
        found = data.get("format") if isinstance(data, Mapping) else type(data).__name__
        per_class = data.get("per_class") if isinstance(data, Mapping) else None
        if found != CALIBRATION_FORMAT or not isinstance(per_class, list) or len(per_class) < 2:
            raise DataError(
                f"class calibrations of format {found!r} with per_class {per_class!r:.60} are not "
                "supported; retrain the version to store calibrations this paraguas can read."
            )
        return cls(tuple(Calibration.from_dict(each) for each in per_class))


def fit_class_calibrations(proba: npt.ArrayLike, labels: npt.ArrayLike) -> ClassCalibrations:
    """Fit one isotonic map per class, from its ``proba`` column to the probability that the
    row belongs to it. ``labels`` hold class indices (the columns of ``proba``); each class must
    be present in them, and absent from some rows, as :func:`fit_calibration` needs."""
    matrix = np.asarray(proba, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[1] < 2:
        raise DataError(
            f"proba must be a 2-D array with one column per class (at least 2); "
            f"got shape {matrix.shape}."
        )
    classes = arrays.class_indices("labels", labels, matrix.shape[1])
    arrays.check_length("labels", len(classes), matrix.shape[0], against="proba")
    counts = np.bincount(classes, minlength=matrix.shape[1])
    lacking = [c for c, count in enumerate(counts) if count in (0, len(classes))]
    if lacking:
        raise DataError(
            f"class {lacking[0]} is in {'every' if counts[lacking[0]] else 'no'} row of labels; "
            "calibrating each class needs rows of it and rows of the others. Fit it on a "
            "holdout with every class."
        )
    return ClassCalibrations(
        tuple(
            fit_calibration(matrix[:, c], (classes == c).astype(np.int64))
            for c in range(matrix.shape[1])
        )
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
    p = arrays.probabilities("probabilities", probabilities, hint=CALIBRATED)
    positive = _labels(labels, len(p), both=False)
    if bins < 1:
        raise DataError(f"bins must be at least 1; got {bins!r}.")
    index = np.searchsorted(np.linspace(0, 1, bins + 1)[1:-1], p)
    # n_b * |mean(labels_b) - mean(p_b)| is |sum(labels_b - p_b)|: one weighted count per bin
    gap = np.bincount(index, weights=positive - p, minlength=bins)
    return float(np.sum(np.abs(gap)) / len(p))


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
