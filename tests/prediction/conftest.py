"""Small factories for the prediction and actuals logs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from paraguas.prediction import ActualsLog, PredictionLog, prediction_batch

SCORED_AT = datetime(2024, 5, 2, 6, 0, tzinfo=timezone.utc)
DAY = date(2024, 5, 1)


@pytest.fixture
def log(tmp_path: Path) -> PredictionLog:
    return PredictionLog(tmp_path / "predictions")


@pytest.fixture
def actuals(tmp_path: Path) -> ActualsLog:
    return ActualsLog(tmp_path / "actuals")


def classified(
    keys: Sequence[Any],
    *,
    model: str = "rain_tomorrow",
    role: str = "champion",
    version: int = 1,
    day: date = DAY,
    seed: int = 0,
) -> pa.RecordBatch:
    """A binary classifier's predictions for ``keys`` (times on ``day``), seeded."""
    rng = np.random.default_rng(seed)
    rain = rng.random(len(keys))
    scores = np.column_stack([1 - rain, rain])
    return prediction_batch(
        model=model,
        version=version,
        role=role,
        keys=list(keys),
        times=[day] * len(keys),
        scored_at=SCORED_AT,
        labels=(rain > 0.5).astype(np.int64),
        scores=scores,
        classes=[0, 1],
    )
