"""Judging a challenger on the same rows as the champion: promote, reject, wait — and who may
approve a promotion."""

from __future__ import annotations

import numpy as np
import pytest

import paraguas as pg
from paraguas.errors import PolicyError
from paraguas.lifecycle.promotion import check_approver, judge_challenger
from paraguas.monitoring.outcomes import Joined

ROWS = 3000


def joined(role: str, keys: np.ndarray, truth: np.ndarray, output: np.ndarray) -> Joined:
    return Joined(
        role=role,
        version=1 if role == "champion" else 2,
        keys=keys,
        output=output,
        truth=truth,
        labelled=np.ones(len(keys), dtype=bool),
        classes=("0", "1"),
    )


def world(challenger_noise: float, seed: int = 0) -> tuple[Joined, Joined]:
    """Labels drawn from a known probability; each model sees it through its own noise."""
    rng = np.random.default_rng(seed)
    logit = rng.normal(0, 2, ROWS)
    truth = (rng.random(ROWS) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    keys = np.array([f"k{i}" for i in range(ROWS)], dtype=object)

    def seen(noise: float) -> np.ndarray:
        return 1 / (1 + np.exp(-(logit + rng.normal(0, noise, ROWS))))

    champion = joined("champion", keys, truth, seen(1.5))
    # the challenger scored the same keys, logged in another order
    order = rng.permutation(ROWS)
    challenger = joined("challenger", keys[order], truth[order], seen(challenger_noise)[order])
    return champion, challenger


@pytest.mark.parametrize(
    ("noise", "verdict"),
    [(0.3, "promote"), (4.0, "reject"), (1.5, "wait")],  # truly better, truly worse, the same
)
def test_the_verdict_follows_the_evidence(noise: float, verdict: str) -> None:
    champion, challenger = world(noise)
    policy = pg.Promotion(shadow_days=14, max_shadow_days=60)
    decision = judge_challenger(
        "binary", "roc_auc", policy, champion, challenger, days_in_shadow=20
    )
    assert decision.verdict == verdict, decision.reason
    assert decision.comparison.rows == ROWS


def test_no_verdict_before_the_shadow_period_ends_unless_clearly_worse() -> None:
    policy = pg.Promotion(shadow_days=14, max_shadow_days=60)
    better = judge_challenger("binary", "roc_auc", policy, *world(0.3), days_in_shadow=5)
    assert better.verdict == "wait" and better.reason.startswith("in shadow 5 of 14 days")
    worse = judge_challenger("binary", "roc_auc", policy, *world(4.0), days_in_shadow=5)
    assert worse.verdict == "reject"


def test_costs_and_mcnemar_are_the_policy_s_choice() -> None:
    champion, challenger = world(0.3)
    costs = pg.Promotion(costs={"false_negative": 5, "false_positive": 1})
    decision = judge_challenger("binary", "f1", costs, champion, challenger, days_in_shadow=30)
    assert decision.comparison.metric == "cost" and decision.verdict == "promote"
    mcnemar = pg.Promotion(test="mcnemar")
    decision = judge_challenger("binary", "f1", mcnemar, champion, challenger, days_in_shadow=30)
    assert decision.comparison.method == "mcnemar"


def test_segregation_of_duties() -> None:
    policy = pg.Promotion(approval="manual")
    check_approver("risk-officer", requested_by="ana", trained_by="paraguas", policy=policy)
    with pytest.raises(PolicyError, match="Ana requested the retrain, so cannot also approve"):
        check_approver("Ana", requested_by="ana", trained_by="paraguas", policy=policy)
    with pytest.raises(PolicyError, match="trained the version"):
        check_approver("bob", requested_by=None, trained_by="bob", policy=policy)
    relaxed = pg.Promotion(approval="manual", segregation=False)
    check_approver("bob", requested_by=None, trained_by="bob", policy=relaxed)
    with pytest.raises(PolicyError, match="needs the approver's name"):
        check_approver(" ", requested_by=None, trained_by="bob", policy=relaxed)
