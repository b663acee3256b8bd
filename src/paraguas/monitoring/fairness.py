"""Segments and fairness gaps: is the model as good, and as generous, for every group?

:func:`segment_metrics` computes the usual performance metrics per group of a column (city,
channel...). :func:`demographic_parity_difference` and :func:`equal_opportunity_difference`
measure, for a sensitive column, the gap between the groups most and least favoured by a
binary classifier: in the share of positive predictions, and in the share of actual positives
it finds (true positive rate). The definitions are Fairlearn's ``demographic_parity_difference``
and the true-positive-rate half of its ``equalized_odds_difference``.

Groups are keyed by ``str(value)``, as profiles key categories; missing values (``None``, NaN,
NaT) form one group of their own, ``"(missing)"``, so that rows without a value are compared
too rather than dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt

from paraguas.errors import DataError, SpecError
from paraguas.monitoring.performance import (
    Metrics,
    binary_metrics,
    multiclass_metrics,
    regression_metrics,
)
from paraguas.monitoring.results import Check, Status
from paraguas.spec import TASKS, did_you_mean

__all__ = [
    "FAIRNESS_ALERT",
    "FAIRNESS_WARN",
    "MISSING_GROUP",
    "FairnessGap",
    "GroupRate",
    "demographic_parity_difference",
    "equal_opportunity_difference",
    "group_labels",
    "segment_metrics",
]

#: The group of rows whose segment value is missing.
MISSING_GROUP: Final = "(missing)"
#: A gap between groups' rates at or above this is a warning...
FAIRNESS_WARN: Final = 0.1
#: ...and at or above this an alert.
FAIRNESS_ALERT: Final = 0.2
# Rates are ratios of counts: a gap printed as 0.2 may be 0.19999999999999998.
_ROUNDING: Final = 1e-12

GapMetric = Literal["demographic_parity", "equal_opportunity"]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_RATE_NAME: Final = {
    "demographic_parity": "positive-prediction rate",
    "equal_opportunity": "true positive rate",
}


@dataclass(frozen=True)
class GroupRate:
    """One group's rate: ``hits`` out of ``eligible`` of its ``rows``.

    Demographic parity: ``eligible`` is every row of the group and ``hits`` its positive
    predictions. Equal opportunity: ``eligible`` the group's actual positives and ``hits``
    those predicted positive. ``rate`` is ``None`` when nothing is eligible; ``compared`` says
    whether the group entered the gap (it needs a rate over at least ``min_rows`` rows).
    """

    group: str
    rows: int
    eligible: int
    hits: int
    rate: float | None
    compared: bool


@dataclass(frozen=True)
class FairnessGap:
    """The largest minus the smallest rate among the compared groups of a sensitive column.

    ``gap`` is ``None`` when fewer than two groups could be compared. ``column`` names the
    sensitive column when the caller gave it.
    """

    metric: GapMetric
    gap: float | None
    groups: tuple[GroupRate, ...]
    column: str | None = None
    min_rows: int = 1

    @property
    def highest(self) -> GroupRate | None:
        """The compared group with the largest rate (the first in group order on a tie)."""
        compared = [g for g in self.groups if g.compared]
        return max(compared, key=_rate, default=None)

    @property
    def lowest(self) -> GroupRate | None:
        """The compared group with the smallest rate (the first in group order on a tie)."""
        compared = [g for g in self.groups if g.compared]
        return min(compared, key=_rate, default=None)

    @property
    def excluded(self) -> tuple[str, ...]:
        """The groups left out of the gap: no eligible row, or fewer than ``min_rows``."""
        return tuple(g.group for g in self.groups if not g.compared)

    @property
    def status(self) -> Status:
        """``alert`` at or above ``FAIRNESS_ALERT``, ``warn`` at or above ``FAIRNESS_WARN``,
        ``error`` when there is no gap to judge."""
        if self.gap is None:
            return "error"
        if self.gap >= FAIRNESS_ALERT - _ROUNDING:
            return "alert"
        if self.gap >= FAIRNESS_WARN - _ROUNDING:
            return "warn"
        return "ok"

    def checks(self, version: int, role: str = "champion") -> list[Check]:
        """The gap as one ``fairness`` check on the sensitive column."""
        return [
            Check(
                kind="fairness",
                subject=self.column if self.column is not None else "(sensitive)",
                method=f"{self.metric}_difference",
                value=self.gap,
                threshold=FAIRNESS_ALERT,
                status=self.status,
                version=version,
                role=role,
                detail=self._detail(),
                extra={
                    "segment": self.column,
                    "rates": {g.group: g.rate for g in self.groups},
                    "rows": {g.group: g.rows for g in self.groups},
                    "eligible": {g.group: g.eligible for g in self.groups},
                    "excluded": list(self.excluded),
                    "min_rows": self.min_rows,
                },
            )
        ]

    def _detail(self) -> str:
        name = _RATE_NAME[self.metric]
        high, low = self.highest, self.lowest
        if self.gap is None or high is None or low is None:
            text = (
                f"fewer than two groups have a {name} over at least {self.min_rows} rows; "
                "nothing to compare"
            )
        else:
            text = (
                f"{name} {_rate(high):.3f} in {high.group!r} vs {_rate(low):.3f} in "
                f"{low.group!r}: gap {self.gap:.3f}"
            )
        left_out = [
            f"{g.group!r} ({_why_left_out(g, self.metric, self.min_rows)})"
            for g in self.groups
            if not g.compared
        ]
        if left_out:
            text += "; left out: " + ", ".join(left_out)
        return text


def segment_metrics(
    y_true: npt.ArrayLike,
    y_score_or_pred: npt.ArrayLike,
    segments: npt.ArrayLike,
    *,
    task: str,
    min_rows: int = 1,
    threshold: float = 0.5,
) -> dict[str, Metrics]:
    """The performance metrics of each segment, keyed by group (see :func:`group_labels`).

    ``task`` picks the metrics: ``binary`` (:func:`~paraguas.monitoring.binary_metrics`, with
    ``y_score_or_pred`` the probability of class 1 and ``threshold``), ``multiclass``
    (``y_score_or_pred`` the 2-D probabilities) or ``regression`` (the predictions). Segments
    with fewer than ``min_rows`` rows are left out: their metrics would be noise.

    >>> per = segment_metrics([1, 0, 1, 1], [0.9, 0.2, 0.4, 0.8], ["a", "a", "b", None],
    ...                       task="binary")
    >>> {group: m["accuracy"] for group, m in per.items()}
    {'a': 1.0, 'b': 0.0, '(missing)': 1.0}
    """
    if task not in TASKS:
        raise SpecError(
            f"task {task!r} is not known; expected one of {', '.join(TASKS)}."
            + did_you_mean(task, TASKS)
        )
    _check_min_rows(min_rows)
    labels, index = group_labels(segments)
    outputs = np.asarray(y_score_or_pred)
    truth = np.asarray(y_true)
    for name, array in (("y_true", truth), ("y_score_or_pred", outputs)):
        if array.ndim == 0 or len(array) != len(index):
            length = "a scalar" if array.ndim == 0 else f"{len(array)} rows"
            raise DataError(
                f"{name} has {length} but segments has {len(index)}; pass aligned arrays."
            )
    result: dict[str, Metrics] = {}
    for code, label in enumerate(labels):
        rows = index == code
        if int(np.count_nonzero(rows)) < min_rows:
            continue
        if task == "binary":
            result[label] = binary_metrics(truth[rows], outputs[rows], threshold=threshold)
        elif task == "multiclass":
            result[label] = multiclass_metrics(truth[rows], outputs[rows])
        else:
            result[label] = regression_metrics(truth[rows], outputs[rows])
    return result


def demographic_parity_difference(
    y_pred_binary: npt.ArrayLike,
    sensitive: npt.ArrayLike,
    *,
    name: str | None = None,
    min_rows: int = 1,
) -> FairnessGap:
    """The largest minus the smallest share of positive predictions among groups.

    0 when every group is predicted positive as often; 1 when one group always is and another
    never. ``name`` names the sensitive column in the checks.

    >>> gap = demographic_parity_difference([1, 1, 0, 1, 0, 0], ["a", "a", "a", "b", "b", "b"])
    >>> round(gap.gap, 4), [g.rate for g in gap.groups]
    (0.3333, [0.6666666666666666, 0.3333333333333333])
    """
    predicted = _binary("y_pred_binary", y_pred_binary)
    labels, index = _aligned_groups(sensitive, len(predicted), "y_pred_binary")
    _check_min_rows(min_rows)
    rows = np.bincount(index, minlength=len(labels))
    hits = np.bincount(index, weights=predicted, minlength=len(labels)).astype(np.int64)
    return _gap("demographic_parity", labels, rows, rows, hits, name, min_rows)


def equal_opportunity_difference(
    y_true: npt.ArrayLike,
    y_pred_binary: npt.ArrayLike,
    sensitive: npt.ArrayLike,
    *,
    name: str | None = None,
    min_rows: int = 1,
) -> FairnessGap:
    """The largest minus the smallest true positive rate (recall) among groups.

    A group without an actual positive has no rate: it is reported, with ``rate`` ``None``,
    and left out of the gap.

    >>> gap = equal_opportunity_difference(
    ...     [1, 1, 0, 1, 1, 0], [1, 1, 0, 1, 0, 0], ["a", "a", "a", "b", "b", "c"]
    ... )
    >>> gap.gap, [g.rate for g in gap.groups], gap.excluded
    (0.5, [1.0, 0.5, None], ('c',))
    """
    truth = _binary("y_true", y_true)
    predicted = _binary("y_pred_binary", y_pred_binary)
    if len(predicted) != len(truth):
        raise DataError(
            f"y_pred_binary has {len(predicted)} rows but y_true has {len(truth)}; "
            "pass aligned arrays."
        )
    labels, index = _aligned_groups(sensitive, len(truth), "y_true")
    _check_min_rows(min_rows)
    rows = np.bincount(index, minlength=len(labels))
    positives = np.bincount(index, weights=truth, minlength=len(labels)).astype(np.int64)
    found = np.bincount(index, weights=truth & predicted, minlength=len(labels)).astype(np.int64)
    return _gap("equal_opportunity", labels, rows, positives, found, name, min_rows)


def group_labels(values: npt.ArrayLike) -> tuple[tuple[str, ...], IntArray]:
    """The groups of ``values`` (``str(value)``, sorted, ``"(missing)"`` last) and, per row,
    the index of its group.

    >>> group_labels(["b", None, "a", "b", float("nan")])
    (('a', 'b', '(missing)'), array([1, 2, 0, 1, 2]))
    """
    array = np.asarray(values)
    if array.ndim != 1:
        raise DataError(f"segments must be a 1-D array; got shape {array.shape}.")
    if len(array) == 0:
        raise DataError("segments is empty; pass one group value per row.")
    if array.dtype.kind == "f":
        missing: BoolArray = np.isnan(array)
    elif array.dtype.kind in "mM":
        missing = np.isnat(array)
    else:
        missing = np.fromiter((_is_missing(v) for v in array.tolist()), bool, len(array))
    keys = np.array([str(v) for v in array[~missing].tolist()], dtype=object)
    present, inverse = np.unique(keys, return_inverse=True)
    labels = tuple(str(label) for label in present.tolist())
    index = np.full(len(array), len(labels), dtype=np.int64)
    index[~missing] = inverse.reshape(-1)
    if bool(missing.any()):
        labels = (*labels, MISSING_GROUP)
    return labels, index


# -- helpers --------------------------------------------------------------------------------


def _gap(
    metric: GapMetric,
    labels: tuple[str, ...],
    rows: IntArray,
    eligible: IntArray,
    hits: IntArray,
    name: str | None,
    min_rows: int,
) -> FairnessGap:
    groups = tuple(
        GroupRate(
            group=label,
            rows=int(rows[i]),
            eligible=int(eligible[i]),
            hits=int(hits[i]),
            rate=float(hits[i] / eligible[i]) if eligible[i] else None,
            compared=bool(eligible[i] >= min_rows),
        )
        for i, label in enumerate(labels)
    )
    rates = [_rate(g) for g in groups if g.compared]
    gap = max(rates) - min(rates) if len(rates) >= 2 else None
    return FairnessGap(metric=metric, gap=gap, groups=groups, column=name, min_rows=min_rows)


def _why_left_out(group: GroupRate, metric: GapMetric, min_rows: int) -> str:
    if group.eligible == 0:
        return "no actual positive" if metric == "equal_opportunity" else "no rows"
    unit = "actual positives" if metric == "equal_opportunity" else "rows"
    return f"{group.eligible} {unit}, fewer than {min_rows}"


def _rate(group: GroupRate) -> float:
    return group.rate if group.rate is not None else math.nan


def _aligned_groups(
    sensitive: npt.ArrayLike, length: int, against: str
) -> tuple[tuple[str, ...], IntArray]:
    labels, index = group_labels(sensitive)
    if len(index) != length:
        raise DataError(
            f"sensitive has {len(index)} rows but {against} has {length}; pass aligned arrays."
        )
    return labels, index


def _binary(name: str, values: npt.ArrayLike) -> BoolArray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise DataError(f"{name} must be a 1-D array; got shape {array.shape}.")
    if len(array) == 0:
        raise DataError(f"{name} is empty; a fairness gap needs at least one row.")
    if array.dtype == np.bool_:
        return array
    positive: BoolArray = array == 1
    valid = positive | (array == 0)
    if not bool(np.all(valid)):
        first = array[np.flatnonzero(~valid)[0]]
        shown = first.item() if isinstance(first, np.generic) else first
        hint = " Threshold the scores first, e.g. score >= 0.5." if name != "y_true" else ""
        raise DataError(f"{name} must hold 0 and 1 only; found {shown!r}.{hint}")
    return positive


def _check_min_rows(min_rows: int) -> None:
    if min_rows < 1:
        raise DataError(f"min_rows must be at least 1; got {min_rows!r}.")


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, NaT
    except (TypeError, ValueError):  # pandas.NA refuses to be a bool
        return True
