"""The daily lifecycle's rows: decisions, the journal of cycle steps, and per-day locks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from paraguas.store.records import CycleStep, DecisionRecord
from paraguas.store.tables import CycleLockRow, CycleStepRow, DecisionRow


class LifecycleRecords:
    """Decisions, the cycle journal and its locks, as values of :mod:`paraguas.store.records`."""

    def __init__(self, session: Session) -> None:
        self._session = session

    # decisions --------------------------------------------------------------------------------

    def add_decision(self, decision: DecisionRecord) -> None:
        self._session.add(
            DecisionRow(
                model=decision.model,
                day=decision.day,
                action=decision.action,
                champion=decision.champion,
                challenger=decision.challenger,
                reason=decision.reason,
                evidence=dict(decision.evidence),
                actor=decision.actor,
                at=decision.at,
            )
        )
        self._session.flush()

    def decisions(
        self,
        model: str,
        *,
        start: date | None = None,
        end: date | None = None,
        actions: Sequence[str] = (),
    ) -> list[DecisionRecord]:
        """``model``'s decisions from ``start`` to ``end`` (days, both included), oldest first;
        only those whose action is in ``actions``, when given."""
        query = select(DecisionRow).where(DecisionRow.model == model)
        if actions:
            query = query.where(DecisionRow.action.in_(list(actions)))
        if start is not None:
            query = query.where(DecisionRow.day >= start)
        if end is not None:
            query = query.where(DecisionRow.day <= end)
        rows = self._session.scalars(query.order_by(DecisionRow.day, DecisionRow.id))
        return [_decision(row) for row in rows]

    def latest_decisions(self, model: str, count: int) -> list[DecisionRecord]:
        """``model``'s last ``count`` decisions, oldest first."""
        rows = self._session.scalars(
            select(DecisionRow)
            .where(DecisionRow.model == model)
            .order_by(DecisionRow.day.desc(), DecisionRow.id.desc())
            .limit(count)
        )
        return [_decision(row) for row in reversed(list(rows))]

    # the journal ------------------------------------------------------------------------------

    def record_step(
        self, model: str, day: date, step: str, status: str, detail: Mapping[str, Any], at: datetime
    ) -> bool:
        """Journal ``step`` of (model, day); ``False`` if it was already journaled (a re-run, or
        another process got there first): the journal never holds a step twice."""
        statement = self._insert(CycleStepRow).values(
            model=model, day=day, step=step, status=status, detail=dict(detail), at=at
        )
        # RETURNING says whether a row went in (rowcount is not reliable for an upsert).
        result = self._session.execute(
            statement.on_conflict_do_nothing(index_elements=["model", "day", "step"]).returning(
                CycleStepRow.id
            )
        )
        return result.first() is not None

    def steps(self, model: str, day: date) -> list[CycleStep]:
        """The journaled steps of (model, day), in the order they were done."""
        rows = self._session.scalars(
            select(CycleStepRow)
            .where(CycleStepRow.model == model, CycleStepRow.day == day)
            .order_by(CycleStepRow.id)
        )
        return [
            CycleStep(row.model, row.day, row.step, row.status, dict(row.detail or {}), row.at)
            for row in rows
        ]

    def last_day(self, model: str) -> date | None:
        """The latest day the cycle journaled a step of ``model`` (``None``: it never ran)."""
        found: date | None = self._session.scalar(
            select(func.max(CycleStepRow.day)).where(CycleStepRow.model == model)
        )
        return found

    # locks ------------------------------------------------------------------------------------

    def acquire(
        self, model: str, day: date, holder: str, at: datetime, *, stale_after: timedelta
    ) -> bool:
        """Take the lock of (model, day) for ``holder``. A lock held by another holder for
        longer than ``stale_after`` (its process died) is taken over; otherwise ``False``."""
        statement = self._insert(CycleLockRow).values(
            model=model, day=day, holder=holder, acquired_at=at
        )
        taken = self._session.execute(
            statement.on_conflict_do_nothing(index_elements=["model", "day"]).returning(
                CycleLockRow.holder
            )
        )
        if taken.first() is not None:
            return True
        current = self._session.get(CycleLockRow, (model, day), populate_existing=True)
        if current is None:  # released between our insert and our read: try once more
            return self.acquire(model, day, holder, at, stale_after=stale_after)
        if current.holder == holder:
            return True
        if at - current.acquired_at < stale_after:
            return False
        moved = self._session.execute(
            update(CycleLockRow)
            .where(
                CycleLockRow.model == model,
                CycleLockRow.day == day,
                CycleLockRow.holder == current.holder,
                CycleLockRow.acquired_at == current.acquired_at,
            )
            .values(holder=holder, acquired_at=at)
            .execution_options(synchronize_session=False)
        )
        return bool(moved.rowcount)  # type: ignore[attr-defined]

    def holder(self, model: str, day: date) -> str | None:
        """Who holds the lock of (model, day), if anyone."""
        row = self._session.get(CycleLockRow, (model, day), populate_existing=True)
        return None if row is None else row.holder

    def release(self, model: str, day: date, holder: str) -> bool:
        """Give the lock back; ``False`` if ``holder`` did not hold it (it was taken over)."""
        gone = self._session.execute(
            delete(CycleLockRow).where(
                CycleLockRow.model == model, CycleLockRow.day == day, CycleLockRow.holder == holder
            )
        )
        return bool(gone.rowcount)  # type: ignore[attr-defined]

    def _insert(self, table: Any) -> Any:
        dialect = self._session.bind.dialect.name  # type: ignore[union-attr]
        return (postgresql if dialect == "postgresql" else sqlite).insert(table)


def _decision(row: DecisionRow) -> DecisionRecord:
    return DecisionRecord(
        model=row.model,
        day=row.day,
        action=row.action,
        champion=row.champion,
        challenger=row.challenger,
        reason=row.reason,
        evidence=dict(row.evidence or {}),
        actor=row.actor,
        at=row.at,
    )
