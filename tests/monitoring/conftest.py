"""Small factories for the monitoring tests: seeded labels, scores and columns."""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest


def binary_data(
    seed: int, n: int = 500, *, ties: bool = False
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Labels and informative probabilities; ``ties`` rounds scores to one decimal."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    score = np.clip(0.35 * y + rng.random(n) * 0.65, 0, 1)
    return y, np.round(score, 1) if ties else score


def multiclass_data(
    seed: int, n: int = 400, k: int = 4
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k)) + 1.5 * np.eye(k)[y]
    proba = np.exp(logits)
    return y, proba / proba.sum(axis=1, keepdims=True)


def sklearn_value(function: Callable[..., Any], *args: Any, **kwargs: Any) -> float | None:
    """A scikit-learn metric with its warnings silenced and NaN turned into None."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = float(function(*args, **kwargs))
    return None if math.isnan(value) or math.isinf(value) else value


def assert_plain(metrics: Mapping[str, object]) -> None:
    """Every value is a Python int, float or None, and the whole dict is strict JSON."""
    for key, value in metrics.items():
        assert type(value) in (int, float, type(None)), (key, type(value))
        assert not (isinstance(value, float) and not math.isfinite(value)), key
    json.dumps(metrics, allow_nan=False)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240601)
