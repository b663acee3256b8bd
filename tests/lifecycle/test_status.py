"""Where every model stands (``paraguas status``): each thing that needs someone is named, with
its command, and a quiet model needs nothing."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from paraguas.lifecycle.status import overview
from paraguas.monitoring.flow import Monitor
from paraguas.store import DecisionRecord, MonitoringResult

DAY = date(2026, 3, 14)
AT = datetime(2026, 3, 14, 20, tzinfo=timezone.utc)


def _journal(where: Monitor, *steps: str) -> None:
    with where.metadata.transaction() as tx:
        for step in steps:
            tx.lifecycle.record_step("rain", DAY, step, "done", {}, AT)


def _decide(where: Monitor, action: str, reason: str = "because") -> None:
    with where.metadata.transaction() as tx:
        tx.lifecycle.add_decision(DecisionRecord("rain", DAY, action, 1, 2, reason, {}, "x", AT))


def _monitored(where: Monitor, **statuses: str) -> None:
    results = [
        MonitoringResult("rain", DAY, 7, kind, kind, "m", 1, "champion", 0.1, 0.2, status)
        for kind, status in statuses.items()
    ]
    with where.metadata.transaction() as tx:
        tx.monitoring.replace_run("rain", DAY, 7, results, AT)


def _served(where: Monitor, model: Any) -> None:
    for _ in range(2):
        where.registry.register("rain", model)
    where.registry.promote("rain", 1, reason="first")
    where.registry.set_challenger("rain", 2, reason="retrained")


def test_a_model_never_trained_needs_a_champion(where: Monitor) -> None:
    (found,) = overview(where, ["rain"])
    assert (found.champion, found.challenger, found.last_cycle, found.monitoring) == (
        None,
        None,
        None,
        None,
    )
    assert found.cycle_finished and found.last_decision is None
    assert len(found.attention) == 1 and found.attention[0].startswith("no champion")
    assert "paraguas train rain" in found.attention[0]


def test_a_quiet_model_needs_nothing(where: Monitor, fitted_model: Any) -> None:
    _served(where, fitted_model)
    _journal(where, "monitor", "decide", "judge", "score")
    _decide(where, "wait")
    _monitored(where, drift="ok", performance="warn")
    (found,) = overview(where, ["rain"])
    assert (found.champion, found.challenger, found.last_cycle) == (1, 2, DAY)
    assert found.shadow_since == where.registry.history("rain", "challenger")[-1].at.date()
    assert found.cycle_finished and found.monitoring == "warn" and found.flagged == ()
    assert found.last_decision is not None and found.last_decision.action == "wait"
    assert found.attention == ()


def test_each_thing_that_needs_someone_is_named_with_its_command(
    where: Monitor, fitted_model: Any
) -> None:
    _served(where, fitted_model)
    _journal(where, "monitor", "decide")  # killed before it scored
    _decide(where, "awaiting_approval")
    _monitored(where, drift="alert", quality="error", performance="ok")
    (found,) = overview(where, ["rain"])
    assert not found.cycle_finished and found.monitoring == "alert"
    assert found.flagged == ("drift", "quality")
    unfinished, approval, flagged = found.attention
    assert f"the cycle of {DAY} did not finish" in unfinished
    assert f"paraguas cycle --date {DAY} --model rain" in unfinished
    assert "version 2 won its test" in approval and "paraguas approve rain --by" in approval
    assert "flagged drift, quality" in flagged and f"paraguas monitor rain --date {DAY}" in flagged


def test_a_failed_retrain_is_said_with_its_reason(where: Monitor, fitted_model: Any) -> None:
    _served(where, fitted_model)
    _journal(where, "monitor", "decide", "retrain", "judge", "score")
    _decide(where, "failed", "training failed: one class only")
    (found,) = overview(where, ["rain"])
    assert found.attention == (f"a retrain failed on {DAY}: training failed: one class only",)
