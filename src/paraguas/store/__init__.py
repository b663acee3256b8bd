"""The metadata store (SQL: models, versions, aliases, audit events) and the artifact store (fsspec)."""

from __future__ import annotations

from paraguas.store.artifacts import ArtifactStore
from paraguas.store.metadata import MetadataStore, Transaction
from paraguas.store.records import (
    AliasChange,
    ArtifactRef,
    AuditRecord,
    CycleStep,
    DecisionRecord,
    ModelRecord,
    ModelVersion,
    MonitoringResult,
)

__all__ = [
    "AliasChange",
    "ArtifactRef",
    "ArtifactStore",
    "AuditRecord",
    "CycleStep",
    "DecisionRecord",
    "MetadataStore",
    "ModelRecord",
    "ModelVersion",
    "MonitoringResult",
    "Transaction",
]
