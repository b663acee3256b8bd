"""``paraguas status``: every model of the project on one screen, and what needs someone."""

from __future__ import annotations

from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from paraguas.cli.app import state
from paraguas.cli.output import console, print_json

#: The exit code of ``status --check`` when a model needs someone.
EXIT_ATTENTION = 3
_STYLE = {"ok": "green", "warn": "yellow", "alert": "red", "error": "magenta"}


def register(app: typer.Typer) -> None:
    app.command("status")(status)


def status(
    ctx: typer.Context,
    check: bool = typer.Option(
        False, "--check", help=f"Exit {EXIT_ATTENTION} when a model needs someone (for scripts)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Where every model stands: champion, challenger in shadow, the last cycle, what monitoring
    last said, the last decision, and what needs someone (with the command to run)."""
    from paraguas.lifecycle.status import overview

    project = state(ctx).project()
    found = overview(project.monitor, list(project.specs()))
    if as_json:
        print_json(found)
    else:
        _show(found)
    if check and any(s.attention for s in found):
        raise typer.Exit(EXIT_ATTENTION)


def _show(found: list[Any]) -> None:
    out = console()
    if not found:
        out.print("No models declared yet: add a spec to models/ (see paraguas init).")
        return
    table = Table("model", "champion", "challenger", "last cycle", "monitoring", "last decision")
    for each in found:
        shadow = (
            f"v{each.challenger} since {each.shadow_since}" if each.challenger is not None else ""
        )
        cycle = str(each.last_cycle or "never") + ("" if each.cycle_finished else " (unfinished)")
        monitoring = ""
        if each.monitoring is not None:
            style = _STYLE.get(each.monitoring, "")
            monitoring = f"[{style}]{each.monitoring}[/] on {each.monitored}"
        decided = each.last_decision
        table.add_row(
            escape(each.model),
            f"v{each.champion}" if each.champion is not None else "[red]none[/]",
            shadow,
            cycle,
            monitoring,
            f"{decided.action} on {decided.day}" if decided is not None else "",
        )
    out.print(table)
    waiting = [(each.model, item) for each in found for item in each.attention]
    if not waiting:
        out.print("[green]Nothing needs attention.[/]")
        return
    out.print(f"[bold]Needs attention ({len(waiting)}):[/]")
    for model, item in waiting:
        out.print(f"  {escape(model)}: {escape(item)}")
