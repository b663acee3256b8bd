"""Data in and out of models: sources read as of a date, dataset fingerprints, input schemas."""

from __future__ import annotations

from paraguas.data.fingerprint import Fingerprint, fingerprint
from paraguas.data.mapping import source_from_mapping
from paraguas.data.schema import InputSchema, Validation
from paraguas.data.sources import CSV, Parquet
from paraguas.data.sql import SQL

__all__ = [
    "CSV",
    "SQL",
    "Fingerprint",
    "InputSchema",
    "Parquet",
    "Validation",
    "fingerprint",
    "source_from_mapping",
]
