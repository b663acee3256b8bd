"""The model registry: versions, aliases (champion, challenger), lineage, promotion and rollback."""

from __future__ import annotations

from paraguas.registry.lineage import capture_lineage
from paraguas.registry.registry import (
    CHALLENGER,
    CHAMPION,
    INPUT_SCHEMA,
    REFERENCE_PROFILE,
    Registry,
    subject,
)

__all__ = [
    "CHALLENGER",
    "CHAMPION",
    "INPUT_SCHEMA",
    "REFERENCE_PROFILE",
    "Registry",
    "capture_lineage",
    "subject",
]
