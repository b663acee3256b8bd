"""The prediction log and the actuals log: every prediction made, and what really happened."""

from __future__ import annotations

from paraguas.prediction.actuals import ACTUALS_SCHEMA, ActualsLog
from paraguas.prediction.columns import (
    PREDICTION_SCHEMA,
    REJECT_SCHEMA,
    new_ids,
    prediction_batch,
    to_strings,
    to_utc_timestamps,
)
from paraguas.prediction.log import DayResult, DayWriter, PredictionLog

__all__ = [
    "ACTUALS_SCHEMA",
    "PREDICTION_SCHEMA",
    "REJECT_SCHEMA",
    "ActualsLog",
    "DayResult",
    "DayWriter",
    "PredictionLog",
    "new_ids",
    "prediction_batch",
    "to_strings",
    "to_utc_timestamps",
]
