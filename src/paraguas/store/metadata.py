"""The metadata store: small rows (models, versions, aliases, audit events) in SQL.

SQLite is the embedded default; PostgreSQL is the team store. Opening a store migrates its schema
to the revision this paraguas expects. Work happens in :class:`Transaction` units: everything done
in one either commits together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from paraguas.errors import StoreError, StoreUnavailableError
from paraguas.store.audit_records import AuditRecords
from paraguas.store.database import SQLITE_BEGIN, create_store_engine, redact
from paraguas.store.lifecycle_records import LifecycleRecords
from paraguas.store.migrate import upgrade
from paraguas.store.monitoring_records import MonitoringRecords
from paraguas.store.registry_records import RegistryRecords


@dataclass(frozen=True)
class Transaction:
    """One unit of work on the metadata store, with its record sets."""

    registry: RegistryRecords
    audit: AuditRecords
    monitoring: MonitoringRecords
    lifecycle: LifecycleRecords


class MetadataStore:
    """A handle on one metadata store database. Constructing it does no I/O; :meth:`open` does."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None

    @classmethod
    def open(cls, url: str) -> MetadataStore:
        """Connect to the store at ``url`` and bring its schema up to date."""
        store = cls(url)
        store._engine = create_store_engine(url)
        try:
            upgrade(store._engine)
        except DBAPIError as exc:
            store.close()
            raise StoreUnavailableError(
                f"Cannot open the metadata store at {redact(url)}: {_first_line(exc)}. "
                "Check that the database server is running and that store_url in paraguas.yaml "
                "(or PARAGUAS_STORE_URL) is right."
            ) from exc
        return store

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise StoreError("The metadata store is not open: call MetadataStore.open(url).")
        return self._engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Transaction]:
        """A unit of work: commits when the block ends, rolls back if it raises.

        Write transactions on SQLite take the write lock at once (``BEGIN IMMEDIATE``), so
        concurrent writers queue instead of failing half-way.
        """
        engine = self.engine
        if write and engine.dialect.name == "sqlite":
            engine = engine.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
        try:
            with Session(engine, expire_on_commit=False) as session, session.begin():
                yield Transaction(
                    registry=RegistryRecords(session),
                    audit=AuditRecords(session),
                    monitoring=MonitoringRecords(session),
                    lifecycle=LifecycleRecords(session),
                )
        except DBAPIError as exc:
            raise StoreError(
                f"The metadata store at {redact(self.url)} failed: {_first_line(exc)}."
            ) from exc

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def _first_line(exc: DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc).splitlines()[0]
