from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from paraguas.errors import StoreError, StoreUnavailableError
from paraguas.store import MetadataStore
from paraguas.store.migrations import HEAD


def test_head_constant_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    from paraguas.store.migrate import _alembic_config

    assert ScriptDirectory.from_config(_alembic_config()).get_current_head() == HEAD


def test_opening_creates_the_schema_at_head(metadata: MetadataStore) -> None:
    with metadata.engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert {"models", "model_versions", "model_aliases", "audit_events", "audit_head"} <= tables
    assert revision == HEAD


def test_opening_twice_keeps_the_data(store_url: str) -> None:
    first = MetadataStore.open(store_url)
    with first.transaction() as tx:
        tx.audit.lock_head()
    first.close()
    second = MetadataStore.open(store_url)
    with second.transaction(write=False) as tx:
        assert tx.audit.head() == (0, "0" * 64)
    second.close()


def test_sqlite_store_uses_wal(tmp_path: Path) -> None:
    store = MetadataStore.open(f"sqlite:///{tmp_path / 'a' / 'b.db'}")
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    store.close()


def test_unreachable_server_names_the_url_without_password() -> None:
    with pytest.raises(StoreUnavailableError) as caught:
        MetadataStore.open("postgresql+psycopg://alice:s3cret@127.0.0.1:1/models")
    message = str(caught.value)
    assert "127.0.0.1:1/models" in message and "s3cret" not in message
    assert "store_url" in message


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "is not a database URL"),
        ("nosuchdb://host/x", "driver that is not installed"),
    ],
)
def test_bad_urls_say_what_was_expected(url: str, expected: str) -> None:
    with pytest.raises(StoreUnavailableError, match=expected):
        MetadataStore.open(url)


def test_a_store_from_a_newer_paraguas_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    MetadataStore.open(url).close()
    store = MetadataStore(url)
    from paraguas.store.database import create_store_engine

    engine = create_store_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match="newer paraguas"):
        MetadataStore.open(url)
    assert store.url == url


def test_an_unopened_store_says_how_to_open_it() -> None:
    with pytest.raises(StoreError, match=r"MetadataStore.open"):
        _ = MetadataStore("sqlite://").engine


def test_a_store_at_an_older_revision_is_migrated_keeping_its_rows(tmp_path: Path) -> None:
    from alembic import command

    from paraguas.store.database import create_store_engine
    from paraguas.store.migrate import _alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_store_engine(url)
    with engine.begin() as connection:
        config = _alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.execute(
            text(
                "INSERT INTO models (id, name, created_at, created_by, last_version) "
                "VALUES (1, 'rain', '2026-01-01 00:00:00', 'a', 1)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO model_versions (id, model_id, version, created_at, created_by, "
                "artifact_sha256, artifact_uri, artifact_format, artifact_size, params, metrics, "
                "tags, lineage, reason) VALUES (1, 1, 1, '2026-01-01 00:00:00', 'a', :sha, 'u', "
                "'skops', 1, '{}', '{}', '{}', '{}', '')"
            ),
            {"sha": "a" * 64},
        )
    engine.dispose()
    store = MetadataStore.open(url)
    with store.transaction(write=False) as tx:
        version = tx.registry.version("rain", 1)
    store.close()
    assert version is not None and version.attachments == {}


def _write_in_child(store: MetadataStore, results: object) -> None:
    with store.transaction() as tx:
        tx.audit.lock_head()
    results.put("ok")  # type: ignore[attr-defined]


def test_a_forked_child_never_uses_the_parents_connections(store_url: str) -> None:
    import multiprocessing

    store = MetadataStore.open(store_url)
    with store.transaction() as tx:  # the parent now holds a pooled connection
        tx.audit.lock_head()
    fork = multiprocessing.get_context("fork")
    results = fork.Queue()
    child = fork.Process(target=_write_in_child, args=(store, results))
    with warnings.catch_warnings():  # Python 3.12+ warns about fork() with threads around
        warnings.simplefilter("ignore", DeprecationWarning)
        child.start()
    assert results.get(timeout=60) == "ok"
    child.join(timeout=60)
    assert child.exitcode == 0
    with store.transaction(write=False) as tx:  # and the parent's connection still works
        assert tx.audit.head()[0] == 0
    store.close()
