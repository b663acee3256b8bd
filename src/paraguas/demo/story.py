"""The umbrella story, told by the real system on real weather.

A rain-tomorrow model is trained on Seattle 2012-2014 and runs the bank's daily cycle from
1 January 2015, the campaign's first six months. Then the campaign moves to Mumbai (from
1 January 2016, the first day of its data) and the same cycle goes on, day by day. Each
morning the previous day's actual arrives; each evening the cycle monitors (on Saturdays),
decides, retrains if the policy says so, judges the challenger and scores tomorrow.

Nothing here steers the outcome: the thresholds and tests are the spec's, fixed before the
first day, and the timeline shows what the system decided on this data, including the
challengers it kept waiting or rejected for want of evidence.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from paraguas.demo.project import MODEL, SEATTLE_LAST_DAY, write_project

__all__ = ["CHAPTERS", "Chapter", "Moment", "Story", "tell"]

#: The champion is trained on the data as of this day.
TRAINED_AS_OF = date(2014, 12, 31)
#: Each day's actual (did it rain the day after) arrives the next morning at this hour (UTC);
#: the cycle of a day runs that evening.
ARRIVES_AT, CYCLE_AT = 7, 20


@dataclass(frozen=True)
class Chapter:
    """A stretch of daily cycles in one city."""

    city: str
    first: date
    last: date

    def days(self) -> Iterator[date]:
        day = self.first
        while day <= self.last:
            yield day
            day += timedelta(days=1)

    @property
    def length(self) -> int:
        return (self.last - self.first).days + 1


CHAPTERS = (
    Chapter("Seattle", date(2015, 1, 1), SEATTLE_LAST_DAY),
    Chapter("Mumbai", date(2016, 1, 1), date(2017, 9, 30)),
)


@dataclass(frozen=True)
class Moment:
    """One line of the timeline: a day, what happened, and the numbers behind it."""

    day: date
    event: str  # trained | moved | drift | retrain | promote | reject | awaiting_approval | ...
    text: str
    champion: int | None = None
    challenger: int | None = None


@dataclass(frozen=True)
class Month:
    """A month of forecasts against what happened: F1 of the champion, of the challenger in
    shadow (when there was one) and of persistence ("tomorrow as today"), the naive forecast
    a model must beat."""

    month: str
    city: str
    days: int
    champion: str
    champion_f1: float | None
    challenger: str
    challenger_f1: float | None
    persistence_f1: float | None


@dataclass
class Story:
    directory: Path
    moments: list[Moment] = field(default_factory=list)
    months: list[Month] = field(default_factory=list)
    report: Path | None = None
    report_day: date | None = None
    audit: Any = None
    cycles: int = 0
    last_day: date | None = None  # the last day a cycle ran (and scored)
    seconds: float = 0.0


Progress = Callable[[Chapter, date, str], None]


def tell(
    directory: Path,
    *,
    chapters: tuple[Chapter, ...] = CHAPTERS,
    progress: Progress | None = None,
) -> Story:
    """Build the project in ``directory`` (new or empty) and run the story's daily cycles.

    ``progress`` is told of every day before its cycle runs (the chapter, the day, and the
    champion and challenger versions as text).
    """
    from paraguas.lifecycle import run_day
    from paraguas.project import open_project
    from paraguas.training import train

    started = time.perf_counter()
    table = write_project(directory)
    story = Story(directory)
    with open_project(directory) as project:
        spec = project.spec(MODEL)
        where = project.monitor
        first = train(
            spec,
            project.registry,
            as_of=TRAINED_AS_OF,
            reason=f"first fit on Seattle, as of {TRAINED_AS_OF}",
        )
        holdout = first.version.metrics.get(spec.primary_metric)
        story.moments.append(
            Moment(
                TRAINED_AS_OF,
                "trained",
                f"version {first.version.version} trained on Seattle 2012-2014; "
                f"{spec.primary_metric} {_fmt(holdout)} on the last 180 days held out",
                champion=first.version.version,
            )
        )
        actuals = table.set_index("date")["rain_tomorrow"]
        loaded: dict[str, Any] = {}
        roles = ""
        for chapter in chapters:
            if chapter is not chapters[0]:
                story.moments.append(
                    Moment(chapter.first, "moved", f"the campaign moves to {chapter.city}")
                )
            for day in chapter.days():
                if progress is not None:
                    progress(chapter, day, roles)
                _deliver(project, actuals, day - timedelta(days=1))
                evening = datetime(day.year, day.month, day.day, CYCLE_AT, tzinfo=timezone.utc)
                done = run_day(spec, where, day, actor="demo", now=_at(evening), models=loaded)
                story.cycles += 1
                story.last_day = day
                if not roles or any(a not in ("keep", "wait") for a, _ in done.decisions):
                    roles = _roles(project)
        story.moments += _moments(project, chapters)
        story.moments.sort(key=lambda m: (m.day, m.event != "moved"))
        story.moments = _collapsed(story.moments)
        story.months = _months(project, table)
        story.report, story.report_day = _report(project, spec, story.moments)
        story.audit = project.audit.verify()
    story.seconds = time.perf_counter() - started
    return story


# the days --------------------------------------------------------------------------------------


def _at(moment: datetime) -> Callable[[], datetime]:
    """A clock stopped at ``moment``: the cycle of a past day runs as of that evening."""
    return lambda: moment


def _deliver(project: Any, actuals: pd.Series, day: date) -> None:
    """``day``'s actual (did it rain the next day?) arrives the morning after it."""
    if day not in actuals.index:
        return
    value = actuals.loc[day]
    arrived = day + timedelta(days=1)
    project.actuals.record(
        MODEL,
        pa.table({"date": [day], "rain_tomorrow": [int(value)]}),
        key="date",
        time="date",
        target="rain_tomorrow",
        arrived_at=datetime(
            arrived.year, arrived.month, arrived.day, ARRIVES_AT, tzinfo=timezone.utc
        ),
    )


