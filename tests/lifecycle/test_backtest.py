"""Backtesting policies: the same days replayed under each, in scratch stores, side by side."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sklearn import metrics as skm

import paraguas as pg
from paraguas.lifecycle.backtest import backtest
from paraguas.prediction import ActualsLog
from tests.conftest import START, weather_table


def test_policies_are_replayed_apart_and_compared(
    spec_fields: dict[str, Any], tmp_path: Path
) -> None:
    actuals = ActualsLog(tmp_path / "actuals")
    truth = weather_table().select(["date", "rain_tomorrow"])
    arrived = datetime(2020, 1, 1, tzinfo=timezone.utc)  # long before: every label is known
    actuals.record(
        "rain_tomorrow", truth, key="date", time="date", target="rain_tomorrow", arrived_at=arrived
    )
    spec = pg.ModelSpec(**spec_fields)
    first, last = START + timedelta(days=300), START + timedelta(days=309)
    policies = {
        "never": pg.Retraining(on_drift=False),
        "every 4d": pg.Retraining(on_drift=False, every="4d"),
    }
    outcomes = {
        o.policy: o for o in backtest(spec, tmp_path / "actuals", first, last, policies=policies)
    }
    assert set(outcomes) == {"never", "every 4d"}
    never, scheduled = outcomes["never"], outcomes["every 4d"]
    assert (never.retrains, never.promotions, never.failures) == (0, 0, 0)
    # the schedule retrains once; the challenger then shadows the champion, and no other
    # retrain comes while it waits for evidence (one challenger at a time)
    assert (scheduled.retrains, scheduled.failures) == (1, 0)
    assert never.rows == scheduled.rows == 10
    # "never" keeps the champion trained on days 0-299: its f1 over the period, by hand
    from sklearn.linear_model import LogisticRegression

    table = weather_table().to_pandas()
    train = table.iloc[:300]
    cutoff = int(len(train) * 0.8)  # the spec's 20 % holdout is not trained on
    model = LogisticRegression(max_iter=500).fit(
        train.iloc[:cutoff][["humidity", "pressure", "wind"]], train.iloc[:cutoff]["rain_tomorrow"]
    )
    period = table.iloc[300:310]
    scores = model.predict_proba(period[["humidity", "pressure", "wind"]])[:, 1]
    expected = skm.f1_score(period["rain_tomorrow"], scores >= 0.5)
    assert never.value is not None and abs(never.value - expected) < 1e-9
    assert sorted(p.name for p in tmp_path.iterdir()) == ["actuals", "weather.parquet"]
