"""What training keeps for monitoring: a bounded seeded sample, holdout scores, importance."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

import paraguas as pg
from paraguas.data.blobs import from_parquet_bytes
from paraguas.registry import FEATURE_IMPORTANCE, REFERENCE_SAMPLE, REFERENCE_SCORES, Registry
from paraguas.training import train
from paraguas.training.reference import feature_importance, sample_rows


def test_a_sample_is_the_whole_table_when_small_and_a_seeded_subset_otherwise() -> None:
    table = pa.table({"x": np.arange(1000)})
    assert sample_rows(table, seed=0, rows=1000) is table
    picked = sample_rows(table, seed=0, rows=100)["x"].to_numpy()
    assert len(picked) == len(set(picked)) == 100
    assert (np.diff(picked) > 0).all()  # in table order
    assert np.array_equal(picked, sample_rows(table, seed=0, rows=100)["x"].to_numpy())
    assert not np.array_equal(picked, sample_rows(table, seed=1, rows=100)["x"].to_numpy())


def test_importance_ranks_the_feature_the_model_uses() -> None:
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"signal": rng.normal(size=3000), "noise": rng.normal(size=3000)})
    target = (frame["signal"] + rng.normal(0, 0.3, 3000) > 0).astype(int).to_numpy()
    model = LogisticRegression().fit(frame, target)
    importance = feature_importance(model, frame, target, task="binary", seed=0)
    assert set(importance) == {"signal", "noise"}
    assert importance["signal"] > 0.2 > abs(importance["noise"])


def test_importance_is_empty_rather_than_failing_a_training() -> None:
    class Broken:
        def fit(self, x: Any, y: Any) -> Broken:
            return self

        def predict(self, x: Any) -> Any:
            raise RuntimeError("cannot predict shuffled rows")

    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0]})
    assert (
        feature_importance(Broken(), frame, np.array([1.0, 2.0, 3.0]), task="regression", seed=0)
        == {}
    )


def test_training_stores_the_reference_for_monitoring(
    registry: Registry, spec_fields: dict[str, Any]
) -> None:
    spec = pg.ModelSpec(**spec_fields)
    result = train(spec, registry)
    version = result.version
    sample = from_parquet_bytes(registry.attachment(version, REFERENCE_SAMPLE))
    train_rows = result.split["train_rows"]
    assert sample.num_rows == train_rows  # small data: the whole training set
    assert sample.column_names == ["humidity", "pressure", "wind", "rain_tomorrow", "date"]
    scores = from_parquet_bytes(registry.attachment(version, REFERENCE_SCORES))["score"]
    assert len(scores) == result.split["holdout_rows"]
    model = registry.load_version(version)
    cutoff = date.fromisoformat(result.split["cutoff"])
    assert pa.compute.max(sample["date"]).as_py() < cutoff  # training rows only, no holdout
    assert 0 <= pa.compute.min(scores).as_py() <= pa.compute.max(scores).as_py() <= 1
    importance = json.loads(registry.attachment(version, FEATURE_IMPORTANCE))
    assert set(importance) == {"humidity", "pressure", "wind"}
    # humidity and pressure make the rain; wind is noise
    assert importance["humidity"] > importance["wind"]
    assert importance["pressure"] > importance["wind"]
    expected = model.predict_proba(sample.select(["humidity", "pressure", "wind"]).to_pandas())
    assert expected.shape == (train_rows, 2)
