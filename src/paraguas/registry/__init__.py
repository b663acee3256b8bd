"""The model registry: versions, aliases (champion, challenger), lineage, promotion and rollback."""

from __future__ import annotations

from paraguas.registry.lineage import capture_lineage
from paraguas.registry.registry import (
    CALIBRATION,
    CHALLENGER,
    CHAMPION,
    FEATURE_IMPORTANCE,
    INPUT_SCHEMA,
    REFERENCE_PROFILE,
    REFERENCE_SAMPLE,
    REFERENCE_SCORES,
    Registry,
    subject,
)

__all__ = [
    "CALIBRATION",
    "CHALLENGER",
    "CHAMPION",
    "FEATURE_IMPORTANCE",
    "INPUT_SCHEMA",
    "REFERENCE_PROFILE",
    "REFERENCE_SAMPLE",
    "REFERENCE_SCORES",
    "Registry",
    "capture_lineage",
    "subject",
]
