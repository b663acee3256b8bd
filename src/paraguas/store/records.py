"""The values the metadata store hands out: frozen dataclasses, never ORM rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class ArtifactRef:
    """Where an artifact lives and the sha256 its bytes must hash to."""

    sha256: str
    uri: str
    format: str
    size: int


@dataclass(frozen=True)
class ModelRecord:
    """A registered model: its name, its newest version number and who holds each alias."""

    name: str
    created_at: datetime
    created_by: str
    latest_version: int
    aliases: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelVersion:
    """One registered version of a model, with everything needed to trace where it came from."""

    model: str
    version: int
    created_at: datetime
    created_by: str
    artifact: ArtifactRef
    params: Mapping[str, Any]
    metrics: Mapping[str, Any]
    tags: Mapping[str, Any]
    lineage: Mapping[str, Any]
    reason: str = ""
    attachments: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AliasChange:
    """One move of an alias: ``version`` is the new holder (``None`` when the alias is cleared)."""

    model: str
    alias: str
    version: int | None
    previous_version: int | None
    action: str
    at: datetime
    actor: str
    reason: str


@dataclass(frozen=True)
class AuditRecord:
    """One event of the audit chain exactly as stored; ``payload`` is its canonical JSON text."""

    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    payload: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class MonitoringResult:
    """One stored monitoring statistic: which model, version and role, which day and window,
    what was measured, its value, threshold and status (ok / warn / alert / error)."""

    model: str
    day: date
    window_days: int
    kind: str
    subject: str
    method: str
    version: int
    role: str
    value: float | None
    threshold: float | None
    status: str
    detail: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)
    computed_at: datetime | None = None


@dataclass(frozen=True)
class DecisionRecord:
    """A lifecycle decision on ``day``: what was done (``action``), to which versions, why
    (``reason``, one line) and on what evidence (numbers, test, days: JSON)."""

    model: str
    day: date
    action: str
    champion: int | None
    challenger: int | None
    reason: str
    evidence: Mapping[str, Any]
    actor: str
    at: datetime


@dataclass(frozen=True)
class CycleStep:
    """A step of the daily cycle for (model, day), as journaled: ``done`` or ``failed``."""

    model: str
    day: date
    step: str
    status: str
    detail: Mapping[str, Any]
    at: datetime
