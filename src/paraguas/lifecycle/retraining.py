"""Whether to train a new version today: the spec's retraining policy applied to what
monitoring stored.

A pure decision over stored results, so that the daily cycle, a backtest and a test all reach
the same verdict from the same history. The reasons, in the order they are looked at:

1. an **order** (``paraguas retrain NAME --reason TEXT``) always retrains;
2. a **challenger already in shadow** keeps any other retrain waiting: at most one challenger
   per model, and the evidence about it must be allowed to accumulate;
3. **drift that matters**: today's dataset drift verdict is ``alert`` (``on_drift``);
4. **performance below a floor** for ``for_windows`` consecutive runs (``below``), measured on
   mature actuals for the champion, the last of them today's;
5. the **schedule**: ``every`` days since the champion's training data ended.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from paraguas.spec import Retraining

__all__ = ["RetrainDecision", "StoredCheck", "should_retrain"]


class StoredCheck(Protocol):
    """What the decision reads of a stored monitoring result (read-only)."""

    @property
    def day(self) -> date: ...
    @property
    def kind(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def value(self) -> float | None: ...
    @property
    def status(self) -> str: ...


@dataclass(frozen=True)
class RetrainDecision:
    """``retrain`` or not, the one-line ``reason``, and the numbers behind it."""

    retrain: bool
    trigger: str  # order | drift | floor | schedule | none | challenger
    reason: str
    evidence: Mapping[str, Any] = field(default_factory=dict)


def should_retrain(
    policy: Retraining,
    *,
    today: date,
    history: Sequence[StoredCheck],
    trained_until: date | None,
    challenger: int | None = None,
    order: str | None = None,
) -> RetrainDecision:
    """The retraining verdict for ``today`` from ``history`` (stored results of earlier and of
    today's monitoring runs, any order). ``trained_until``: the last day of the champion's
    training data; ``challenger``: the version in shadow, if any; ``order``: the reason of a
    retrain ordered by hand."""
    if order:
        return RetrainDecision(True, "order", f"ordered: {order}", {"order": order})
    if challenger is not None:
        return RetrainDecision(
            False,
            "challenger",
            f"version {challenger} is in shadow; no other retrain until it is decided",
            {"challenger": challenger},
        )
    known = [check for check in history if check.day <= today]
    if policy.on_drift:
        drift = [c for c in known if c.day == today and c.kind == "dataset_drift"]
        if drift and drift[-1].status == "alert":
            share = drift[-1].value
            return RetrainDecision(
                True,
                "drift",
                f"the data that matters has drifted (share {share:.2f})"
                if share is not None
                else "the data that matters has drifted",
                {"dataset_drift": share},
            )
    for metric, floor in policy.below.items():
        runs = _latest_per_day(known, metric)[-policy.for_windows :]
        values = [value for _, value in runs]
        # Judged on the day of a monitoring run only: on the days between runs the same
        # results would order a retrain again and again.
        fresh = bool(runs) and runs[-1][0] == today
        if (
            fresh
            and len(runs) == policy.for_windows
            and all(v is not None and v < floor for v in values)
        ):
            days = [day.isoformat() for day, _ in runs]
            return RetrainDecision(
                True,
                "floor",
                f"{metric} below {floor} in the last {policy.for_windows} run(s): "
                + ", ".join(f"{v:.3f}" for v in values if v is not None),
                {"metric": metric, "floor": floor, "values": values, "days": days},
            )
    every = policy.every_days
    if every is not None and trained_until is not None and (today - trained_until).days >= every:
        age = (today - trained_until).days
        return RetrainDecision(
            True,
            "schedule",
            f"the champion's data ends {age} days ago; the schedule retrains every {every} days",
            {"age_days": age, "every_days": every},
        )
    return RetrainDecision(False, "none", "no retraining trigger", {})


def _latest_per_day(checks: Sequence[StoredCheck], metric: str) -> list[tuple[date, float | None]]:
    """The champion's measured ``metric``, one value per monitored day (the last stored), by day."""
    found: dict[date, float | None] = {}
    for check in checks:
        if check.kind == "performance" and check.subject == metric and check.role == "champion":
            found[check.day] = check.value
    return sorted(found.items())
