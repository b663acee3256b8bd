"""``paraguas train``: a new version of a declared model, from its spec."""

from __future__ import annotations

from datetime import date, datetime

import typer
from rich.markup import escape
from rich.table import Table

from paraguas.cli.app import state
from paraguas.cli.output import console, error_console, print_json

DATE_FORMATS = ["%Y-%m-%d"]


def register(app: typer.Typer) -> None:
    app.command("train")(train)


def train(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="A model declared in models/ or paraguas.yaml."),
    as_of: datetime | None = typer.Option(
        None,
        "--as-of",
        formats=DATE_FORMATS,
        help="Train on the data as it was on this day (rows after it are never read). Default: all.",
        show_default=False,
    ),
    reason: str = typer.Option("", "--reason", "-r", help="Why this version is trained."),
    actor: str | None = typer.Option(
        None, "--actor", help="Who trains (default: the project's actor)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON for scripts."),
) -> None:
    """Train a new version of NAME from its spec, evaluated against a naive baseline.

    Reads the data as of --as-of, holds out the most recent rows, fits, evaluates, and registers
    the version with its lineage, input schema and reference profile. The first version becomes
    champion only if it beats the baseline.
    """
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from paraguas.training import STAGES
    from paraguas.training import train as run

    project = state(ctx).project()
    spec = project.spec(name)
    day: date | None = as_of.date() if as_of else None
    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=error_console(),
        transient=True,
    ) as progress:
        task = progress.add_task(f"training {name}", total=len(STAGES))

        def advance(stage: str) -> None:
            done = STAGES.index(stage)
            progress.update(task, completed=done, description=f"training {name}: {stage}")

        result = run(
            spec, project.registry, as_of=day, reason=reason, actor=actor, progress=advance
        )
        progress.update(task, completed=len(STAGES))
    if as_json:
        print_json(result)
        return
    out = console()
    version = result.version
    out.print(
        f"Trained [bold]{name}[/] version [bold]{version.version}[/] on "
        f"{result.split['train_rows']} rows, evaluated on the {result.split['holdout_rows']} most "
        f"recent (from {result.split['cutoff'] or 'the last rows'})."
    )
    table = Table("metric", "model", "naive baseline")
    for key, value in result.metrics.items():
        if key in ("n",):
            continue
        marker = " ◀" if key == result.metric else ""
        table.add_row(key + marker, _fmt(value), _fmt(result.baseline.get(key)))
    out.print(table)
    out.print(f"Decision: {escape(result.decision)}.")


def _fmt(value: object) -> str:
    if value is None:
        return "n/a"
    return f"{value:.4f}" if isinstance(value, float) else str(value)
