"""The append-only, hash-chained audit log: who did what to which model, when and why."""

from __future__ import annotations

from paraguas.audit.chain import GENESIS_HASH, AuditEvent, canonical_json, event_hash
from paraguas.audit.log import AuditLog, Verification

__all__ = [
    "GENESIS_HASH",
    "AuditEvent",
    "AuditLog",
    "Verification",
    "canonical_json",
    "event_hash",
]
