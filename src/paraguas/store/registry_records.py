"""Reading and writing models, versions and aliases inside one transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from paraguas.store.records import AliasChange, ArtifactRef, ModelRecord, ModelVersion
from paraguas.store.tables import AliasChangeRow, AliasRow, ModelRow, VersionRow


class RegistryRecords:
    """The registry's rows, seen through the values of :mod:`paraguas.store.records`."""

    def __init__(self, session: Session) -> None:
        self._session = session
        # Model rows already read in this transaction, and which of them are locked: an alias
        # move reads its model several times, and the row cannot change under our own lock.
        self._rows: dict[str, ModelRow] = {}
        self._locked: set[str] = set()

    # models -------------------------------------------------------------------------------

    def model(self, name: str, *, lock: bool = False) -> ModelRecord | None:
        """The model named ``name``; with ``lock``, its row stays locked until the transaction ends."""
        row = self._model_row(name, lock=lock)
        return None if row is None else self._model_record(row)

    def models(self) -> list[ModelRecord]:
        rows = self._session.scalars(select(ModelRow).order_by(ModelRow.name))
        return [self._model_record(row) for row in rows]

    def ensure_model(self, name: str, at: datetime, actor: str) -> ModelRecord:
        """Create the model unless it exists (even if another writer creates it at the same
        moment), then lock its row and return it."""
        insert = (
            postgresql.insert if self._session.bind.dialect.name == "postgresql" else sqlite.insert  # type: ignore[union-attr]
        )
        statement = insert(ModelRow).values(
            name=name, created_at=at, created_by=actor, last_version=0
        )
        self._session.execute(statement.on_conflict_do_nothing(index_elements=["name"]))
        row = self._model_row(name, lock=True)
        assert row is not None  # inserted just above or by a concurrent writer
        return self._model_record(row)

    def next_version(self, name: str) -> int:
        """Hand out the next version number of a model locked by this transaction."""
        row = self._model_row(name, lock=True)
        assert row is not None
        row.last_version += 1
        self._session.flush()
        return row.last_version

    # versions -----------------------------------------------------------------------------

    def add_version(self, version: ModelVersion) -> None:
        row = self._model_row(version.model)
        assert row is not None
        self._session.add(
            VersionRow(
                model_id=row.id,
                version=version.version,
                created_at=version.created_at,
                created_by=version.created_by,
                artifact_sha256=version.artifact.sha256,
                artifact_uri=version.artifact.uri,
                artifact_format=version.artifact.format,
                artifact_size=version.artifact.size,
                params=dict(version.params),
                metrics=dict(version.metrics),
                tags=dict(version.tags),
                lineage=dict(version.lineage),
                attachments=dict(version.attachments),
                reason=version.reason,
            )
        )
        self._session.flush()

    def version(self, name: str, number: int) -> ModelVersion | None:
        row = self._session.execute(
            select(VersionRow)
            .join(ModelRow, VersionRow.model_id == ModelRow.id)
            .where(ModelRow.name == name, VersionRow.version == number)
        ).scalar_one_or_none()
        return None if row is None else _version_value(name, row)

    def version_by_alias(self, name: str, alias: str) -> ModelVersion | None:
        """The version holding ``alias`` now, read in one query."""
        row = self._session.execute(
            select(VersionRow)
            .join(ModelRow, VersionRow.model_id == ModelRow.id)
            .join(
                AliasRow,
                (AliasRow.model_id == VersionRow.model_id)
                & (AliasRow.version == VersionRow.version),
            )
            .where(ModelRow.name == name, AliasRow.alias == alias)
        ).scalar_one_or_none()
        return None if row is None else _version_value(name, row)

    def versions(self, name: str) -> list[ModelVersion]:
        rows = self._session.scalars(
            select(VersionRow)
            .join(ModelRow, VersionRow.model_id == ModelRow.id)
            .where(ModelRow.name == name)
            .order_by(VersionRow.version)
        )
        return [_version_value(name, row) for row in rows]

    # aliases ------------------------------------------------------------------------------

    def alias(self, name: str, alias: str) -> int | None:
        """The version holding ``alias`` now, or ``None``."""
        return self._session.execute(
            select(AliasRow.version)
            .join(ModelRow, AliasRow.model_id == ModelRow.id)
            .where(ModelRow.name == name, AliasRow.alias == alias)
        ).scalar_one_or_none()

    def move_alias(self, change: AliasChange) -> None:
        """Point ``change.alias`` at ``change.version`` (or clear it) and record the move."""
        model = self._model_row(change.model)
        assert model is not None
        current = self._session.get(AliasRow, (model.id, change.alias))
        if change.version is None:
            if current is not None:
                self._session.delete(current)
        elif current is None:
            self._session.add(
                AliasRow(
                    model_id=model.id, alias=change.alias, version=change.version, since=change.at
                )
            )
        else:
            current.version = change.version
            current.since = change.at
        self._session.add(
            AliasChangeRow(
                model_id=model.id,
                alias=change.alias,
                version=change.version,
                previous_version=change.previous_version,
                action=change.action,
                at=change.at,
                actor=change.actor,
                reason=change.reason,
            )
        )
        self._session.flush()

    def alias_changes(self, name: str, alias: str | None = None) -> list[AliasChange]:
        """Every move of the model's aliases (or of one alias), oldest first."""
        query = (
            select(AliasChangeRow)
            .join(ModelRow, AliasChangeRow.model_id == ModelRow.id)
            .where(ModelRow.name == name)
            .order_by(AliasChangeRow.id)
        )
        if alias is not None:
            query = query.where(AliasChangeRow.alias == alias)
        return [_change_value(name, row) for row in self._session.scalars(query)]

    def alias_at(self, name: str, alias: str, when: datetime) -> int | None:
        """The version that held ``alias`` at ``when`` (the last move at or before it)."""
        return self._session.execute(
            select(AliasChangeRow.version)
            .join(ModelRow, AliasChangeRow.model_id == ModelRow.id)
            .where(ModelRow.name == name, AliasChangeRow.alias == alias, AliasChangeRow.at <= when)
            .order_by(AliasChangeRow.at.desc(), AliasChangeRow.id.desc())
            .limit(1)
        ).scalar_one_or_none()

    # --------------------------------------------------------------------------------------

    def _model_row(self, name: str, *, lock: bool = False) -> ModelRow | None:
        if name in self._locked or (name in self._rows and not lock):
            return self._rows[name]
        query = select(ModelRow).where(ModelRow.name == name)
        if lock:
            query = query.with_for_update()
        row = self._session.execute(query).scalar_one_or_none()
        if row is not None:
            self._rows[name] = row
            if lock:
                self._locked.add(name)
        return row

    def _model_record(self, row: ModelRow) -> ModelRecord:
        aliases = {
            alias: version
            for alias, version in self._session.execute(
                select(AliasRow.alias, AliasRow.version).where(AliasRow.model_id == row.id)
            )
        }
        return ModelRecord(
            name=row.name,
            created_at=row.created_at,
            created_by=row.created_by,
            latest_version=row.last_version,
            aliases=aliases,
        )


def _version_value(name: str, row: VersionRow) -> ModelVersion:
    return ModelVersion(
        model=name,
        version=row.version,
        created_at=row.created_at,
        created_by=row.created_by,
        artifact=ArtifactRef(
            sha256=row.artifact_sha256,
            uri=row.artifact_uri,
            format=row.artifact_format,
            size=row.artifact_size,
        ),
        params=_plain(row.params),
        metrics=_plain(row.metrics),
        tags=_plain(row.tags),
        lineage=_plain(row.lineage),
        reason=row.reason,
        attachments=_plain(row.attachments),
    )


def _change_value(name: str, row: AliasChangeRow) -> AliasChange:
    return AliasChange(
        model=name,
        alias=row.alias,
        version=row.version,
        previous_version=row.previous_version,
        action=row.action,
        at=row.at,
        actor=row.actor,
        reason=row.reason,
    )


def _plain(value: dict[str, Any] | None) -> dict[str, Any]:
    return dict(value or {})
