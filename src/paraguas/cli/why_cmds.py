"""``paraguas why``: one prediction traced back for an auditor — which version made it, what
that version was trained on, why it was the one answering, and what really happened."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from paraguas.cli.app import state
from paraguas.cli.output import console, print_json

DAY_FORMATS = ["%Y-%m-%d"]


def register(app: typer.Typer) -> None:
    app.command("why")(why)


def why(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Model name."),
    key: str | None = typer.Argument(
        None,
        help="The key the prediction was made for (a customer id, a day...).",
        show_default=False,
    ),
    day: datetime | None = typer.Option(
        None,
        "--date",
        "-d",
        formats=DAY_FORMATS,
        help="The day it was scored (default: the last day the key was scored).",
        show_default=False,
    ),
    prediction_id: str | None = typer.Option(
        None,
        "--id",
        help="A prediction id (printed by paraguas predictions, returned by the service) "
        "instead of a key.",
        show_default=False,
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Trace one prediction back: the version that made it, what it was trained on, the
    decisions that made it answer, and what really happened.

    Example: paraguas why rain_tomorrow 2017-07-05
    """
    from paraguas.lifecycle.provenance import trace

    if (key is None) == (prediction_id is None):
        raise typer.BadParameter(
            "give the prediction's KEY or its --id (one of them); e.g. paraguas why "
            f"{name} 2017-07-05, or paraguas why {name} --id ID",
            param_hint="KEY / --id",
        )
    project = state(ctx).project()
    project.spec(name)  # an undeclared model is an error naming the declared ones
    found = trace(
        project.monitor,
        name,
        key=key,
        prediction_id=prediction_id,
        day=day.date() if day else None,
    )
    if as_json:
        print_json(found)
        return
    _show(found)


def _show(found: Any) -> None:
    out = console()
    out.print(
        f"[bold]{escape(found.model)}[/], key {escape(found.key)}, scored for {found.day}"
        + (f" (also scored on {len(found.other_days)} other days)" if found.other_days else "")
    )
    answers = Table("role", "version", "said", "scores", "prediction id", "scored at")
    for answer in found.answers:
        said = answer.label if answer.label is not None else _number(answer.value)
        scores = ", ".join(f"{c}: {s:.3f}" for c, s in answer.scores.items())
        answers.add_row(
            answer.role,
            f"v{answer.version}",
            escape(str(said)),
            escape(scores),
            answer.prediction_id,
            _moment(answer.scored_at),
        )
    out.print(answers)
    out.print(_outcome(found))
    for story in found.versions:
        out.print(_version(story))
    out.print(str(found.audit))


def _outcome(found: Any) -> str:
    actual = found.actual
    if actual is None:
        return "What really happened: not known yet (no actual has arrived for this key)."
    truth = actual.label
    text = f"What really happened: {escape(truth)} (arrived {_moment(actual.arrived_at)})"
    if len(found.actuals) > 1:
        text += f", after {len(found.actuals) - 1} earlier arrival(s) it corrects"
    verdicts = [
        f"{a.role} v{a.version} {'right' if a.label == truth else 'wrong'}"
        for a in found.answers
        if a.label is not None
    ]
    return text + (": " + ", ".join(verdicts) if verdicts else "")


def _version(story: Any) -> Table:
    version = story.version
    lineage = version.lineage
    grid = Table.grid(padding=(0, 2))
    grid.title = f"version {version.version} ({story.role})"
    grid.title_justify = "left"
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row(
        "trained",
        f"{_moment(version.created_at)} by {escape(version.created_by)}, trigger "
        f"{escape(str(lineage.get('trigger')))}"
        + (f": {escape(version.reason)}" if version.reason else ""),
    )
    if story.trained_because is not None:
        decided = story.trained_because
        grid.add_row("because", f"the cycle of {decided.day} decided: {escape(decided.reason)}")
    grid.add_row("data", _data(lineage))
    grid.add_row("code", _code(lineage))
    evaluation = lineage.get("evaluation") or {}
    metric = evaluation.get("metric")
    if metric:
        ours = version.metrics.get(metric)
        base = (evaluation.get("baseline") or {}).get(metric)
        grid.add_row("holdout", f"{metric} {_number(ours)} (naive baseline {_number(base)})")
    if story.role_given is not None:
        given = story.role_given
        grid.add_row(
            f"{story.role} by",
            f"{given.action} at {_moment(given.at)} by {escape(given.actor)}: "
            f"{escape(given.reason)}",
        )
    if story.promoted_because is not None:
        decided = story.promoted_because
        comparison = (decided.evidence or {}).get("comparison") or {}
        test = f" ({comparison.get('method')}, {comparison.get('rows')} rows)" if comparison else ""
        grid.add_row("proved", f"the cycle of {decided.day} judged it{test}")
    if story.events:
        grid.add_row("audit", ", ".join(f"#{e.seq} {e.action}" for e in story.events))
    return grid


def _data(lineage: Any) -> str:
    printed = lineage.get("data_fingerprint") or {}
    if not printed:
        return "not recorded (registered from a file)"
    window = f"{printed.get('time_min')} to {printed.get('time_max')}"
    return f"{printed.get('rows')} rows, {window}, sha256 {str(printed.get('sha256'))[:12]}…" + (
        f" (as of {lineage['as_of']})" if lineage.get("as_of") else ""
    )


def _code(lineage: Any) -> str:
    code = lineage.get("code") or {}
    commit = code.get("commit")
    where = (
        f"commit {commit[:12]}" + (" with uncommitted changes" if code.get("dirty") else "")
        if commit
        else "not in a git repository"
    )
    return f"{where}; spec {str(lineage.get('spec_hash'))[:12]}…"


def _moment(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _number(value: Any) -> str:
    return "n/a" if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)
