"""Small time-ordered data sets written to Parquet, and a registry to train into."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

START = date(2025, 1, 1)


def weather_table(days: int = 400, seed: int = 0) -> pa.Table:
    """One row per day: rain tomorrow depends on today's humidity and pressure."""
    rng = np.random.default_rng(seed)
    humidity = rng.uniform(20, 100, days)
    pressure = rng.normal(1013, 8, days)
    wind = rng.gamma(2.0, 3.0, days)
    logit = 0.08 * (humidity - 60) - 0.15 * (pressure - 1013) + rng.normal(0, 1, days)
    return pa.table(
        {
            "date": pa.array([START + timedelta(days=i) for i in range(days)], pa.date32()),
            "humidity": humidity,
            "pressure": pressure,
            "wind": wind,
            "city": rng.choice(["seattle", "portland", "vancouver"], days),
            "rain_tomorrow": (logit > 0).astype(np.int64),
        }
    )


@pytest.fixture
def weather_file(tmp_path: Path) -> Path:
    path = tmp_path / "weather.parquet"
    pq.write_table(weather_table(), path)
    return path


@pytest.fixture
def spec_fields(weather_file: Path) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression

    import paraguas as pg

    return {
        "name": "rain_tomorrow",
        "task": "binary",
        "target": "rain_tomorrow",
        "features": ["humidity", "pressure", "wind"],
        "key": "date",
        "time": "date",
        "data": pg.Parquet(weather_file),
        "estimator": lambda: LogisticRegression(max_iter=500),
    }
