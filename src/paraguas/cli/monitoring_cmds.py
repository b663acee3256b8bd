"""``paraguas monitor``: is the model still to be trusted? Drift, quality, performance."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.table import Table

from paraguas.cli.app import state
from paraguas.cli.output import console, days_from, print_json, tracked

if TYPE_CHECKING:
    from paraguas.monitoring.results import Report

DAY_FORMATS = ["%Y-%m-%d"]
FAIL_ON = ("never", "warn", "alert")
#: The exit code of a run whose worst status reaches ``--fail-on`` (errors exit 1, usage 2).
EXIT_FAILED_CHECKS = 3
_STYLE = {"ok": "green", "warn": "yellow", "alert": "bold red", "error": "magenta"}


def register(app: typer.Typer) -> None:
    app.command("monitor")(monitor)


def monitor(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="A model declared in models/ or paraguas.yaml."),
    day: datetime = typer.Option(
        ..., "--date", "-d", formats=DAY_FORMATS, help="The last day of the window (YYYY-MM-DD)."
    ),
    until: datetime | None = typer.Option(
        None,
        "--until",
        formats=DAY_FORMATS,
        help="Also monitor every day after --date up to this one, one run per day.",
        show_default=False,
    ),
    every: int = typer.Option(
        1, "--every", min=1, help="With --until, monitor every N-th day (7: weekly)."
    ),
    window: str | None = typer.Option(
        None,
        "--window",
        "-w",
        help="Days each run looks at, ending on its date, e.g. 7d (default: the spec's).",
        show_default=False,
    ),
    mode: str | None = typer.Option(
        None,
        "--mode",
        help="Drift method: paraguas (effect sizes, FDR, importance) or evidently "
        "(Evidently 0.7's choice). Default: the spec's.",
        show_default=False,
    ),
    html: Path | None = typer.Option(
        None, "--html", help="Write the (last day's) report to this self-contained HTML file."
    ),
    fail_on: str = typer.Option(
        "never",
        "--fail-on",
        help=f"Exit with code {EXIT_FAILED_CHECKS} when a check reaches this status: "
        "never, warn or alert.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the checks as JSON for scripts."),
) -> None:
    """Check drift, data quality and performance of NAME's champion for a window of days.

    Compares the window's inputs with what the champion stored at training (never re-reading
    the training data), its forecasts with the actuals that have arrived, and estimates
    performance where labels are missing. Every result is stored; running a day again replaces
    it. Exits 0 even on alerts unless --fail-on says otherwise.
    """
    from paraguas.monitoring.flow import monitor_day
    from paraguas.spec import MONITORING_MODES, parse_days

    if fail_on not in FAIL_ON:
        raise typer.BadParameter(
            f"{fail_on!r}: expected one of {', '.join(FAIL_ON)}", param_hint="--fail-on"
        )
    if mode is not None and mode not in MONITORING_MODES:
        raise typer.BadParameter(
            f"{mode!r}: expected one of {', '.join(MONITORING_MODES)}", param_hint="--mode"
        )
    first = day.date()
    last = until.date() if until else first
    if last < first:
        raise typer.BadParameter(f"{last} is before --date {first}", param_hint="--until")
    project = state(ctx).project()
    spec = project.spec(name)
    window_days = parse_days(window, "--window") if window else None
    reports = []
    for each in tracked(days_from(first, last, every=every), f"monitoring {name}"):
        reports.append(
            monitor_day(
                spec,
                project.monitor,
                day=each,
                window_days=window_days,
                mode=mode,
                actor=project.settings.actor,
            )
        )
    report = reports[-1]
    if html is not None:
        from paraguas.monitoring.html import render_html

        html.write_text(render_html(report), encoding="utf-8")
    if as_json:
        print_json(
            [_summary(r, checks=True) for r in reports] if until else _summary(report, checks=True)
        )
    else:
        _show(reports, html)
    worst = max((_rank(r.status) for r in reports), default=0)
    if fail_on != "never" and worst >= _rank(fail_on):
        raise typer.Exit(EXIT_FAILED_CHECKS)


def _rank(status: str) -> int:
    return {"ok": 0, "error": 1, "warn": 2, "alert": 3}[status]


def _summary(report: Report, *, checks: bool) -> dict[str, Any]:
    counts = {s: 0 for s in ("ok", "warn", "alert", "error")}
    for check in report.checks:
        counts[check.status] += 1
    out: dict[str, Any] = {
        "model": report.model,
        "day": report.day,
        "window_days": report.window_days,
        "mode": report.mode,
        "champion": report.champion,
        "challenger": report.challenger,
        "rows": report.rows,
        "status": report.status,
        "counts": counts,
    }
    if checks:
        out["checks"] = [check.to_dict() for check in report.checks]
    return out


def _show(reports: list[Report], html: Path | None) -> None:
    out = console()
    for report in reports:
        summary = _summary(report, checks=False)
        counts = ", ".join(f"{n} {s}" for s, n in summary["counts"].items() if n)
        out.print(
            f"{report.model} {report.day} (window {report.window_days}d, {report.mode}, "
            f"champion v{report.champion}, {report.rows:,} rows): "
            f"[{_STYLE[report.status]}]{report.status}[/] — {counts or 'no checks'}"
        )
    last = reports[-1]
    notable = [c for c in last.checks if c.status != "ok"]
    if notable:
        table = Table(title=f"What needs a look on {last.day}")
        for column in ("status", "check", "subject", "method", "value", "threshold", "detail"):
            table.add_column(column)
        order = {"alert": 0, "warn": 1, "error": 2}
        for check in sorted(notable, key=lambda c: (order[c.status], c.kind, c.subject)):
            table.add_row(
                f"[{_STYLE[check.status]}]{check.status}[/]",
                check.kind,
                escape(check.subject),
                escape(check.method),
                _number(check.value),
                _number(check.threshold),
                escape(check.detail),
            )
        out.print(table)
    if html is not None:
        out.print(f"Report: {escape(str(html))}")


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"
