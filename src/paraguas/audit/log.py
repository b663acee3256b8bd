"""Appending to the audit log, reading it, and verifying that its chain is intact."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from paraguas.audit.chain import GENESIS_HASH, AuditEvent, canonical_json, event_hash, record_hash
from paraguas.store import AuditRecord, MetadataStore, Transaction

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Verification:
    """The outcome of walking the chain: how many events were checked and the first broken one."""

    ok: bool
    checked: int
    broken_seq: int | None = None
    problem: str = ""
    head_hash: str = GENESIS_HASH  # the last verified event's hash: keep a copy to anchor the chain

    def __str__(self) -> str:
        if self.ok:
            return (
                f"Audit chain intact: {self.checked} events verified (head {self.head_hash[:12]})."
            )
        return f"Audit chain broken at event {self.broken_seq}: {self.problem}"


class AuditLog:
    """The audit log of one metadata store. It can append and read; it cannot change or delete."""

    def __init__(self, metadata: MetadataStore, *, clock: Clock = utcnow) -> None:
        self._metadata = metadata
        self._clock = clock

    def append(
        self,
        tx: Transaction,
        *,
        actor: str,
        action: str,
        subject: str,
        payload: Mapping[str, Any] | None = None,
    ) -> AuditEvent:
        """Add an event inside the caller's transaction: it commits (or not) with the change it
        records. Writers queue on the chain head, so the chain never forks."""
        seq, prev_hash = tx.audit.lock_head()
        at = self._clock()
        text = canonical_json(dict(payload or {}))
        record = AuditRecord(
            seq=seq + 1,
            at=at,
            actor=actor,
            action=action,
            subject=subject,
            payload=text,
            prev_hash=prev_hash,
            hash=event_hash(
                seq=seq + 1,
                prev_hash=prev_hash,
                at=at,
                actor=actor,
                action=action,
                subject=subject,
                payload=text,
            ),
        )
        tx.audit.append(record)
        return AuditEvent.from_record(record)

    def record(
        self, *, actor: str, action: str, subject: str, payload: Mapping[str, Any] | None = None
    ) -> AuditEvent:
        """Add an event in a transaction of its own."""
        with self._metadata.transaction() as tx:
            return self.append(tx, actor=actor, action=action, subject=subject, payload=payload)

    def events(self, *, subject: str | None = None) -> Iterator[AuditEvent]:
        """Events in chain order, optionally only those about ``subject`` (e.g. ``model:fraud``)."""
        with self._metadata.transaction(write=False) as tx:
            for record in tx.audit.events(subject=subject):
                yield AuditEvent.from_record(record)

    def verify(self) -> Verification:
        """Walk the whole chain; report the first event whose content or link does not match."""
        with self._metadata.transaction(write=False) as tx:
            head_seq, head_hash = tx.audit.head()
            expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
            for record in tx.audit.events():
                if record.seq > head_seq:
                    break  # appended after we started; it will be checked next time
                if record.seq != expected_seq:
                    return Verification(
                        False,
                        checked,
                        expected_seq,
                        f"event {expected_seq} is missing (the next stored event is {record.seq}).",
                    )
                if record.prev_hash != prev_hash:
                    return Verification(
                        False,
                        checked,
                        record.seq,
                        f"its link to the previous event does not match (stored prev_hash "
                        f"{record.prev_hash[:12]}…, previous event's hash {prev_hash[:12]}…).",
                    )
                if record_hash(record) != record.hash:
                    return Verification(
                        False,
                        checked,
                        record.seq,
                        f"its content does not match its hash (action {record.action!r}, "
                        f"subject {record.subject!r}, by {record.actor!r}): it was altered.",
                    )
                prev_hash, expected_seq, checked = record.hash, record.seq + 1, checked + 1
            if checked != head_seq or prev_hash != head_hash:
                return Verification(
                    False,
                    checked,
                    checked + 1,
                    f"the chain ends at event {checked} but its head says {head_seq}: "
                    "events were removed from the end.",
                )
            return Verification(True, checked, head_hash=prev_hash)
