"""The retraining verdict from stored monitoring results, rule by rule, in order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

import paraguas as pg
from paraguas.lifecycle.retraining import should_retrain

TODAY = date(2015, 6, 30)


@dataclass(frozen=True)
class Stored:
    day: date
    kind: str
    subject: str
    value: float | None
    status: str = "ok"
    role: str = "champion"


def f1(days_ago: int, value: float | None, role: str = "champion") -> Stored:
    return Stored(TODAY - timedelta(days=days_ago), "performance", "f1", value, role=role)


def drift(status: str, share: float = 0.7, days_ago: int = 0) -> Stored:
    return Stored(TODAY - timedelta(days=days_ago), "dataset_drift", "dataset", share, status)


def decide(policy: pg.Retraining, history: list[Stored], **kwargs: object) -> tuple[bool, str]:
    fields = {"trained_until": TODAY - timedelta(days=30), **kwargs}
    verdict = should_retrain(policy, today=TODAY, history=history, **fields)  # type: ignore[arg-type]
    return verdict.retrain, verdict.trigger


def test_drift_that_matters_today_retrains() -> None:
    assert decide(pg.Retraining(), [drift("alert")]) == (True, "drift")
    assert decide(pg.Retraining(), [drift("warn")]) == (False, "none")
    assert decide(pg.Retraining(), [drift("alert", days_ago=1)]) == (False, "none")  # not today
    assert decide(pg.Retraining(on_drift=False), [drift("alert")]) == (False, "none")


@pytest.mark.parametrize(
    ("values", "retrain"),
    [
        ([0.5, 0.5, 0.5], True),  # three runs in a row under 0.6
        ([0.7, 0.5, 0.5, 0.5], True),  # an older run above the floor does not count
        ([0.5, 0.7, 0.5], False),  # not consecutive
        ([0.5, 0.5], False),  # not enough runs yet
        ([0.5, None, 0.5], False),  # an undefined value is not below the floor
    ],
)
def test_a_metric_below_its_floor_for_k_runs_retrains(
    values: list[float | None], retrain: bool
) -> None:
    policy = pg.Retraining(on_drift=False, below={"f1": 0.6}, for_windows=3)
    history = [f1(7 * (len(values) - 1 - i), v) for i, v in enumerate(values)]
    history.append(f1(0, 0.1, role="challenger"))  # the challenger's numbers never count
    assert decide(policy, history) == (retrain, "floor" if retrain else "none")


def test_the_schedule_retrains_once_the_data_is_old_enough() -> None:
    policy = pg.Retraining(on_drift=False, every="90d")
    assert decide(policy, [], trained_until=TODAY - timedelta(days=89)) == (False, "none")
    assert decide(policy, [], trained_until=TODAY - timedelta(days=90)) == (True, "schedule")
    assert decide(policy, [], trained_until=None) == (False, "none")


def test_an_order_wins_and_a_challenger_in_shadow_waits_for_its_verdict() -> None:
    verdict = should_retrain(
        pg.Retraining(), today=TODAY, history=[], trained_until=None, order="new fraud pattern"
    )
    assert (verdict.retrain, verdict.trigger, verdict.reason) == (
        True,
        "order",
        "ordered: new fraud pattern",
    )
    assert decide(pg.Retraining(), [drift("alert")], challenger=2) == (False, "challenger")
    later = [
        drift("alert"),
        Stored(TODAY + timedelta(days=1), "dataset_drift", "dataset", 1, "alert"),
    ]
    assert decide(pg.Retraining(on_drift=True), later[1:]) == (
        False,
        "none",
    )  # the future is unseen


def test_a_floor_is_judged_only_on_the_day_of_a_monitoring_run() -> None:
    # Weekly monitoring: the days between runs see the same results, which must not order a
    # retrain again each day.
    policy = pg.Retraining(on_drift=False, below={"f1": 0.6}, for_windows=2)
    assert decide(policy, [f1(7, 0.5), f1(0, 0.5)]) == (True, "floor")
    assert decide(policy, [f1(8, 0.5), f1(1, 0.5)]) == (False, "none")
