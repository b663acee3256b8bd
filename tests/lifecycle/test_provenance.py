"""Tracing one prediction back (``paraguas why``): the versions that spoke, what they were
trained on and why, the moves that gave them their roles, and what really happened."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pyarrow as pa
import pytest

import paraguas as pg
from paraguas.errors import DataError
from paraguas.lifecycle.cycle import run_day
from paraguas.lifecycle.provenance import trace
from paraguas.monitoring.flow import Monitor
from paraguas.registry import CHALLENGER, CHAMPION
from tests.conftest import START

NOW = datetime(2030, 1, 1, tzinfo=timezone.utc)
FIRST, SECOND = START + timedelta(days=300), START + timedelta(days=301)


def _actual(where: Monitor, day: date, value: int, arrived: datetime) -> None:
    where.actuals.record(
        "rain_tomorrow",
        pa.table({"date": [day], "rain_tomorrow": [value]}),
        key="date",
        time="date",
        target="rain_tomorrow",
        arrived_at=arrived,
    )


@pytest.fixture
def story(spec_fields: dict[str, Any], where: Monitor) -> Monitor:
    """Day 300: the first cycle trains the champion; day 301: the schedule trains a challenger,
    and both score the day; the day's actual arrives, then a correction."""
    spec = pg.ModelSpec(**spec_fields, retraining=pg.Retraining(on_drift=False, every="1d"))
    run_day(spec, where, FIRST, now=lambda: NOW)
    run_day(spec, where, SECOND, now=lambda: NOW)
    _actual(where, SECOND, 0, datetime(2025, 10, 30, 7, tzinfo=timezone.utc))
    _actual(where, SECOND, 1, datetime(2025, 11, 2, 7, tzinfo=timezone.utc))  # corrected
    return where


def test_a_key_is_traced_to_both_versions_their_training_and_their_roles(story: Monitor) -> None:
    found = trace(story, "rain_tomorrow", key=SECOND)  # a date: keys compare as the log's text
    assert (found.key, found.day, found.other_days) == (SECOND.isoformat(), SECOND, ())
    champion = story.registry.alias("rain_tomorrow", CHAMPION)
    challenger = story.registry.alias("rain_tomorrow", CHALLENGER)
    assert champion is not None and challenger is not None
    assert [(a.role, a.version) for a in found.answers] == [
        (CHAMPION, champion.version),
        (CHALLENGER, challenger.version),
    ]
    logged = story.predictions.read("rain_tomorrow", start=SECOND, end=SECOND).to_pylist()
    by_role = {row["role"]: row for row in logged}
    for answer in found.answers:
        row = by_role[answer.role]
        assert answer.prediction_id == row["prediction_id"] and answer.label == row["label"]
        assert list(answer.scores.values()) == row["scores"]

    first, second = found.versions
    assert (first.role, first.version.version) == (CHAMPION, champion.version)
    assert first.trained_because is not None and first.trained_because.day == FIRST
    assert (
        first.trained_because.action == "retrain" and "no champion" in first.trained_because.reason
    )
    assert first.role_given is not None and first.role_given.action == "promote"
    assert "first version" in first.role_given.reason
    assert [e.action for e in first.events] == ["version.registered", "alias.promoted"]
    assert (second.role, second.version.lineage["trigger"]) == (CHALLENGER, f"cycle:{SECOND}")
    assert second.trained_because is not None and second.trained_because.day == SECOND
    assert second.role_given is not None and second.role_given.action == "set"
    assert second.promoted_because is None  # still in shadow

    assert [a.label for a in found.actuals] == ["0", "1"]  # the correction is the last word
    assert found.actual is not None and found.actual.label == "1"
    assert found.audit.ok


def test_a_prediction_id_finds_its_shadow_twin_and_an_older_day(story: Monitor) -> None:
    first_day = trace(story, "rain_tomorrow", key=FIRST.isoformat(), day=FIRST)
    assert [a.role for a in first_day.answers] == [CHAMPION]  # no challenger yet on day 300
    assert first_day.actual is None
    shadow = trace(story, "rain_tomorrow", key=SECOND).answers[1]
    by_id = trace(story, "rain_tomorrow", prediction_id=shadow.prediction_id)
    assert by_id.day == SECOND and [a.role for a in by_id.answers] == [CHAMPION, CHALLENGER]


@pytest.mark.parametrize(
    ("lookup", "message"),
    [
        ({"key": "2030-01-01"}, "no prediction for the key '2030-01-01'"),
        ({"key": FIRST, "day": SECOND + timedelta(days=5)}, "no predictions of 'rain_tomorrow' on"),
        ({"prediction_id": "nope"}, "has the id 'nope'"),
        ({}, "by its key or by its prediction id"),
        ({"key": FIRST, "prediction_id": "x"}, "by its key or by its prediction id"),
    ],
)
def test_what_cannot_be_traced_says_what_was_looked_for(
    story: Monitor, lookup: dict[str, Any], message: str
) -> None:
    with pytest.raises(DataError, match=message):
        trace(story, "rain_tomorrow", **lookup)