def _roles(project: Any) -> str:
    from paraguas.registry import CHALLENGER, CHAMPION

    champion = project.registry.alias(MODEL, CHAMPION)
    challenger = project.registry.alias(MODEL, CHALLENGER)
    text = f"champion v{champion.version}" if champion else "no champion"
    return text + (f", challenger v{challenger.version}" if challenger else "")


# the timeline ----------------------------------------------------------------------------------

_SHOWN = ("retrain", "promote", "reject", "rollback", "awaiting_approval", "failed")


def _moments(project: Any, chapters: tuple[Chapter, ...]) -> list[Moment]:
    """The decisions that changed something, and the first drift alert of each chapter."""
    with project.metadata.transaction(write=False) as tx:
        decisions = tx.lifecycle.decisions(MODEL)
        drift = tx.monitoring.results(MODEL, kinds=("dataset_drift",))
    found = [
        Moment(d.day, d.action, d.reason, champion=d.champion, challenger=d.challenger)
        for d in decisions
        if d.action in _SHOWN
    ]
    for chapter in chapters:
        alerts = [
            r for r in drift if chapter.first <= r.day <= chapter.last and r.status == "alert"
        ]
        if alerts:
            first = alerts[0]
            found.append(
                Moment(
                    first.day,
                    "drift",
                    f"drift detected in {chapter.city}: {first.detail}",
                    champion=first.version,
                )
            )
    return found


def _collapsed(moments: list[Moment]) -> list[Moment]:
    """A retrain and its failure on the same day as one line, and the same failure repeated
    on the following monitoring days as one line with the count and the last day."""
    merged: list[Moment] = []
    for moment in moments:
        last = merged[-1] if merged else None
        if (
            moment.event == "failed"
            and last is not None
            and last.event == "retrain"
            and last.day == moment.day
        ):
            merged[-1] = replace(moment, event="retrain failed")
            continue
        merged.append(moment)
    groups: list[list[Moment]] = []
    for moment in merged:
        group = groups[-1] if groups else None
        if (
            group is not None
            and moment.event == group[0].event == "retrain failed"
            and moment.text == group[0].text
        ):
            group.append(moment)
        else:
            groups.append([moment])
    return [
        replace(
            group[0],
            text=f"{group[0].text} (each of {len(group)} tries, the last on {group[-1].day})",
        )
        if len(group) > 1
        else group[0]
        for group in groups
    ]


def _months(project: Any, table: pd.DataFrame) -> list[Month]:
    """Each month's F1 for the champion, the challenger and persistence, on the days whose
    actual is known."""
    log = project.predictions.read(MODEL, columns=["key", "role", "version", "label", "date"])
    if log.num_rows == 0:
        return []
    frame = log.to_pandas()
    truth = table.assign(key=table["date"].map(lambda d: d.isoformat()))
    frame = frame.merge(
        truth[["key", "city", "rain_tomorrow", "rain_today"]], on="key", how="inner"
    )
    frame["month"] = pd.to_datetime(frame["date"]).dt.strftime("%Y-%m")
    frame["said"] = frame["label"].astype(int)
    months = []
    for (month, city), rows in frame.groupby(["month", "city"], sort=True):
        by_role = {role: part for role, part in rows.groupby("role")}
        champion = by_role.get("champion")
        challenger = by_role.get("challenger")
        days = 0 if champion is None else len(champion)
        months.append(
            Month(
                month=str(month),
                city=str(city),
                days=days,
                champion=_versions(champion),
                champion_f1=_f1(champion, "said"),
                challenger=_versions(challenger),
                challenger_f1=_f1(challenger, "said"),
                persistence_f1=_f1(champion, "rain_today"),
            )
        )
    return months


def _versions(rows: pd.DataFrame | None) -> str:
    if rows is None or rows.empty:
        return ""
    return "+".join(f"v{v}" for v in sorted(rows["version"].unique()))


def _f1(rows: pd.DataFrame | None, column: str) -> float | None:
    """F1 of ``column`` against the truth; undefined (None) in a month without rain."""
    from sklearn.metrics import f1_score

    if rows is None or rows.empty or not rows["rain_tomorrow"].astype(int).any():
        return None
    return float(f1_score(rows["rain_tomorrow"].astype(int), rows[column].astype(int)))


def _report(project: Any, spec: Any, moments: list[Moment]) -> tuple[Path | None, date | None]:
    """The HTML report of the last drift alert's day (the move, seen by monitoring)."""
    from paraguas.monitoring.flow import monitor_day
    from paraguas.monitoring.html import render_html

    alerts = [m for m in moments if m.event == "drift"]
    if not alerts:
        return None, None
    day = alerts[-1].day
    evening = datetime(day.year, day.month, day.day, CYCLE_AT, tzinfo=timezone.utc)
    report = monitor_day(spec, project.monitor, day=day, actor="demo", now=evening)
    path = project.settings.project_dir / "report.html"
    path.write_text(render_html(report), encoding="utf-8")
    return path, day


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"
