"""The daily cycle of one model and day: steps journaled, re-runs that do nothing twice,
retraining on drift that matters, the challenger in shadow, and the lock."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import paraguas as pg
from paraguas.errors import DataError, PolicyError
from paraguas.lifecycle.cycle import STEPS, run_day
from paraguas.monitoring.flow import Monitor
from paraguas.registry import CHALLENGER, CHAMPION
from paraguas.store import DecisionRecord
from tests.conftest import START, weather_table

NOW = datetime(2030, 1, 1, tzinfo=timezone.utc)


def day(offset: int) -> date:
    return START + timedelta(days=offset)


def counts(where: Monitor, name: str) -> tuple[int, int, int, int]:
    """Versions, decisions, stored monitoring results and logged predictions: what a re-run
    must not change."""
    with where.metadata.transaction(write=False) as tx:
        decisions = len(tx.lifecycle.decisions(name))
        results = len(tx.monitoring.results(name))
    rows = where.predictions.read(name).num_rows if where.predictions.days(name) else 0
    return len(where.registry.versions(name)), decisions, results, rows


def test_a_first_cycle_trains_a_champion_and_scores_the_day(
    spec_fields: dict[str, Any], where: Monitor
) -> None:
    spec = pg.ModelSpec(**spec_fields)
    first = run_day(spec, where, day(300), now=lambda: NOW)
    assert first.ran == ("monitor", "decide", "retrain", "judge", "score")
    assert first.decisions[0] == ("retrain", "ordered: the model has no champion yet")
    champion = where.registry.alias(spec.name, CHAMPION)
    assert champion is not None and champion.lineage["trigger"] == f"cycle:{day(300)}"
    assert where.predictions.days(spec.name) == [day(300)]

    before = counts(where, spec.name)
    again = run_day(spec, where, day(300), now=lambda: NOW)  # a re-run does nothing twice
    assert again.ran == () and again.skipped == ("monitor", "decide", "retrain", "judge", "score")
    assert counts(where, spec.name) == before
    with where.metadata.transaction(write=False) as tx:
        assert [s.step for s in tx.lifecycle.steps(spec.name, day(300))] == list(STEPS)


def test_a_quiet_day_keeps_the_champion(spec_fields: dict[str, Any], where: Monitor) -> None:
    spec = pg.ModelSpec(**spec_fields)
    run_day(spec, where, day(300), now=lambda: NOW)
    quiet = run_day(spec, where, day(301), now=lambda: NOW)
    assert quiet.ran == ("monitor", "decide", "judge", "score")
    assert [action for action, _ in quiet.decisions] == ["keep"]
    assert len(where.registry.versions(spec.name)) == 1


def test_drift_that_matters_trains_a_challenger_that_shadows_the_champion(
    spec_fields: dict[str, Any], where: Monitor, tmp_path: Path
) -> None:
    table = weather_table()
    after = pc.greater(table["date"], pa.scalar(day(300), pa.date32()))
    moved = pc.if_else(after, pc.add(table["humidity"], 40.0), table["humidity"])
    path = tmp_path / "moved.parquet"
    pq.write_table(table.set_column(1, "humidity", moved), path)
    spec = pg.ModelSpec(
        **{**spec_fields, "data": pg.Parquet(path)}, monitoring=pg.Monitoring(window="14d")
    )
    run_day(spec, where, day(300), now=lambda: NOW)
    offset, drifted = 301, run_day(spec, where, day(301), now=lambda: NOW)
    while drifted.decisions[0][0] != "retrain" and offset < 314:
        offset += 1
        drifted = run_day(spec, where, day(offset), now=lambda: NOW)
    action, reason = drifted.decisions[0]
    assert action == "retrain" and reason.startswith("the data that matters has drifted")
    challenger = where.registry.alias(spec.name, CHALLENGER)
    assert challenger is not None and challenger.lineage["trigger"] == f"cycle:{day(offset)}"
    assert drifted.decisions[1][0] == "wait"  # judged at once: no evidence yet
    roles = set(where.predictions.read(spec.name, start=day(offset))["role"].to_pylist())
    assert roles == {"champion", "challenger"}  # the challenger scored the day in shadow
    versions = len(where.registry.versions(spec.name))
    next_day = run_day(spec, where, day(offset + 1), now=lambda: NOW)
    assert next_day.decisions[0][0] == "keep"  # one challenger at a time
    assert "is in shadow" in next_day.decisions[0][1]
    assert len(where.registry.versions(spec.name)) == versions


def test_a_day_held_by_another_cycle_is_refused(
    spec_fields: dict[str, Any], where: Monitor
) -> None:
    spec = pg.ModelSpec(**spec_fields)
    with where.metadata.transaction() as tx:
        assert tx.lifecycle.acquire(
            spec.name, day(300), "other:1", NOW, stale_after=timedelta(hours=2)
        )
    with pytest.raises(PolicyError, match="Another cycle is running 'rain_tomorrow' on"):
        run_day(spec, where, day(300), now=lambda: NOW)
    assert where.registry.models() == []  # nothing was done
    later = NOW + timedelta(hours=3)  # the other cycle died: its lock is stale
    assert run_day(spec, where, day(300), now=lambda: later).ran[-1] == "score"


def test_the_cycle_tells_the_alerter_of_retrains_and_failures(
    spec_fields: dict[str, Any], where: Monitor, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    import logging

    from paraguas.config.settings import AlertSettings
    from paraguas.lifecycle import Alerter

    alerter = Alerter(AlertSettings())
    spec = pg.ModelSpec(**spec_fields)
    with caplog.at_level(logging.INFO, logger="paraguas.alerts"):
        run_day(spec, where, day(300), now=lambda: NOW, alerter=alerter)
        broken = pg.ModelSpec(**{**spec_fields, "data": pg.Parquet(tmp_path / "gone.parquet")})
        with pytest.raises(DataError, match=r"gone\.parquet does not exist"):
            run_day(broken, where, day(301), now=lambda: NOW, alerter=alerter)
    events = [record.getMessage() for record in caplog.records if record.name == "paraguas.alerts"]
    assert any("retrain" in e and "no champion yet" in e for e in events), events
    assert any("failure" in e and "gone.parquet" in e for e in events), events


def test_the_training_window_limits_what_a_retrain_reads(
    spec_fields: dict[str, Any], where: Monitor
) -> None:
    spec = pg.ModelSpec(**spec_fields, retraining=pg.Retraining(window="100d"))
    run_day(spec, where, day(300), now=lambda: NOW)
    champion = where.registry.alias(spec.name, CHAMPION)
    assert champion is not None
    fingerprint = champion.lineage["data_fingerprint"]
    assert fingerprint["rows"] == 100  # one row a day, days 201 to 300
    assert fingerprint["time_min"].startswith(day(201).isoformat())
    assert champion.lineage["since"] == day(201).isoformat()


def test_a_lock_left_by_a_dead_process_of_this_machine_is_taken_at_once(
    spec_fields: dict[str, Any], where: Monitor
) -> None:
    import socket
    import subprocess
    import sys

    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead = f"{socket.gethostname()}:{gone.stdout.strip()}"
    spec = pg.ModelSpec(**spec_fields)
    with where.metadata.transaction() as tx:
        assert tx.lifecycle.acquire(spec.name, day(300), dead, NOW, stale_after=timedelta(hours=2))
    assert run_day(spec, where, day(300), now=lambda: NOW).ran[-1] == "score"


def test_a_retrain_that_cannot_train_is_a_failed_decision_and_the_champion_serves(
    spec_fields: dict[str, Any], where: Monitor, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    from paraguas.config.settings import AlertSettings
    from paraguas.lifecycle import Alerter

    run_day(pg.ModelSpec(**spec_fields), where, day(300), now=lambda: NOW)
    # Two days of data cannot be split into training and holdout.
    tiny = pg.ModelSpec(**spec_fields, retraining=pg.Retraining(window="2d"))
    with where.metadata.transaction() as tx:
        tx.lifecycle.add_decision(
            DecisionRecord(
                model=tiny.name,
                day=day(301),
                action="order",
                champion=1,
                challenger=None,
                reason="try a short window",
                evidence={},
                actor="ana",
                at=NOW,
            )
        )
    with caplog.at_level(logging.INFO, logger="paraguas.alerts"):
        done = run_day(tiny, where, day(301), now=lambda: NOW, alerter=Alerter(AlertSettings()))
    assert done.ran == ("monitor", "decide", "retrain", "judge", "score")
    actions = [action for action, _ in done.decisions]
    assert actions == ["retrain", "failed"]
    assert "training failed, version 1 goes on serving" in done.decisions[1][1]
    assert len(where.registry.versions(tiny.name)) == 1
    assert where.registry.alias(tiny.name, CHAMPION).version == 1  # type: ignore[union-attr]
    assert where.predictions.days(tiny.name) == [day(300), day(301)]  # the day was scored
    events = [r.getMessage() for r in caplog.records if r.name == "paraguas.alerts"]
    assert any("failure" in e and "training failed" in e for e in events), events
    again = run_day(tiny, where, day(301), now=lambda: NOW)  # journaled: never retried twice
    assert again.ran == ()
