"""Decisions people take rather than the daily cycle: approving a challenger that won its test
under manual approval, and rolling the champion back. Each is stored as a lifecycle decision,
with its audit event, in the transaction that moves the alias: both happen, or neither."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from paraguas.errors import PolicyError
from paraguas.registry import CHALLENGER, CHAMPION
from paraguas.store import DecisionRecord

if TYPE_CHECKING:
    from paraguas.monitoring.flow import Monitor
    from paraguas.spec import ModelSpec
    from paraguas.store import Transaction

__all__ = ["approve", "rollback"]

Clock = Callable[[], datetime]


def approve(where: Monitor, spec: ModelSpec, by: str, *, now: Clock | None = None) -> int:
    """Promote ``spec``'s challenger that waits for approval, as ``by``; return its version.

    Refused (:class:`PolicyError`) when no challenger waits, or when ``by`` ordered the retrain
    or trained the version and the policy asks for segregation of duties.
    """
    from paraguas.lifecycle.cycle import pending_order
    from paraguas.lifecycle.promotion import check_approver

    name = spec.name
    challenger = where.registry.alias(name, CHALLENGER)
    with where.metadata.transaction(write=False) as tx:
        history = tx.lifecycle.decisions(name)
    waiting = [
        d
        for d in history
        if d.action == "awaiting_approval" and challenger and d.challenger == challenger.version
    ]
    if challenger is None or not waiting:
        raise PolicyError(
            f"{name} has no challenger waiting for approval. See: paraguas decisions {name}"
        )
    order = pending_order([d for d in history if d.at <= challenger.created_at])
    check_approver(
        by,
        requested_by=order.actor if order else None,
        trained_by=challenger.created_by,
        policy=spec.promotion,
    )
    reason = f"approved by {by}: {waiting[-1].reason}"
    at = (now or _utcnow)()
    record = DecisionRecord(
        name, waiting[-1].day, "approve", challenger.version, None, reason, {}, by, at
    )
    where.registry.promote(
        name, challenger.version, reason=reason, actor=by, together=_writer(where, record)
    )
    return challenger.version


def rollback(
    where: Monitor, name: str, *, reason: str, actor: str | None = None, now: Clock | None = None
) -> DecisionRecord:
    """Give ``name``'s champion back to the one before it, recorded as a ``rollback`` decision
    of today (evidence: the versions from and to); return the decision."""
    at = (now or _utcnow)()
    found: list[DecisionRecord] = []

    def record(tx: Transaction) -> None:
        moved = tx.registry.alias_changes(name, CHAMPION)[-1]  # the rollback just made
        decision = DecisionRecord(
            model=name,
            day=at.date(),
            action="rollback",
            champion=moved.version,
            challenger=tx.registry.alias(name, CHALLENGER),
            reason=reason,
            evidence={"from": moved.previous_version, "to": moved.version},
            actor=moved.actor,
            at=at,
        )
        _writer(where, decision)(tx)
        found.append(decision)

    where.registry.rollback(name, reason=reason, actor=actor, together=record)
    return found[0]


def _writer(where: Monitor, record: DecisionRecord) -> Callable[[Transaction], None]:
    from paraguas.lifecycle.cycle import record_decision

    payload = {"day": record.day.isoformat(), "reason": record.reason, "champion": record.champion}
    return lambda tx: record_decision(tx, where.audit, record, payload)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)
