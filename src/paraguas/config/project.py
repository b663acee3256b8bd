"""Where a project lives: finding its folder and creating a new one."""

from __future__ import annotations

import json
from pathlib import Path

from paraguas.errors import ConfigError, ProjectNotFoundError

PROJECT_FILE = "paraguas.yaml"

TEMPLATE = """\
# paraguas project file. Every key may also be set with a PARAGUAS_<KEY> environment variable.
name: {name}
# Metadata store: SQLite under the project by default; for a team, e.g.
# postgresql+psycopg://user@host:5432/dbname
store_url: sqlite:///.paraguas/paraguas.db
# Artifact store: a folder under the project by default; any fsspec URL works (s3://bucket/path).
artifact_url: .paraguas/artifacts
# Who acts when nobody says (recorded in the audit log); default: your login name.
# actor: alice
"""


def find_project_dir(start: Path) -> Path:
    """The nearest folder at or above ``start`` holding a ``paraguas.yaml``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / PROJECT_FILE).is_file():
            return folder
    raise ProjectNotFoundError(
        f"No {PROJECT_FILE} in {start} or any folder above it. "
        "Create a project with: paraguas init, or pass --project DIR."
    )


def init_project(directory: Path, name: str | None = None) -> Path:
    """Write a new ``paraguas.yaml`` in ``directory`` (created if needed) and return its path.

    An existing project file is never overwritten.
    """
    directory = directory.resolve()
    path = directory / PROJECT_FILE
    if path.exists():
        raise ConfigError(f"{path} already exists; paraguas init never overwrites a project.")
    directory.mkdir(parents=True, exist_ok=True)
    path.write_text(
        TEMPLATE.format(name=json.dumps(name or directory.name or "paraguas")), encoding="utf-8"
    )
    return path
