"""The metadata store's tables. These ORM classes never leave the ``store`` package."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone, so we store UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: paraguas stores aware UTC times only")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON}


class ModelRow(Base):
    __tablename__ = "models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(63), unique=True)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))
    # The last version number handed out; bumped under the row lock, so numbers are never reused.
    last_version: Mapped[int] = mapped_column(Integer, default=0)


class VersionRow(Base):
    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("model_id", "version", name="uq_model_versions_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))
    artifact_sha256: Mapped[str] = mapped_column(String(64))
    artifact_uri: Mapped[str] = mapped_column(Text)
    artifact_format: Mapped[str] = mapped_column(String(20))
    artifact_size: Mapped[int] = mapped_column(BigInteger)
    params: Mapped[dict[str, Any]]
    metrics: Mapped[dict[str, Any]]
    tags: Mapped[dict[str, Any]]
    lineage: Mapped[dict[str, Any]]
    # name -> sha256 of a JSON artifact (input schema, reference profile, …)
    attachments: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    reason: Mapped[str] = mapped_column(Text, default="")


class AliasRow(Base):
    """The current holder of each alias; at most one version per (model, alias)."""

    __tablename__ = "model_aliases"

    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"), primary_key=True)
    alias: Mapped[str] = mapped_column(String(20), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    since: Mapped[datetime]


class AliasChangeRow(Base):
    """Every move of an alias, so the holder at any past time can be answered."""

    __tablename__ = "model_alias_changes"
    __table_args__ = (Index("ix_model_alias_changes_lookup", "model_id", "alias", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"))
    alias: Mapped[str] = mapped_column(String(20))
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    previous_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    action: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)


class AuditEventRow(Base):
    """One link of the hash chain. ``prev_hash`` is unique: two events can never share a parent."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100), index=True)
    subject: Mapped[str] = mapped_column(String(200), index=True)
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON, hashed as stored
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHeadRow(Base):
    """A single row naming the chain's last event; writers lock it to append one at a time."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class MonitoringResultRow(Base):
    """One statistic of a monitoring run; a run of (model, day, window) replaces its rows."""

    __tablename__ = "monitoring_results"
    __table_args__ = (
        Index("ix_monitoring_results_run", "model", "day", "window_days"),
        Index("ix_monitoring_results_series", "model", "kind", "subject", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model: Mapped[str] = mapped_column(String(63))
    day: Mapped[date] = mapped_column(Date)
    window_days: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(30))
    subject: Mapped[str] = mapped_column(String(300))
    method: Mapped[str] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(20))
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    status: Mapped[str] = mapped_column(String(10))
    detail: Mapped[str] = mapped_column(Text, default="")
    extra: Mapped[dict[str, Any]]
    computed_at: Mapped[datetime]


class DecisionRow(Base):
    """One lifecycle decision (keep, retrain, promote, reject, rollback, ...) with its evidence."""

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_model_day", "model", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model: Mapped[str] = mapped_column(String(63))
    day: Mapped[date] = mapped_column(Date)
    action: Mapped[str] = mapped_column(String(30))
    champion: Mapped[int | None] = mapped_column(Integer, nullable=True)
    challenger: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]]
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]


class CycleStepRow(Base):
    """The journal of the daily cycle: a step of (model, day) done once, never twice."""

    __tablename__ = "cycle_steps"
    __table_args__ = (UniqueConstraint("model", "day", "step", name="uq_cycle_steps"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model: Mapped[str] = mapped_column(String(63))
    day: Mapped[date] = mapped_column(Date)
    step: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(10))
    detail: Mapped[dict[str, Any]]
    at: Mapped[datetime]


class CycleLockRow(Base):
    """Who runs the cycle of (model, day) now: one row at most, by its primary key."""

    __tablename__ = "cycle_locks"

    model: Mapped[str] = mapped_column(String(63), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime]
