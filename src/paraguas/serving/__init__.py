"""Real-time serving: an HTTP API where the champion answers and the challenger shadows."""

from __future__ import annotations

from paraguas.serving.access import ROLES, ApiKeys, hash_key
from paraguas.serving.app import STATUS, create_app
from paraguas.serving.service import Limits, Served, Service

__all__ = [
    "ROLES",
    "STATUS",
    "ApiKeys",
    "Limits",
    "Served",
    "Service",
    "create_app",
    "hash_key",
]
