"""Running ``paraguas`` in-process on model files, and reading back what it did to a project."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Result:
    """What one run of the command did: its exit code and what it printed."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        assert self.code == 0, self.err
        return json.loads(self.out)


Run = Callable[..., Result]


@dataclass(frozen=True)
class ModelFiles:
    """A fitted model saved both ways, and files that only look like models."""

    skops: Path
    joblib: Path
    not_a_model: Path
    not_skops: Path
    text: Path


def snapshot(cli: Run, project: Path) -> dict[str, Any]:
    """Everything a command could change: models, versions, alias history, audit log, artifacts."""
    models = cli("models", "--json").json()
    names = [model["name"] for model in models]
    artifacts = project / ".paraguas" / "artifacts"
    return {
        "models": models,
        "versions": {name: cli("versions", name, "--json").json() for name in names},
        "history": {name: cli("history", name, "--json").json() for name in names},
        "audit": cli("audit", "log", "--json").json(),
        "artifacts": sorted(str(p.relative_to(artifacts)) for p in artifacts.rglob("*")),
    }


def execute_sql(project: Path, sql: str, *params: Any) -> None:
    """Change the project's SQLite store behind paraguas's back, as an intruder would."""
    with closing(sqlite3.connect(project / ".paraguas" / "paraguas.db")) as connection, connection:
        connection.execute(sql, params)
