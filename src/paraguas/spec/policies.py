"""How a model is watched, retrained and promoted: the policies a spec declares.

Every field has a default, so a spec that declares none still runs the whole lifecycle:
monitor a week at a time, retrain when drift that matters is found, and promote a challenger
only once a paired test on the same rows shows it better.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from paraguas.errors import SpecError
from paraguas.spec.durations import parse_days
from paraguas.spec.names import did_you_mean

__all__ = [
    "APPROVALS",
    "COST_KEYS",
    "MONITORING_MODES",
    "MONITORING_REFERENCES",
    "PROMOTION_TESTS",
    "Monitoring",
    "Promotion",
    "Retraining",
]

MONITORING_MODES = ("paraguas", "evidently")
MONITORING_REFERENCES = ("training", "season")
_EPOCH = date(2000, 1, 1)


@dataclass(frozen=True)
class Monitoring:
    """How the monitoring flow watches a model.

    ``window``: the days each run looks at, ending on its date (``"7d"``). ``mode``: the drift
    method, ``"paraguas"`` (effect sizes, false-discovery control, importance-weighted verdict)
    or ``"evidently"`` (Evidently 0.7's automatic choice, reproduced exactly).
    ``label_delay``: how long after a prediction its actual is complete (``"0d"``, ``"30d"``);
    younger predictions are left out of measured performance and estimated instead.
    ``segments``: columns whose values get their own performance figures; ``sensitive``:
    columns whose groups are compared for fairness gaps. ``drift_share``: the (importance
    weighted) share of drifted features at which the dataset has drifted. ``reference``:
    what a window is compared with, ``"training"`` (every training row) or ``"season"`` (the
    training rows of the same days of the year, for data with a yearly rhythm, where a month
    always differs from the whole year). ``every``: how often the daily cycle monitors
    (``"1d"``: each day; ``"7d"``: once a week, on the days :meth:`due` names); the cycle
    still scores and judges every day, and decides on drift and floors on monitored days.
    """

    window: str = "7d"
    mode: str = "paraguas"
    label_delay: str = "0d"
    segments: Sequence[str] = ()
    sensitive: Sequence[str] = ()
    drift_share: float = 0.5
    reference: str = "training"
    every: str = "1d"

    def __post_init__(self) -> None:
        parse_days(self.window, "monitoring.window")
        parse_days(self.every, "monitoring.every")
        if self.reference not in MONITORING_REFERENCES:
            raise SpecError(
                f"monitoring.reference {self.reference!r} is not known; expected one of "
                f"{', '.join(MONITORING_REFERENCES)}."
                + did_you_mean(self.reference, MONITORING_REFERENCES)
            )
        if self.label_delay.strip().lower() not in ("0d", "0w"):
            parse_days(self.label_delay, "monitoring.label_delay")
        if self.mode not in MONITORING_MODES:
            raise SpecError(
                f"monitoring.mode {self.mode!r} is not known; expected one of "
                f"{', '.join(MONITORING_MODES)}." + did_you_mean(self.mode, MONITORING_MODES)
            )
        for what in ("segments", "sensitive"):
            columns = getattr(self, what)
            if isinstance(columns, str) or not all(isinstance(c, str) and c for c in columns):
                raise SpecError(
                    f"monitoring.{what} {columns!r} must be a list of column names, e.g. ['region']."
                )
            object.__setattr__(self, what, tuple(columns))
        if isinstance(self.drift_share, bool) or not 0 < float(self.drift_share) <= 1:
            raise SpecError(
                f"monitoring.drift_share {self.drift_share!r} must be a share in (0, 1], e.g. 0.5."
            )

    @property
    def window_days(self) -> int:
        return parse_days(self.window, "monitoring.window")

    @property
    def label_delay_days(self) -> int:
        text = self.label_delay.strip().lower()
        return 0 if text in ("0d", "0w") else parse_days(text, "monitoring.label_delay")

    @property
    def every_days(self) -> int:
        return parse_days(self.every, "monitoring.every")

    def due(self, day: date) -> bool:
        """Whether the daily cycle monitors on ``day``: the days a whole number of ``every``
        periods after 2000-01-01 (a Saturday; ``"7d"`` monitors on Saturdays), so a replay,
        a re-run and a fresh start pick the same days.

        >>> Monitoring(every="7d").due(date(2015, 1, 3)), Monitoring(every="7d").due(date(2015, 1, 4))
        (True, False)
        """
        return (day - _EPOCH).days % self.every_days == 0


@dataclass(frozen=True)
class Retraining:
    """When a new version is trained, by the daily cycle.

    ``on_drift``: when the monitoring verdict says the data that matters has drifted (the
    dataset drift check alerts). ``below``: metric floors, e.g. ``{"f1": 0.6}``: when measured
    performance stays below a floor for ``for_windows`` consecutive runs. ``every``: on a
    schedule (``"90d"``), whatever monitoring says. ``window``: train on the most recent days
    only (``"730d"``); ``None`` trains on everything up to the day. A retrain can also be
    ordered by hand (``paraguas retrain NAME --reason TEXT``).
    """

    on_drift: bool = True
    below: Mapping[str, float] = field(default_factory=dict)
    for_windows: int = 1
    every: str | None = None
    window: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.on_drift, bool):
            raise SpecError(f"retraining.on_drift {self.on_drift!r} must be true or false.")
        if not isinstance(self.below, Mapping):
            raise SpecError(
                f"retraining.below {self.below!r} must map metrics to floors, e.g. {{f1: 0.6}}."
            )
        floors = {}
        for metric, floor in self.below.items():
            if not _is_number(floor):
                raise SpecError(
                    f"retraining.below[{metric!r}] {floor!r} must be a number, e.g. 0.6."
                )
            floors[str(metric)] = float(floor)
        object.__setattr__(self, "below", floors)
        if isinstance(self.for_windows, bool) or not isinstance(self.for_windows, int):
            raise SpecError(f"retraining.for_windows {self.for_windows!r} must be a whole number.")
        if self.for_windows < 1:
            raise SpecError(f"retraining.for_windows {self.for_windows} must be at least 1.")
        for what in ("every", "window"):
            value = getattr(self, what)
            if value is not None:
                parse_days(value, f"retraining.{what}")

    @property
    def every_days(self) -> int | None:
        return None if self.every is None else parse_days(self.every, "retraining.every")

    @property
    def window_days(self) -> int | None:
        return None if self.window is None else parse_days(self.window, "retraining.window")


APPROVALS = ("auto", "manual")
PROMOTION_TESTS = ("bootstrap", "mcnemar")
COST_KEYS = ("false_positive", "false_negative", "true_positive", "true_negative")


@dataclass(frozen=True)
class Promotion:
    """How a challenger in shadow is judged against the champion, on the same rows.

    After at least ``shadow_days`` days with mature actuals and ``min_rows`` paired rows, a
    test fixed in advance compares the two on ``metric`` (default: the spec's): a paired
    bootstrap confidence interval (at ``confidence``) of the difference, or McNemar's test for
    accuracy. The challenger is promoted when the interval's lower bound exceeds ``min_gain``,
    rejected when it is clearly worse or ``max_shadow_days`` pass without a win, and kept in
    shadow otherwise. ``costs`` turns a binary classifier's errors into a cost per row to
    compare instead (``{"false_positive": 1, "false_negative": 5}``). ``approval``: ``"auto"``
    promotes a winner at once; ``"manual"`` waits for ``paraguas approve NAME --by PERSON``,
    who must differ from whoever requested or trained the version (``segregation``).
    """

    shadow_days: int = 14
    max_shadow_days: int = 60
    min_rows: int = 200
    min_gain: float = 0.0
    confidence: float = 0.95
    test: str = "bootstrap"
    metric: str | None = None
    costs: Mapping[str, float] | None = None
    approval: str = "auto"
    segregation: bool = True

    def __post_init__(self) -> None:
        for what in ("shadow_days", "max_shadow_days", "min_rows"):
            value = getattr(self, what)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise SpecError(f"promotion.{what} {value!r} must be a whole number of at least 1.")
        if self.max_shadow_days < self.shadow_days:
            raise SpecError(
                f"promotion.max_shadow_days {self.max_shadow_days} is less than shadow_days "
                f"{self.shadow_days}: a challenger could never be judged. Raise max_shadow_days."
            )
        if not _is_number(self.min_gain):
            raise SpecError(f"promotion.min_gain {self.min_gain!r} must be a number, e.g. 0.01.")
        if not _is_number(self.confidence) or not 0.5 <= float(self.confidence) < 1:
            raise SpecError(
                f"promotion.confidence {self.confidence!r} must be between 0.5 and 1, e.g. 0.95."
            )
        _choice("promotion.test", self.test, PROMOTION_TESTS)
        _choice("promotion.approval", self.approval, APPROVALS)
        if not isinstance(self.segregation, bool):
            raise SpecError(f"promotion.segregation {self.segregation!r} must be true or false.")
        if self.costs is not None:
            if not isinstance(self.costs, Mapping) or not self.costs:
                raise SpecError(
                    f"promotion.costs {self.costs!r} must map errors to costs, e.g. "
                    "{false_positive: 1, false_negative: 5}."
                )
            for key, cost in self.costs.items():
                _choice("promotion.costs key", key, COST_KEYS)
                if not _is_number(cost) or float(cost) < 0:
                    raise SpecError(
                        f"promotion.costs[{key!r}] {cost!r} must be a number of at least 0."
                    )
            object.__setattr__(self, "costs", {str(k): float(v) for k, v in self.costs.items()})


def _choice(what: str, value: Any, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise SpecError(
            f"{what} {value!r} is not known; expected one of {', '.join(allowed)}."
            + did_you_mean(str(value), allowed)
        )


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )
