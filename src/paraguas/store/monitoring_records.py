"""Reading and writing monitoring results inside one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from paraguas.store.records import MonitoringResult
from paraguas.store.tables import MonitoringResultRow


class MonitoringRecords:
    """The monitoring results, as :class:`MonitoringResult` values."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def replace_run(
        self,
        model: str,
        day: date,
        window_days: int,
        results: Sequence[MonitoringResult],
        at: datetime,
    ) -> int:
        """Store a run's results in place of any earlier run of the same model, day and window
        (re-running a day never duplicates it). Returns how many earlier rows were replaced."""
        replaced = self._session.execute(  # type: ignore[attr-defined]
            delete(MonitoringResultRow).where(
                MonitoringResultRow.model == model,
                MonitoringResultRow.day == day,
                MonitoringResultRow.window_days == window_days,
            )
        ).rowcount
        self._session.add_all(
            MonitoringResultRow(
                model=model,
                day=day,
                window_days=window_days,
                kind=result.kind,
                subject=result.subject,
                method=result.method,
                version=result.version,
                role=result.role,
                value=result.value,
                threshold=result.threshold,
                status=result.status,
                detail=result.detail,
                extra=dict(result.extra),
                computed_at=at,
            )
            for result in results
        )
        self._session.flush()
        return int(replaced or 0)

    def results(
        self,
        model: str,
        *,
        start: date | None = None,
        end: date | None = None,
        window_days: int | None = None,
        kinds: Sequence[str] = (),
    ) -> list[MonitoringResult]:
        """Stored results of ``model`` for days in ``[start, end]``, oldest day first."""
        query = select(MonitoringResultRow).where(MonitoringResultRow.model == model)
        if start is not None:
            query = query.where(MonitoringResultRow.day >= start)
        if end is not None:
            query = query.where(MonitoringResultRow.day <= end)
        if window_days is not None:
            query = query.where(MonitoringResultRow.window_days == window_days)
        if kinds:
            query = query.where(MonitoringResultRow.kind.in_(list(kinds)))
        rows = self._session.scalars(
            query.order_by(MonitoringResultRow.day, MonitoringResultRow.id)
        )
        return [_record(row) for row in rows]

    def days(self, model: str) -> list[date]:
        """The days with stored results for ``model``, oldest first."""
        rows = self._session.scalars(
            select(MonitoringResultRow.day)
            .where(MonitoringResultRow.model == model)
            .group_by(MonitoringResultRow.day)
            .order_by(MonitoringResultRow.day)
        )
        return list(rows)


def _record(row: MonitoringResultRow) -> MonitoringResult:
    return MonitoringResult(
        model=row.model,
        day=row.day,
        window_days=row.window_days,
        kind=row.kind,
        subject=row.subject,
        method=row.method,
        version=row.version,
        role=row.role,
        value=row.value,
        threshold=row.threshold,
        status=row.status,
        detail=row.detail,
        extra=dict(row.extra or {}),
        computed_at=row.computed_at,
    )
