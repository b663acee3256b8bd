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
from urllib.parse import urlsplit

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from paraguas.config.project import PROJECT_FILE
from paraguas.config.serve import ServeKey, ServeSettings
from paraguas.errors import ConfigError
from paraguas.spec.names import did_you_mean

ENV_PREFIX = "PARAGUAS_"
DEFAULT_STORE_URL = "sqlite:///.paraguas/paraguas.db"
DEFAULT_ARTIFACT_URL = ".paraguas/artifacts"
DEFAULT_DATA_DIR = ".paraguas/data"
# Settings an environment variable may override (PARAGUAS_<KEY>, dots as underscores, so
# PARAGUAS_ALERTS_WEBHOOK sets alerts.webhook); models are declared in files.
ENV_KEYS = (
    "name",
    "store_url",
    "artifact_url",
    "data_dir",
    "actor",
    "alerts.webhook",
    "serve.keys",
)
# What the daily cycle can alert on, in the order it happens.
ALERT_EVENTS: tuple[str, ...] = ("drift", "retrain", "promotion", "rejection", "failure")
DEFAULT_ALERT_TIMEOUT = 5.0


class AlertSettings(BaseModel):
    """The ``alerts:`` section: where alerts go besides the log, and which events go there.

    The webhook URL usually embeds a token, so it is held as a :class:`~pydantic.SecretStr`
    (hidden in reprs) and only ever shown through :func:`redact_url`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    webhook: SecretStr | None = Field(
        default=None,
        description="http(s) URL that receives each alert as a JSON POST (Slack/Mattermost-style)",
    )
    on: tuple[str, ...] = Field(
        default=ALERT_EVENTS,
        description=f"events sent to the webhook, among: {', '.join(ALERT_EVENTS)} (default: all)",
    )
    timeout: float = Field(
        default=DEFAULT_ALERT_TIMEOUT,
        gt=0,
        le=300,
        description="seconds to wait for the webhook before giving up on one attempt",
    )

    @model_validator(mode="before")
    @classmethod
    def _yaml_on_is_a_key(cls, data: Any) -> Any:
        # YAML 1.1 (PyYAML) reads a bare `on:` key as the boolean True.
        if isinstance(data, Mapping) and True in data and "on" not in data:
            return {("on" if key is True else key): value for key, value in data.items()}
        return data

    @field_validator("webhook", mode="before")
    @classmethod
    def _http_url(cls, value: Any) -> Any:
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if value is None or (isinstance(value, str) and not value.strip()):
            return None  # an empty PARAGUAS_ALERTS_WEBHOOK turns the webhook off
        if not isinstance(value, str):
            return value  # pydantic names the expected type
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise PydanticCustomError(
                "webhook_url",
                "expected an http:// or https:// URL with a host "
                "(e.g. https://chat.example/hooks/abc)",
            )
        return value.strip()

    @field_validator("on", mode="before")
    @classmethod
    def _known_events(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)):
            return value  # pydantic names the expected type
        for event in value:
            if event not in ALERT_EVENTS:
                raise PydanticCustomError(
                    "alert_event",
                    "{detail}",
                    {
                        "detail": f"event {event!r} is not known (expected some of: "
                        f"{', '.join(ALERT_EVENTS)})." + did_you_mean(str(event), ALERT_EVENTS)
                    },
                )
        return tuple(dict.fromkeys(value))  # keep the order given, drop repeats


def redact_url(url: str) -> str:
    """``url`` with its credentials, path, query and fragment hidden, for logs and messages.

    Webhook URLs carry their secret in the path or the query; the scheme and host are enough
    to tell which receiver is meant.

    >>> redact_url("https://hooks.example.com/services/T0/B0/s3cret?token=x")
    'https://hooks.example.com/***'
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<unparsable URL>"
    if not parts.scheme or not host:
        return "<unparsable URL>"
    if ":" in host:
        host = f"[{host}]"  # IPv6
    return f"{parts.scheme}://{host}{port}/***"


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
    alerts: AlertSettings = Field(
        default_factory=AlertSettings,
        description="where the daily cycle's alerts go besides the log (a webhook) and for which events",
    )

    serve: ServeSettings = Field(
        default_factory=ServeSettings,
        description="the real-time service (paraguas serve): its API keys, by hash",
    )

    @field_validator("alerts", "serve", mode="before")
    @classmethod
    def _empty_section(cls, value: Any) -> Any:
        return {} if value is None else value  # `alerts:` with nothing under it

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
    alerts: AlertSettings = AlertSettings()
    serve: ServeSettings = ServeSettings()


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
        file = ProjectFile.model_validate(_apply_overrides(raw, overrides))
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
        alerts=file.alerts,
        serve=file.serve,
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


