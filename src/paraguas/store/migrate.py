"""Bringing a metadata store's schema to the revision this version of paraguas expects."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

from paraguas.errors import StoreError
from paraguas.store.database import SQLITE_BEGIN
from paraguas.store.migrations import HEAD

if TYPE_CHECKING:
    from alembic.config import Config

# Any constant works; it only has to be the same for every paraguas process on one database.
_PG_MIGRATION_LOCK = 0x70617261  # "para"


def current_revision(connection: Connection) -> str | None:
    """The store's schema revision, or ``None`` for an empty database."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return None if revision is None else str(revision)


def upgrade(engine: Engine) -> None:
    """Migrate the store to :data:`HEAD`; safe when several processes start at once."""
    with engine.connect() as connection:
        if current_revision(connection) == HEAD:  # the common case costs one query, no Alembic
            return
    with engine.connect() as connection:
        connection.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
                )
            revision = current_revision(connection)
            if revision == HEAD:
                return
            _run_alembic(connection)


def _run_alembic(connection: Connection) -> None:
    from alembic import command
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    config = _alembic_config()
    config.attributes["connection"] = connection
    try:
        command.upgrade(config, "head")
    except (CommandError, RevisionError) as exc:
        raise StoreError(
            f"The metadata store's schema cannot be migrated to revision {HEAD}: {exc}. "
            "If the store was created by a newer paraguas, upgrade paraguas."
        ) from exc


def _alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "paraguas.store:migrations")
    return config
