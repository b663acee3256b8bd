"""The hash chain: a canonical serialisation of an event and the sha256 that links it to the last.

Each event's hash covers its position, the previous event's hash, and its content (time, actor,
action, subject, payload), so altering, removing or reordering any stored event breaks every link
after it, and the first broken link names the event that was touched.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import PurePath
from typing import Any

from paraguas.store.records import AuditRecord

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class AuditEvent:
    """One audit event, with its payload parsed."""

    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    payload: Mapping[str, Any]
    prev_hash: str
    hash: str

    @classmethod
    def from_record(cls, record: AuditRecord) -> AuditEvent:
        return cls(
            seq=record.seq,
            at=record.at,
            actor=record.actor,
            action=record.action,
            subject=record.subject,
            payload=json.loads(record.payload),
            prev_hash=record.prev_hash,
            hash=record.hash,
        )


def canonical_json(value: Any) -> str:
    """One text per value: sorted keys, no spaces, UTF-8, no NaN; dates as ISO 8601.

    >>> canonical_json({"b": 1, "a": [1.5, "x"]})
    '{"a":[1.5,"x"],"b":1}'
    """
    return json.dumps(
        _plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted(_plain(item) for item in value)
    if isinstance(value, datetime):
        return utc_iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # NaN/inf are not JSON; keep them readable rather than refuse the event
    if hasattr(value, "item") and callable(value.item):  # NumPy scalars
        return _plain(value.item())
    return value


def utc_iso(moment: datetime) -> str:
    """``moment`` in UTC as ISO 8601 with microseconds, the form that is hashed."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: audit times must be timezone-aware")
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def event_hash(
    *, seq: int, prev_hash: str, at: datetime, actor: str, action: str, subject: str, payload: str
) -> str:
    """The sha256 of an event: ``payload`` is its canonical JSON text, hashed exactly as stored."""
    body = canonical_json(
        {
            "seq": seq,
            "prev_hash": prev_hash,
            "at": utc_iso(at),
            "actor": actor,
            "action": action,
            "subject": subject,
            "payload": payload,
        }
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def record_hash(record: AuditRecord) -> str:
    """The hash ``record`` should carry, recomputed from its stored content."""
    return event_hash(
        seq=record.seq,
        prev_hash=record.prev_hash,
        at=record.at,
        actor=record.actor,
        action=record.action,
        subject=record.subject,
        payload=record.payload,
    )