def _env_name(key: str) -> str:
    return ENV_PREFIX + key.upper().replace(".", "_")


def _env_overrides(environ: Mapping[str, str]) -> dict[str, str]:
    """The overridden settings, by dotted key (``alerts.webhook``).

    An empty ``PARAGUAS_SERVE_KEYS`` is taken as unset: a variable left blank must never
    remove the keys that protect the service.
    """
    return {
        key: environ[_env_name(key)]
        for key in ENV_KEYS
        if _env_name(key) in environ and (key != "serve.keys" or environ[_env_name(key)].strip())
    }


def _apply_overrides(raw: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, Any]:
    merged = dict(raw)
    for key, value in overrides.items():
        section, _, name = key.rpartition(".")
        if not section:
            merged[key] = value
            continue
        inner = merged.get(section)
        if inner is None:
            inner = {}
        if isinstance(inner, Mapping):  # anything else is reported by validation
            merged[section] = {**inner, name: value}
    return merged


# Sections of the project file that are mappings with keys of their own.
_SECTIONS: dict[str, type[BaseModel]] = {"alerts": AlertSettings, "serve": ServeSettings}
# Keys whose values are secrets: errors never repeat them in full.
_SECRET_KEYS = frozenset({"alerts.webhook"})


def _explain(exc: ValidationError, path: Path, overrides: Mapping[str, str]) -> str:
    lines = []
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        if loc[:1] == ["alerts"] and loc[1:2] == ["True"]:
            loc[1] = "on"  # YAML reads a bare `on:` as True; name it as written
        if loc[:2] == ["alerts", "on"]:
            loc = loc[:2]  # the message names the event; the index adds nothing
        key = ".".join(loc)
        source = _env_name(key) if key in overrides else f"{path}: key '{key}'"
        if loc[:2] == ["serve", "keys"] and len(loc) > 2 and loc[2].isdigit():
            lines.append(_explain_key(error, loc, path, "serve.keys" in overrides))
            continue
        if error["type"] == "extra_forbidden":
            section = _SECTIONS.get(loc[0]) if len(loc) > 1 else None
            known = list((section or ProjectFile).model_fields)
            where = f" under '{loc[0]}'" if section else ""
            lines.append(
                f"{source} is not a known setting; known keys{where}: {', '.join(known)}."
                + did_you_mean(loc[-1], known)
            )
        else:
            expected = error["msg"][0].lower() + error["msg"][1:]
            value = error["input"]
            shown = redact_url(value) if key in _SECRET_KEYS and isinstance(value, str) else value
            end = "" if expected.endswith((".", "?")) else "."
            lines.append(f"{source} has value {shown!r}: {expected}{end}")
    return " ".join(lines)


def _explain_key(error: Any, loc: list[str], path: Path, from_env: bool) -> str:
    """An error in one entry of ``serve.keys``, named by position (and name, if it has one);
    its values are never shown, since they may be a key pasted in clear."""
    entry = f"entry {int(loc[2]) + 1}"
    source = f"{_env_name('serve.keys')}: {entry}" if from_env else f"{path}: serve.keys {entry}"
    field = loc[3] if len(loc) > 3 else None
    if error["type"] == "extra_forbidden" and field is not None:
        known = list(ServeKey.model_fields)
        return (
            f"{source}: '{field}' is not a known setting; known keys: {', '.join(known)}."
            + did_you_mean(field, known)
        )
    expected = error["msg"][0].lower() + error["msg"][1:]
    end = "" if expected.endswith((".", "?")) else "."
    return f"{source}{f' ({field})' if field else ''}: {expected}{end}"


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
