"""Reading and writing monitoring results inside one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import delete, insert, select
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
        if results:
            # One executemany, not an ORM object per row: a run stores dozens of results.
            self._session.execute(
                insert(MonitoringResultRow),
                [
                    {
                        "model": model,
                        "day": day,
                        "window_days": window_days,
                        "kind": result.kind,
                        "subject": result.subject,
                        "method": result.method,
                        "version": result.version,
                        "role": result.role,
                        "value": result.value,
                        "threshold": result.threshold,
                        "status": result.status,
                        "detail": result.detail,
                        "extra": dict(result.extra),
                        "computed_at": at,
                    }
                    for result in results
                ],
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

    def last_runs(
        self, model: str, *, end: date, runs: int, kinds: Sequence[str] = ()
    ) -> list[MonitoringResult]:
        """The results of ``model``'s last ``runs`` monitored days up to ``end`` (of ``kinds``
        only, when given), oldest day first: what a decision about ``end`` needs to read."""
        query = select(MonitoringResultRow.day).where(
            MonitoringResultRow.model == model, MonitoringResultRow.day <= end
        )
        if kinds:
            query = query.where(MonitoringResultRow.kind.in_(list(kinds)))
        days = list(
            self._session.scalars(
                query.group_by(MonitoringResultRow.day)
                .order_by(MonitoringResultRow.day.desc())
                .limit(max(runs, 1))
            )
        )
        if not days:
            return []
        return self.results(model, start=min(days), end=end, kinds=kinds)

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
