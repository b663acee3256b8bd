"""``paraguas audit``: verify the hash chain, list events."""

from __future__ import annotations

import itertools

import typer
from rich.markup import escape
from rich.table import Table

from paraguas.audit.chain import canonical_json
from paraguas.cli.app import state
from paraguas.cli.output import console, error_console, print_json, short, when
from paraguas.registry import subject

audit_app = typer.Typer(
    help="The tamper-evident audit log: every registration, promotion and rollback.",
    no_args_is_help=True,
)


@audit_app.command()
def verify(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Walk the hash chain; exit 1 naming the first event whose content or link does not match."""
    result = state(ctx).project().audit.verify()
    if as_json:
        print_json(result)
    elif result.ok:
        console().print(f"[green]ok[/] {result}")
    else:
        error_console().print(f"[bold red]BROKEN[/] {escape(str(result))}", highlight=False)
    if not result.ok:
        raise typer.Exit(1)


@audit_app.command("log")
def log(
    ctx: typer.Context,
    model: str | None = typer.Option(None, "--model", "-m", help="Only events about this model."),
    limit: int | None = typer.Option(
        None, "--limit", "-n", min=1, help="Only the last N events.", show_default=False
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """List audit events, oldest first."""
    project = state(ctx).project()
    if model is not None:
        project.registry.model(model)  # an unknown model is an error, not an empty list
    events = project.audit.events(subject=subject(model) if model else None)
    if limit is not None:
        import collections

        events = iter(collections.deque(events, maxlen=limit))
    if as_json:
        print_json(list(events))
        return
    table = Table("seq", "at (UTC)", "actor", "action", "subject", "payload", "hash")
    for event in itertools.islice(events, None):
        table.add_row(
            str(event.seq),
            when(event.at),
            escape(event.actor),
            event.action,
            escape(event.subject),
            escape(_summary(event.payload)),
            short(event.hash),
        )
    console().print(table)


def _summary(payload: object, width: int = 80) -> str:
    text = canonical_json(payload)
    return text if len(text) <= width else text[: width - 1] + "…"
