"""Judging the challenger: the spec's promotion policy applied to the champion's and the
challenger's forecasts of the same rows, now that reality is known — and who may approve.

The test is fixed in advance by the policy (paired bootstrap of the metric difference, or
McNemar for accuracy), run only on the keys both versions scored and whose actuals are mature,
and only once the challenger has been in shadow for ``shadow_days``. The verdict (promote,
reject, wait) comes with its evidence, to be stored and audited.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from paraguas.errors import PolicyError
from paraguas.monitoring.comparison import Decision, decide, mcnemar, paired_bootstrap

if TYPE_CHECKING:
    from paraguas.monitoring.outcomes import Joined
    from paraguas.spec import Promotion

__all__ = ["check_approver", "judge_challenger"]


def judge_challenger(
    task: str,
    metric: str,
    policy: Promotion,
    champion: Joined,
    challenger: Joined,
    *,
    days_in_shadow: int,
    seed: int = 0,
) -> Decision:
    """Promote, reject or wait, from the rows both versions scored that have an actual.

    ``metric`` is the spec's primary metric (the policy's own ``metric`` or ``costs`` win);
    ``days_in_shadow`` counts the days since the challenger was set. Before ``shadow_days``
    the verdict is ``wait`` whatever the numbers say: the test was fixed in advance, and
    peeking early would promote on noise.
    """
    truth, ours, theirs = _paired(task, champion, challenger)
    chosen = "cost" if policy.costs else (policy.metric or metric)
    if policy.test == "mcnemar":
        comparison = mcnemar(
            truth, _labels(task, ours), _labels(task, theirs), confidence=policy.confidence
        )
    else:
        comparison = paired_bootstrap(
            truth,
            ours,
            theirs,
            task=task,
            metric=chosen,
            seed=seed,
            confidence=policy.confidence,
            costs=policy.costs,
        )
    decision = decide(
        comparison,
        min_gain=policy.min_gain,
        min_rows=policy.min_rows,
        shadow_days=days_in_shadow,
        max_shadow_days=policy.max_shadow_days,
    )
    if decision.verdict != "reject" and days_in_shadow < policy.shadow_days:
        return replace(
            decision,
            verdict="wait",
            reason=f"in shadow {days_in_shadow} of {policy.shadow_days} days before judging; "
            f"so far: {decision.reason}",
        )
    return decision


def check_approver(
    approver: str, *, requested_by: str | None, trained_by: str, policy: Promotion
) -> None:
    """Refuse an approval by whoever requested the retrain or trained the version, when the
    policy separates duties (``segregation``); raise :class:`PolicyError` naming the rule."""
    if not approver.strip():
        raise PolicyError(
            "An approval needs the approver's name: paraguas approve NAME --by PERSON."
        )
    if not policy.segregation:
        return
    for role, person in (
        ("requested the retrain", requested_by),
        ("trained the version", trained_by),
    ):
        if person is not None and approver.strip().lower() == person.strip().lower():
            raise PolicyError(
                f"{approver} {role}, so cannot also approve it (segregation of duties). Ask "
                "someone else to approve, or set promotion.segregation: false in the spec."
            )


def _paired(
    task: str, champion: Joined, challenger: Joined
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Truth and both outputs on the keys both versions scored and whose actual is known."""
    ours = {key: i for i, key in enumerate(champion.keys) if champion.labelled[i]}
    rows = [
        (ours[key], j)
        for j, key in enumerate(challenger.keys)
        if key in ours and challenger.labelled[j]
    ]
    if not rows:
        return np.empty(0), np.empty(0), np.empty(0)
    left = np.array([i for i, _ in rows])
    right = np.array([j for _, j in rows])
    return champion.truth[left], champion.output[left], challenger.output[right]


def _labels(task: str, output: np.ndarray) -> np.ndarray:
    if task == "binary":
        return (output >= 0.5).astype(np.int64)
    if task == "multiclass":
        return np.asarray(output.argmax(axis=1), dtype=np.int64)
    raise PolicyError("McNemar's test compares classifiers; use promotion.test: bootstrap.")
