"""Commands on projects and the model registry: init, register, models, versions, promote, …"""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from paraguas.cli.app import state
from paraguas.cli.output import console, human_size, print_json, short, when
from paraguas.errors import ConfigError
from paraguas.store import AliasChange, ModelVersion

JSON_OPTION = typer.Option(False, "--json", help="Print JSON for scripts instead of a table.")
REASON_OPTION = typer.Option(
    ..., "--reason", "-r", help="Why (kept in the audit log).", show_default=False
)
ACTOR_OPTION = typer.Option(
    None,
    "--actor",
    help="Who acts (default: actor in paraguas.yaml, PARAGUAS_ACTOR, or login).",
    show_default=False,
)


def register(app: typer.Typer) -> None:
    for command in (
        init,
        register_model,
        models,
        versions,
        promote,
        challenger,
        rollback,
        champion,
        history,
    ):
        name = "register" if command is register_model else command.__name__
        app.command(name)(command)


def init(
    ctx: typer.Context,
    directory: Path = typer.Argument(
        Path("."), help="Folder of the new project (created if needed)."
    ),
    name: str | None = typer.Option(None, "--name", help="Project name (default: the folder's)."),
) -> None:
    """Create a project: paraguas.yaml, an embedded SQLite store and an artifact folder."""
    from paraguas.config import init_project, load_settings
    from paraguas.project import Project

    path = init_project(directory, name)
    settings = load_settings(path.parent, state(ctx).environ)
    with Project.open(settings):
        pass
    out = console()
    out.print(f"Created project [bold]{escape(settings.name)}[/] in {escape(str(path.parent))}")
    out.print(f"  metadata store  {escape(settings.store_url)}")
    out.print(f"  artifact store  {escape(settings.artifact_url)}")
    out.print("Next: paraguas register NAME FILE --reason TEXT")


