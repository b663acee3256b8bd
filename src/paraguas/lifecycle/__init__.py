"""The daily lifecycle: what runs each day after training, prediction and monitoring, and its alerts."""

from __future__ import annotations

from paraguas.lifecycle.alerts import ALERT_EVENTS, Alert, Alerter, Delivery
from paraguas.lifecycle.cycle import STEPS, CycleDay, run_day
from paraguas.lifecycle.promotion import check_approver, judge_challenger
from paraguas.lifecycle.retraining import RetrainDecision, should_retrain

__all__ = [
    "ALERT_EVENTS",
    "STEPS",
    "Alert",
    "Alerter",
    "CycleDay",
    "Delivery",
    "RetrainDecision",
    "check_approver",
    "judge_challenger",
    "run_day",
    "should_retrain",
]
