"""Training: time-aware splits, seeded fits, evaluation against a baseline, registration."""

from __future__ import annotations

from paraguas.training.flow import SCORE_COLUMN, STAGES, TrainingResult, train
from paraguas.training.split import TimeSplit, time_split

__all__ = [
    "SCORE_COLUMN",
    "STAGES",
    "TimeSplit",
    "TrainingResult",
    "time_split",
    "train",
]
