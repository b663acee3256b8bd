"""Reading and appending audit events inside one transaction. There is no update or delete."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from paraguas.store.records import AuditRecord
from paraguas.store.tables import AuditEventRow, AuditHeadRow

_HEAD_ID = 1


class AuditRecords:
    """The audit chain's rows, seen as :class:`AuditRecord` values."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def lock_head(self) -> tuple[int, str]:
        """The chain's last (seq, hash), locked so no other writer appends until this one commits."""
        head = self._session.execute(
            select(AuditHeadRow).where(AuditHeadRow.id == _HEAD_ID).with_for_update()
        ).scalar_one()
        return head.seq, head.hash

    def append(self, record: AuditRecord) -> None:
        """Insert ``record`` and make it the head. Call :meth:`lock_head` first, in this transaction."""
        self._session.add(
            AuditEventRow(
                seq=record.seq,
                at=record.at,
                actor=record.actor,
                action=record.action,
                subject=record.subject,
                payload=record.payload,
                prev_hash=record.prev_hash,
                hash=record.hash,
            )
        )
        head = self._session.get(AuditHeadRow, _HEAD_ID)
        assert head is not None
        head.seq, head.hash = record.seq, record.hash
        self._session.flush()

    def head(self) -> tuple[int, str]:
        """The chain's last (seq, hash), without locking."""
        head = self._session.get(AuditHeadRow, _HEAD_ID)
        assert head is not None
        return head.seq, head.hash

    def events(
        self, *, subject: str | None = None, after: int = 0, batch: int = 1000
    ) -> Iterator[AuditRecord]:
        """Events in chain order, read in batches so a long chain never sits in memory at once.

        ``subject`` keeps the events about it, including ``subject/...`` sub-subjects.
        """
        while True:
            query = (
                select(AuditEventRow)
                .where(AuditEventRow.seq > after)
                .order_by(AuditEventRow.seq)
                .limit(batch)
            )
            if subject is not None:
                query = query.where(
                    or_(
                        AuditEventRow.subject == subject,
                        AuditEventRow.subject.startswith(subject + "/", autoescape=True),
                    )
                )
            rows = list(self._session.scalars(query))
            for row in rows:
                yield AuditRecord(
                    seq=row.seq,
                    at=row.at,
                    actor=row.actor,
                    action=row.action,
                    subject=row.subject,
                    payload=row.payload,
                    prev_hash=row.prev_hash,
                    hash=row.hash,
                )
            if len(rows) < batch:
                return
            after = rows[-1].seq
            self._session.expunge_all()
