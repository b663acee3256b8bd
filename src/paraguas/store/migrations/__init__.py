"""Alembic migrations of the metadata store. ``HEAD`` names the newest revision."""

from __future__ import annotations

HEAD = "0004"
