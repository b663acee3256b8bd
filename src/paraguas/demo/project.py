"""The demo's project on disk: ``paraguas.yaml``, the model's spec, and the campaign's data.

The campaign's data is one table, as a bank's feature store would hold it: Seattle's days up to
the end of the campaign's six months there (2012-01-01 to 2015-06-30), then Mumbai's, from the
first day of its data (2016-01-01 to 2017-12-30). A ``city`` column says which is which; the
model never sees it. Reality (did it rain the next day) is kept apart in ``actuals.parquet``:
the story delivers it one day at a time, as it arrives.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from paraguas.demo.weather import TROPICAL_CITY, city, features, seattle

__all__ = ["MODEL", "SEATTLE_LAST_DAY", "SPEC", "write_project"]

MODEL = "rain_tomorrow"
#: The campaign leaves Seattle after its first six months.
SEATTLE_LAST_DAY = date(2015, 6, 30)

PROJECT_FILE = """\
# The umbrella campaign, written by `paraguas demo`: the embedded default (SQLite + folders).
name: umbrella-demo
store_url: sqlite:///.paraguas/paraguas.db
artifact_url: .paraguas/artifacts
actor: demo
"""

SPEC = '''\
"""Will it rain tomorrow? The umbrella campaign's model, written by `paraguas demo`.

A rain forecaster can only be proven better on days when it may rain: in a dry season a
challenger gathers no evidence, and after four months without a win it is let go.
"""

from sklearn.ensemble import HistGradientBoostingClassifier

import paraguas as pg

spec = pg.ModelSpec(
    name="rain_tomorrow",
    task="binary",
    target="rain_tomorrow",
    features=[
        "precipitation", "temp_max", "temp_min", "wind", "temp_range", "rain_today",
        "rain_days_last_3", "rain_days_last_7", "precipitation_last_3", "temp_max_change",
        "wind_change", "season_sin", "season_cos",
    ],
    key="date",
    time="date",
    data=pg.Parquet("data/weather.parquet"),
    estimator=lambda: HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05),
    metric="f1",
    split=pg.Split(holdout="180d"),
    # Each Saturday, the last 30 days against the same days of the training years; tomorrow's
    # rain is known a day later; forecasts after wet and dry days are compared apart.
    monitoring=pg.Monitoring(
        window="30d", every="7d", reference="season", label_delay="1d", segments=["rain_today"]
    ),
    # Retrain when the data that matters drifts, on the last year of data.
    retraining=pg.Retraining(on_drift=True, window="365d"),
    # Judge after 30 days and 60 days with actuals; give up after 120 days without a win.
    promotion=pg.Promotion(shadow_days=30, min_rows=60, max_shadow_days=120),
)
'''


def write_project(directory: Path) -> pd.DataFrame:
    """Write the project into ``directory`` (which must be empty or new); return the campaign's
    table (features and target), which the story needs to deliver the actuals."""
    (directory / "models").mkdir(parents=True, exist_ok=True)
    (directory / "data").mkdir(exist_ok=True)
    (directory / "paraguas.yaml").write_text(PROJECT_FILE, encoding="utf-8")
    (directory / "models" / f"{MODEL}.py").write_text(SPEC, encoding="utf-8")
    home = features(seattle())
    home = home[home["date"] <= SEATTLE_LAST_DAY]
    away = features(city(TROPICAL_CITY))
    table = pd.concat(
        [home.assign(city="Seattle"), away.assign(city=TROPICAL_CITY)], ignore_index=True
    )
    table.to_parquet(directory / "data" / "weather.parquet", index=False)
    table[["date", "city", "rain_tomorrow"]].to_parquet(
        directory / "data" / "actuals.parquet", index=False
    )
    return table