def register_model(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Model name: lowercase letters, digits, '_' or '-'."),
    file: Path = typer.Argument(
        ..., help="A fitted model saved with skops (.skops) or joblib (.joblib, .pkl)."
    ),
    param: list[str] = typer.Option([], "--param", help="K=V, repeatable: a training parameter."),
    metric: list[str] = typer.Option([], "--metric", help="K=V, repeatable: a numeric metric."),
    tag: list[str] = typer.Option([], "--tag", help="K=V, repeatable: a free label."),
    reason: str = typer.Option("", "--reason", "-r", help="Why this version exists."),
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Register a model trained elsewhere (e.g. in a notebook) as the next version of NAME.

    The new version is not champion until promoted.
    """
    project = state(ctx).project()
    version = project.registry.register_file(
        name,
        file,
        params=_pairs(param, "--param"),
        metrics=_pairs(metric, "--metric", numeric=True),
        tags=_pairs(tag, "--tag"),
        reason=reason,
        actor=actor,
    )
    if as_json:
        print_json(version)
        return
    out = console()
    out.print(
        f"Registered [bold]{name}[/] version [bold]{version.version}[/] "
        f"(sha256 {short(version.artifact.sha256)}, {version.artifact.format}, "
        f"{human_size(version.artifact.size)})."
    )
    trusted = version.lineage.get("trusted_types") or []
    if trusted:
        out.print(f"  trusted types recorded for loading: {escape(', '.join(trusted))}")
    out.print(
        f"Not champion yet. Promote it with: paraguas promote {name} {version.version} --reason TEXT"
    )


def models(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """List registered models with their champion and challenger."""
    records = state(ctx).project().registry.models()
    if as_json:
        print_json(records)
        return
    if not records:
        console().print("No models registered yet. Register one: paraguas register NAME FILE")
        return
    table = Table("model", "versions", "champion", "challenger", "created", "by")
    for record in records:
        table.add_row(
            record.name,
            str(record.latest_version),
            _num(record.aliases.get("champion")),
            _num(record.aliases.get("challenger")),
            when(record.created_at),
            escape(record.created_by),
        )
    console().print(table)


def versions(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Model name."),
    as_json: bool = JSON_OPTION,
) -> None:
    """List the versions of a model, with metrics, artifact hash and aliases."""
    registry = state(ctx).project().registry
    found = registry.versions(name)
    aliases = registry.model(name).aliases
    if as_json:
        print_json([{**_version_json(v), "aliases": _aliases_of(v, aliases)} for v in found])
        return
    table = Table("version", "aliases", "created", "by", "sha256", "format", "metrics", "reason")
    for version in found:
        table.add_row(
            str(version.version),
            ", ".join(_aliases_of(version, aliases)),
            when(version.created_at),
            escape(version.created_by),
            short(version.artifact.sha256),
            version.artifact.format,
            escape(", ".join(f"{k}={_fmt(v)}" for k, v in version.metrics.items())),
            escape(version.reason),
        )
    console().print(table)


def promote(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Model name."),
    version: int = typer.Argument(..., help="Version to make champion."),
    reason: str = REASON_OPTION,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Make VERSION the champion of NAME (recorded in the audit log)."""
    change = state(ctx).project().registry.promote(name, version, reason=reason, actor=actor)
    _print_change(change, as_json)


def challenger(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Model name."),
    version: int = typer.Argument(..., help="Version to run beside the champion."),
    reason: str = REASON_OPTION,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Make VERSION the challenger of NAME (at most one; it replaces any other)."""
    change = state(ctx).project().registry.set_challenger(name, version, reason=reason, actor=actor)
    _print_change(change, as_json)


def rollback(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Model name."),
    reason: str = REASON_OPTION,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Give the champion back to the version that held it before the current one (also stored
    as a lifecycle decision: see paraguas decisions NAME)."""
    from paraguas.lifecycle.manual import rollback as rolled_back

    project = state(ctx).project()
    rolled_back(project.monitor, name, reason=reason, actor=actor)
    _print_change(project.registry.history(name, "champion")[-1], as_json)


def champion(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Model name."),
    at: datetime | None = typer.Option(
        None,
        "--at",
        help="A past time (ISO 8601, UTC unless it says otherwise). Default: now.",
        # The fractional forms accept the times printed by --json (e.g. history --json).
        formats=[
            "%Y-%m-%d",
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%dT%H:%M:%S%z",
            "%Y-%m-%dT%H:%M:%S.%f",
            "%Y-%m-%dT%H:%M:%S.%f%z",
        ],
        show_default=False,
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Which version is (or was, with --at) the champion of NAME."""
    registry = state(ctx).project().registry
    moment = datetime.now(timezone.utc) if at is None else _aware(at)
    number = registry.champion_at(name, moment)
    if as_json:
        print_json({"model": name, "at": moment, "champion": number})
        return
    if number is None:
        console().print(f"{name} had no champion at {when(moment)} UTC.")
    else:
        console().print(f"{name}: version {number} was champion at {when(moment)} UTC.")


def history(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Model name."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Every move of the model's aliases: promotions, challengers, rollbacks."""
    changes = state(ctx).project().registry.history(name)
    if as_json:
        print_json(changes)
        return
    table = Table("at (UTC)", "alias", "action", "version", "previous", "by", "reason")
    for change in changes:
        table.add_row(
            when(change.at),
            change.alias,
            change.action,
            _num(change.version),
            _num(change.previous_version),
            escape(change.actor),
            escape(change.reason),
        )
    console().print(table)


# ---------------------------------------------------------------------------------------------


def _pairs(items: list[str], option: str, *, numeric: bool = False) -> dict[str, Any]:
    parsed: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{option} {item!r}: expected KEY=VALUE, e.g. {option} f1=0.71.")
        value = _json_value(raw)
        if numeric and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ConfigError(f"{option} {item!r}: the value {raw!r} is not a finite number.")
        parsed[key.strip()] = value
    return parsed


def _json_value(raw: str) -> Any:
    """``raw`` read as JSON if it is JSON with finite numbers only, else ``raw`` itself.

    json.loads takes NaN, Infinity and 1e999, which are not JSON numbers: PostgreSQL refuses them
    in a JSON column and strict readers of --json output fail on them.
    """

    def finite(text: str) -> float:
        number = float(text)
        if not math.isfinite(number):
            raise ValueError(f"{text} is not a finite number")
        return number

    try:
        return json.loads(raw, parse_float=finite, parse_constant=finite)
    except ValueError:
        return raw


def _print_change(change: AliasChange, as_json: bool) -> None:
    if as_json:
        print_json(change)
        return
    before = f" (was {change.previous_version})" if change.previous_version else ""
    console().print(
        f"{change.model}: {change.alias} is now version {change.version}{before}; "
        f"recorded by {escape(change.actor)} in the audit log."
    )


def _version_json(version: ModelVersion) -> dict[str, Any]:
    from paraguas.cli.output import jsonable

    data: dict[str, Any] = jsonable(version)
    return data


def _aliases_of(version: ModelVersion, aliases: dict[str, int] | Any) -> list[str]:
    return sorted(alias for alias, number in aliases.items() if number == version.version)


def _num(value: int | None) -> str:
    return "" if value is None else str(value)


def _fmt(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
