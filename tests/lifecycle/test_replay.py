"""A replay (``paraguas cycle --from A --to B``) decides each day strictly as of that day: run
long after the fact, with the future already in the data and in the actuals log, it does exactly
what the cycle did when the days came one at a time and the future did not exist yet."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

import paraguas as pg
from paraguas.lifecycle.cycle import run_day
from paraguas.monitoring.flow import Monitor
from paraguas.prediction import ActualsLog, PredictionLog
from paraguas.registry import Registry
from paraguas.store import ArtifactStore, MetadataStore
from tests.conftest import START, FakeClock, weather_table

DAYS = [START + timedelta(days=300 + i) for i in range(12)]
LATER = datetime(2030, 1, 1, tzinfo=timezone.utc)  # when the replay runs: everything has arrived
ARRIVES = time(7)  # a day's actual (did it rain the next day?) arrives the next morning


def _stores(folder: Path) -> Monitor:
    folder.mkdir(parents=True)
    metadata = MetadataStore.open(f"sqlite:///{folder / 'paraguas.db'}")
    artifacts = ArtifactStore(str(folder / "artifacts"))
    registry = Registry(metadata, artifacts, actor="tester", clock=FakeClock(), code_dir=folder)
    return Monitor(
        registry,
        metadata,
        registry.audit,
        PredictionLog(folder / "predictions"),
        ActualsLog(folder / "actuals"),
    )


def _arrive(actuals: ActualsLog, table: pa.Table, day: date, *, before: bool = False) -> None:
    """``day``'s actual (with ``before``: those of every earlier day), arriving the morning
    after it."""
    compare = pc.less if before else pc.equal
    rows = table.filter(compare(table["date"], pa.scalar(day, pa.date32())))
    morning = day if before else day + timedelta(days=1)
    actuals.record(
        "rain_tomorrow",
        rows.select(["date", "rain_tomorrow"]),
        key="date",
        time="date",
        target="rain_tomorrow",
        arrived_at=datetime.combine(morning, ARRIVES, tzinfo=timezone.utc),
    )


def _spec(data: Path) -> pg.ModelSpec:
    from sklearn.linear_model import LogisticRegression

    return pg.ModelSpec(
        name="rain_tomorrow",
        task="binary",
        target="rain_tomorrow",
        features=["humidity", "pressure", "wind"],
        key="date",
        time="date",
        data=pg.Parquet(data),
        estimator=lambda: LogisticRegression(max_iter=500),
        monitoring=pg.Monitoring(window="14d"),
        retraining=pg.Retraining(every="4d", window="200d"),
        promotion=pg.Promotion(shadow_days=1, min_rows=3, max_shadow_days=5),
    )


def _state(where: Monitor) -> dict[str, Any]:
    """What the cycle decided and wrote, without the wall-clock times of writing it."""
    name = "rain_tomorrow"
    with where.metadata.transaction(write=False) as tx:
        decisions = [
            (d.day, d.action, d.champion, d.challenger, d.reason, d.evidence)
            for d in tx.lifecycle.decisions(name)
        ]
        results = [dataclasses.replace(r, computed_at=None) for r in tx.monitoring.results(name)]
        steps = [(d, s.step, s.status, s.detail) for d in DAYS for s in tx.lifecycle.steps(name, d)]
    versions = [
        (
            v.version,
            v.metrics,
            {k: v.lineage[k] for k in ("trigger", "as_of", "since")},
            v.lineage["data_fingerprint"]["rows"],
            v.lineage["data_fingerprint"]["time_max"],
        )
        for v in where.registry.versions(name)
    ]
    logged = where.predictions.read(name).sort_by([("key", "ascending"), ("role", "ascending")])
    predictions = logged.select(["key", "time", "role", "version", "label", "scores"]).to_pylist()
    aliases = where.registry.model(name).aliases
    return {
        "decisions": decisions,
        "results": sorted(results, key=repr),
        "steps": steps,
        "versions": versions,
        "predictions": predictions,
        "aliases": aliases,
    }


def test_a_replay_sees_only_what_had_arrived_by_each_day(tmp_path: Path) -> None:
    full = weather_table()
    eve = DAYS[0] - timedelta(days=1)

    # The days as they came: each evening the data holds rows up to that day, and the
    # actuals log what had arrived by then.
    lived = _stores(tmp_path / "lived")
    data = tmp_path / "lived" / "weather.parquet"
    _arrive(lived.actuals, full, eve, before=True)
    _arrive(lived.actuals, full, eve)
    for day in DAYS:
        pq.write_table(full.filter(pc.less_equal(full["date"], pa.scalar(day, pa.date32()))), data)
        evening = datetime.combine(day, time(20), tzinfo=timezone.utc)
        run_day(_spec(data), lived, day, now=lambda evening=evening: evening)
        _arrive(lived.actuals, full, day)  # tomorrow morning

    # The replay, years later: the whole data set and every actual are already there.
    replayed = _stores(tmp_path / "replayed")
    data = tmp_path / "replayed" / "weather.parquet"
    pq.write_table(full, data)
    _arrive(replayed.actuals, full, eve, before=True)
    for day in [eve, *DAYS, DAYS[-1] + timedelta(days=1)]:
        _arrive(replayed.actuals, full, day)
    for day in DAYS:
        run_day(_spec(data), replayed, day, now=lambda: LATER)

    lived_state, replayed_state = _state(lived), _state(replayed)
    # the story is not empty: retrains, a judged challenger, monitored performance
    actions = {action for _, action, *_ in lived_state["decisions"]}
    assert {"retrain", "keep"} <= actions and actions & {"promote", "reject", "wait"}, actions
    assert len(lived_state["versions"]) >= 3
    assert any(r.kind == "performance" for r in lived_state["results"])
    for part in lived_state:
        assert replayed_state[part] == lived_state[part], part
    for where in (lived, replayed):
        where.metadata.close()
