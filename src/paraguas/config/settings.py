"""One validated settings object, built from the project file and the environment.

The project file is read and ``PARAGUAS_*`` variables applied exactly once, at the edge (the CLI
callback, the app factory); the resulting :class:`Settings` is passed down. Nothing reads the
environment or the file at import time.
"""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from paraguas.config.project import PROJECT_FILE
from paraguas.errors import ConfigError
from paraguas.spec.names import did_you_mean

ENV_PREFIX = "PARAGUAS_"
DEFAULT_STORE_URL = "sqlite:///.paraguas/paraguas.db"
DEFAULT_ARTIFACT_URL = ".paraguas/artifacts"
DEFAULT_DATA_DIR = ".paraguas/data"
# Settings an environment variable may override (PARAGUAS_<KEY>); models are declared in files.
ENV_KEYS = ("name", "store_url", "artifact_url", "data_dir", "actor")


class ProjectFile(BaseModel):
    """The keys a ``paraguas.yaml`` may hold. Unknown keys are errors, so typos never pass."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(default="paraguas", description="a label for the project")
    store_url: str = Field(
        default=DEFAULT_STORE_URL,
        description="SQLAlchemy URL of the metadata store; relative SQLite paths are under the project",
    )
    artifact_url: str = Field(
        default=DEFAULT_ARTIFACT_URL,
        description="fsspec URL or folder of the artifact store; relative folders are under the project",
    )
    actor: str | None = Field(
        default=None, description="who acts when nobody says (default: the login name)"
    )
    data_dir: str = Field(
        default=DEFAULT_DATA_DIR,
        description="folder of the prediction and actuals logs (Parquet); relative to the project",
    )
    models: list[dict[str, Any] | str] = Field(
        default_factory=list,
        description="model specs declared inline, or paths of spec files (models/ is also read)",
    )

    @field_validator("store_url", "artifact_url", "name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value


class Settings(BaseModel):
    """Everything paraguas needs to know about a project, resolved to absolute locations."""

    model_config = ConfigDict(frozen=True)

    project_dir: Path
    name: str
    store_url: str
    artifact_url: str
    data_dir: Path
    actor: str
    models: tuple[Any, ...] = ()


def load_settings(project_dir: Path, environ: Mapping[str, str] | None = None) -> Settings:
    """Read ``project_dir/paraguas.yaml``, apply ``PARAGUAS_*`` overrides from ``environ``, validate.

    A missing file is not an error (every key has a default); a malformed one raises
    :class:`ConfigError` naming the key, its value and what was expected.
    """
    environ = environ or {}
    project_dir = project_dir.resolve()
    path = project_dir / PROJECT_FILE
    raw = _read_yaml(path) if path.exists() else {}
    overrides = _env_overrides(environ)
    try:
        file = ProjectFile.model_validate({**raw, **overrides})
    except ValidationError as exc:
        raise ConfigError(_explain(exc, path, overrides)) from None
    return Settings(
        project_dir=project_dir,
        name=file.name,
        store_url=_resolve_store_url(file.store_url, project_dir),
        artifact_url=_resolve_artifact_url(file.artifact_url, project_dir),
        data_dir=project_dir / file.data_dir,
        actor=file.actor or _login_name(),
        models=tuple(file.models),
    )


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{path}: cannot be read as YAML{where}: {problem}.") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror}).") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}: expected a mapping of keys to values (e.g. 'store_url: ...'), "
            f"found a {type(data).__name__}."
        )
    return data


def _env_overrides(environ: Mapping[str, str]) -> dict[str, str]:
    return {
        key[len(ENV_PREFIX) :].lower(): value
        for key, value in environ.items()
        if key.startswith(ENV_PREFIX) and key[len(ENV_PREFIX) :].lower() in ENV_KEYS
    }


def _explain(exc: ValidationError, path: Path, overrides: Mapping[str, str]) -> str:
    lines = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"])
        source = f"{ENV_PREFIX}{key.upper()}" if key in overrides else f"{path}: key '{key}'"
        if error["type"] == "extra_forbidden":
            known = list(ProjectFile.model_fields)
            lines.append(
                f"{source} is not a known setting; known keys: {', '.join(known)}."
                + did_you_mean(key, known)
            )
        else:
            expected = error["msg"][0].lower() + error["msg"][1:]
            lines.append(f"{source} has value {error['input']!r}: {expected}.")
    return " ".join(lines)


def _resolve_store_url(url: str, project_dir: Path) -> str:
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != "sqlite:///:memory:":
        db_path = Path(url[len(prefix) :])
        if not db_path.is_absolute():
            return prefix + str(project_dir / db_path)
    return url


def _resolve_artifact_url(url: str, project_dir: Path) -> str:
    if "://" in url:
        return url
    path = Path(url)
    return str(path if path.is_absolute() else project_dir / path)


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
