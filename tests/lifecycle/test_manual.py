"""Decisions people take: a rollback is stored as a lifecycle decision with its audit event, in
the transaction that moves the champion; a refused one records nothing."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from paraguas.errors import AliasError
from paraguas.lifecycle.manual import rollback
from paraguas.monitoring.flow import Monitor
from paraguas.registry import CHAMPION

AT = datetime(2026, 3, 14, 9, tzinfo=timezone.utc)


def test_a_rollback_is_a_decision_with_its_evidence(where: Monitor, fitted_model: Any) -> None:
    for number in (1, 2):
        where.registry.register("rain", fitted_model)
        where.registry.promote("rain", number, reason=f"v{number}")
    decided = rollback(where, "rain", reason="complaints", actor="ops", now=lambda: AT)
    assert where.registry.alias("rain", CHAMPION).version == 1  # type: ignore[union-attr]
    assert (decided.day, decided.action, decided.champion, decided.actor) == (
        AT.date(),
        "rollback",
        1,
        "ops",
    )
    assert decided.evidence == {"from": 2, "to": 1} and decided.reason == "complaints"
    with where.metadata.transaction(write=False) as tx:
        assert tx.lifecycle.decisions("rain") == [decided]
    actions = [e.action for e in where.audit.events(subject="model:rain")]
    assert actions[-2:] == ["alias.rolled_back", "decision.rollback"]
    assert where.audit.verify().ok


def test_a_refused_rollback_records_nothing(where: Monitor, fitted_model: Any) -> None:
    where.registry.register("rain", fitted_model)
    where.registry.promote("rain", 1, reason="first")
    before = list(where.audit.events())
    with pytest.raises(AliasError, match="no previous champion"):
        rollback(where, "rain", reason="nothing to go back to")
    with where.metadata.transaction(write=False) as tx:
        assert tx.lifecycle.decisions("rain") == []
    assert list(where.audit.events()) == before
