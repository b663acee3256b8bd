"""The project file (``paraguas.yaml``) and ``PARAGUAS_*`` overrides, read once into :class:`Settings`."""

from __future__ import annotations

from paraguas.config.models import load_specs
from paraguas.config.project import PROJECT_FILE, find_project_dir, init_project
from paraguas.config.settings import Settings, load_settings

__all__ = [
    "PROJECT_FILE",
    "Settings",
    "find_project_dir",
    "init_project",
    "load_settings",
    "load_specs",
]
