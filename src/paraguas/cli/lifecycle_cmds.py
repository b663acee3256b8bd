"""``paraguas cycle``, ``decisions``, ``retrain`` and ``approve``: the daily loop, what it
decided and why, an order to retrain, and the approval of a winning challenger."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from paraguas.cli.app import state
from paraguas.cli.output import console, days_from, error_console, print_json

DAY_FORMATS = ["%Y-%m-%d"]
#: The exit code of a cycle in which a model failed (the other models still ran).
EXIT_MODEL_FAILED = 4


def register(app: typer.Typer) -> None:
    app.command("cycle")(cycle)
    app.command("decisions")(decisions)
    app.command("retrain")(retrain)
    app.command("approve")(approve)
    app.command("backtest")(backtest)


def cycle(
    ctx: typer.Context,
    day: datetime | None = typer.Option(
        None,
        "--date",
        "-d",
        formats=DAY_FORMATS,
        help="Run the cycle of this day.",
        show_default=False,
    ),
    first: datetime | None = typer.Option(
        None,
        "--from",
        formats=DAY_FORMATS,
        help="Replay every day from this one...",
        show_default=False,
    ),
    last: datetime | None = typer.Option(
        None,
        "--to",
        formats=DAY_FORMATS,
        help="...to this one, each strictly as of its day.",
        show_default=False,
    ),
    models: list[str] = typer.Option(
        [], "--model", "-m", help="Only this model (repeat for several). Default: every model."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print what each cycle did as JSON."),
) -> None:
    """Run the daily cycle: monitor, decide, retrain, judge the challenger, score.

    Each step is journaled per model and day: running a day again does only what is left. A
    model that fails is reported and the others go on (exit code 4 at the end).
    """
    from paraguas.errors import ParaguasError
    from paraguas.lifecycle import Alerter, run_day

    if day is not None and (first or last):
        raise typer.BadParameter("give --date, or --from and --to, not both", param_hint="--date")
    if day is None and not (first and last):
        raise typer.BadParameter("give --date DAY, or --from A --to B", param_hint="--date")
    start, end = (day, day) if day is not None else (first, last)
    assert start is not None and end is not None
    if end < start:
        raise typer.BadParameter(f"{end.date()} is before --from {start.date()}", param_hint="--to")
    project = state(ctx).project()
    names = models or sorted(project.specs())
    specs = {name: project.spec(name) for name in names}
    alerter = Alerter(project.settings.alerts)
    monitor = project.monitor
    loaded: dict[str, Any] = {}  # models loaded once for all the days
    done: list[dict[str, Any]] = []
    failed = 0
    for each in days_from(start.date(), end.date()):
        for name, spec in specs.items():
            try:
                result = run_day(
                    spec,
                    monitor,
                    each,
                    actor=project.settings.actor,
                    alerter=alerter,
                    models=loaded,
                )
            except ParaguasError as exc:
                failed += 1
                done.append({"model": name, "day": each, "error": str(exc)})
                error_console().print(f"[red]{escape(name)} {each}[/]: {escape(str(exc))}")
                continue
            done.append(
                {
                    "model": name,
                    "day": each,
                    "ran": list(result.ran),
                    "skipped": list(result.skipped),
                    "decisions": [{"action": a, "reason": r} for a, r in result.decisions],
                }
            )
            if not as_json:
                _show(result)
    if as_json:
        print_json(done)
    if failed:
        raise typer.Exit(EXIT_MODEL_FAILED)


def _show(result: Any) -> None:
    decided = "; ".join(f"{a}: {r}" for a, r in result.decisions if a != "keep") or "keep"
    steps = ", ".join(result.ran) or "nothing left to do"
    console().print(f"{result.model} {result.day}: {escape(steps)} — {escape(decided)}")


def decisions(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Model name."),
    as_json: bool = typer.Option(False, "--json", help="Print the decisions with their evidence."),
) -> None:
    """List what the lifecycle decided for NAME, day by day, with the reason and evidence."""
    from paraguas.errors import ModelNotFoundError, SpecError

    project = state(ctx).project()
    try:
        project.spec(name)  # an undeclared model is an error naming the declared ones...
    except SpecError as undeclared:
        try:
            project.registry.model(name)  # ...unless it is registered: its rollbacks are decisions
        except ModelNotFoundError:
            raise undeclared from None
    with project.metadata.transaction(write=False) as tx:
        found = tx.lifecycle.decisions(name)
    if as_json:
        print_json(found)
        return
    if not found:
        console().print(f"No decisions for {name} yet. Run: paraguas cycle --date DAY")
        return
    table = Table(title=f"Decisions of {name}")
    for column in ("day", "action", "champion", "challenger", "reason"):
        table.add_column(column)
    for decision in found:
        table.add_row(
            decision.day.isoformat(),
            decision.action,
            str(decision.champion or "—"),
            str(decision.challenger or "—"),
            escape(decision.reason),
        )
    console().print(table)


def retrain(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Model name."),
    reason: str = typer.Option(..., "--reason", "-r", help="Why (kept in the record)."),
    day: datetime | None = typer.Option(
        None,
        "--date",
        "-d",
        formats=DAY_FORMATS,
        help="The cycle day from which the order holds (default: today).",
        show_default=False,
    ),
) -> None:
    """Order a retrain of NAME: the next daily cycle trains a new version, whatever monitoring
    says (as a challenger, judged like any other)."""
    from datetime import date, timezone

    from paraguas.registry import subject
    from paraguas.store import DecisionRecord

    project = state(ctx).project()
    project.spec(name)
    if not reason.strip():
        raise typer.BadParameter("say why the model is retrained", param_hint="--reason")
    at = datetime.now(timezone.utc)
    when = day.date() if day else date.today()
    actor = project.settings.actor
    with project.metadata.transaction() as tx:
        tx.lifecycle.add_decision(
            DecisionRecord(name, when, "order", None, None, reason, {}, actor, at)
        )
        project.audit.append(
            tx,
            actor=actor,
            action="decision.order",
            subject=subject(name),
            payload={"day": when.isoformat(), "reason": reason},
        )
    console().print(f"Retrain of {name} ordered from {when}: the next cycle trains it.")


def approve(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Model name."),
    by: str = typer.Option(
        ..., "--by", help="Who approves (must not have requested or trained it)."
    ),
) -> None:
    """Approve the promotion of NAME's challenger, once the cycle found it better and the
    spec asks for manual approval (approval: manual)."""
    from paraguas.lifecycle.manual import approve as approved

    project = state(ctx).project()
    version = approved(project.monitor, project.spec(name), by)
    console().print(f"Version {version} of {name} is champion, approved by {by}.")


def backtest(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Model name."),
    first: datetime = typer.Option(..., "--from", formats=DAY_FORMATS, help="First day replayed."),
    last: datetime = typer.Option(..., "--to", formats=DAY_FORMATS, help="Last day replayed."),
    every: str = typer.Option("90d", "--every", help="The schedule of the fixed-schedule policy."),
    as_json: bool = typer.Option(False, "--json", help="Print the table as JSON."),
) -> None:
    """Replay NAME's history under several retraining policies and compare them.

    Never retrain; retrain on a fixed schedule; the spec's own policy. Each runs the daily
    cycle on every day in scratch stores (the project is not touched), with the actuals as
    they arrived, and the table shows the metric over the period, retrains, promotions and
    days below the spec's floor.
    """
    from rich.progress import Progress

    from paraguas.lifecycle.backtest import as_rows, default_policies
    from paraguas.lifecycle.backtest import backtest as replay
    from paraguas.spec import parse_days

    if last < first:
        raise typer.BadParameter(
            f"{last.date()} is before --from {first.date()}", param_hint="--to"
        )
    parse_days(every, "--every")
    project = state(ctx).project()
    spec = project.spec(name)
    policies = default_policies(spec, every)
    days = (last.date() - first.date()).days + 2
    with Progress(console=error_console(), transient=True) as progress:
        task = progress.add_task(f"backtesting {name}", total=days * len(policies))
        outcomes = replay(
            spec,
            project.settings.data_dir / "actuals",
            first.date(),
            last.date(),
            policies=policies,
            progress=lambda policy, day: progress.update(
                task, advance=1, description=f"{policy}: {day}"
            ),
        )
    if as_json:
        print_json(as_rows(outcomes))
        return
    table = Table(title=f"{name}, {first.date()} to {last.date()}")
    for column in (
        "policy",
        outcomes[0].metric,
        "rows",
        "retrains",
        "promotions",
        "days below floor",
    ):
        table.add_column(column)
    for o in outcomes:
        table.add_row(
            o.policy,
            "—" if o.value is None else f"{o.value:.4f}",
            str(o.rows),
            str(o.retrains),
            str(o.promotions),
            "—" if o.days_below_floor is None else str(o.days_below_floor),
        )
    console().print(table)
