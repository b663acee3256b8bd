"""Opening the metadata store's database: the engine, SQLite's pragmas, errors that say the fix."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError, NoSuchModuleError

from paraguas.errors import StoreUnavailableError

SQLITE_BUSY_TIMEOUT_S = 30.0
# Passed as execution option: write transactions on SQLite begin IMMEDIATE, taking the write lock
# at once, so two writers never deadlock upgrading from a read lock.
SQLITE_BEGIN = "paraguas_sqlite_begin"


def redact(url: str) -> str:
    """The URL with its password hidden, safe to print."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


def create_store_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys, a busy timeout and explicit BEGINs."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreUnavailableError(
            f"Store URL {url!r} is not a database URL: expected e.g. "
            "'sqlite:///path/paraguas.db' or 'postgresql+psycopg://user@host:5432/db'. "
            "Fix store_url in paraguas.yaml or PARAGUAS_STORE_URL."
        ) from None
    try:
        if parsed.get_backend_name() == "sqlite":
            return _sqlite_engine(url, parsed.database)
        if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() == "psycopg2":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return _fork_safe(create_engine(parsed, pool_pre_ping=True))
    except NoSuchModuleError:
        raise StoreUnavailableError(
            f"Store URL {redact(url)!r} names a database driver that is not installed "
            f"({parsed.drivername!r}). For PostgreSQL use 'postgresql+psycopg://...' and "
            "install paraguas[postgres]."
        ) from None
    except ModuleNotFoundError as exc:
        raise StoreUnavailableError(
            f"Store URL {redact(url)!r} needs the Python package {exc.name!r}; "
            "for PostgreSQL install paraguas[postgres]."
        ) from None


def _sqlite_engine(url: str, database: str | None) -> Engine:
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    # Pooled: opening a connection, setting its pragmas and closing it (which checkpoints the
    # WAL) would cost more than most transactions. _fork_safe keeps forked children off the
    # parent's connections.
    engine = _fork_safe(create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S}))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, issue BEGIN (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _fork_safe(engine: Engine) -> Engine:
    """A pooled connection is never used by a process other than the one that opened it.

    SQLAlchemy's recipe for pools and os.fork: a connection checked out in a forked child is
    dropped (without closing the parent's socket or file) and a new one is opened.
    """

    @event.listens_for(engine, "connect")
    def _remember_pid(_dbapi_connection: Any, record: Any) -> None:
        record.info["pid"] = os.getpid()

    @event.listens_for(engine, "checkout")
    def _check_pid(_dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if record.info.get("pid") != os.getpid():
            record.dbapi_connection = proxy.dbapi_connection = None
            raise DisconnectionError("connection opened by another process; reconnecting")

    return engine
