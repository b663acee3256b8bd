from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sklearn import metrics as skm

import paraguas as pg
from paraguas.data import InputSchema
from paraguas.errors import DataError, SpecError
from paraguas.monitoring.profile import Profile
from paraguas.registry import CHAMPION, INPUT_SCHEMA, REFERENCE_PROFILE, Registry
from paraguas.training import SCORE_COLUMN, train
from tests.conftest import START, weather_table


def test_training_registers_an_evaluated_traceable_version(
    registry: Registry, spec_fields: dict[str, Any], weather_file: Path
) -> None:
    spec = pg.ModelSpec(**spec_fields)
    stages: list[str] = []
    result = train(spec, registry, reason="first fit", progress=stages.append)
    assert stages == ["read", "split", "fit", "evaluate", "profile", "register"]
    version = registry.version("rain_tomorrow", 1)
    assert result.version == version and version.reason == "first fit"

    # the holdout is the most recent 20% of days, and the metrics are scikit-learn's on it
    table = pq.read_table(weather_file)
    cutoff = date.fromisoformat(result.split["cutoff"])
    holdout = table.filter(pa.compute.greater_equal(table["date"], pa.scalar(cutoff)))
    assert result.split["holdout_rows"] == holdout.num_rows == 80
    model = registry.load("rain_tomorrow", 1)
    features = holdout.select(["humidity", "pressure", "wind"]).to_pandas()
    truth = holdout["rain_tomorrow"].to_numpy()
    score = model.predict_proba(features)[:, 1]
    assert version.metrics["roc_auc"] == pytest.approx(skm.roc_auc_score(truth, score))
    assert version.metrics["f1"] == pytest.approx(skm.f1_score(truth, score >= 0.5))
    assert version.metrics["log_loss"] == pytest.approx(skm.log_loss(truth, score))
    tn, fp, fn, tp = skm.confusion_matrix(truth, score >= 0.5).ravel()
    counts = tuple(version.metrics[k] for k in ("tn", "fp", "fn", "tp"))
    assert counts == (tn, fp, fn, tp)

    lineage = version.lineage
    assert lineage["spec_hash"] == spec.spec_hash
    assert lineage["data_fingerprint"]["rows"] == table.num_rows
    assert lineage["evaluation"]["beats_baseline"] is True
    assert lineage["evaluation"]["baseline"]["f1"] == pytest.approx(
        skm.f1_score(truth, np.full_like(truth, int(np.mean(table["rain_tomorrow"]) >= 0.5)))
    )
    schema = InputSchema.from_dict(json.loads(registry.attachment(version, INPUT_SCHEMA)))
    assert list(schema.names) == ["humidity", "pressure", "wind"]
    profile = Profile.from_json(registry.attachment(version, REFERENCE_PROFILE))
    assert set(profile.columns) == {"humidity", "pressure", "wind", SCORE_COLUMN}
    assert profile.columns[SCORE_COLUMN].count == holdout.num_rows


def test_the_first_version_is_champion_only_if_it_beats_the_baseline(
    registry: Registry, spec_fields: dict[str, Any]
) -> None:
    from sklearn.dummy import DummyClassifier

    spec = pg.ModelSpec(**{**spec_fields, "estimator": lambda: DummyClassifier()})
    result = train(spec, registry)
    assert not result.promoted and "does not beat the naive baseline" in result.decision
    assert registry.alias("rain_tomorrow", CHAMPION) is None
    better = train(pg.ModelSpec(**spec_fields), registry)
    assert better.promoted and registry.alias("rain_tomorrow", CHAMPION).version == 2  # type: ignore[union-attr]
    third = train(pg.ModelSpec(**spec_fields), registry)
    assert not third.promoted and "champion stays" in third.decision
    assert third.version.lineage["parent_version"] == 2


def test_no_row_after_the_as_of_date_is_read(
    registry: Registry, spec_fields: dict[str, Any], tmp_path: Path
) -> None:
    table = weather_table(400)
    as_of = START + timedelta(days=299)
    # After the as-of date the target is a class never seen before: reading it would fail the fit.
    poisoned = pa.array(
        [v if i < 300 else 7 for i, v in enumerate(table["rain_tomorrow"].to_pylist())]
    )
    path = tmp_path / "poisoned.parquet"
    pq.write_table(table.set_column(5, "rain_tomorrow", poisoned), path)
    spec = pg.ModelSpec(**{**spec_fields, "data": pg.Parquet(path)})
    result = train(spec, registry, as_of=as_of)
    fingerprint = result.version.lineage["data_fingerprint"]
    assert fingerprint["rows"] == 300 and fingerprint["time_max"] <= as_of.isoformat()
    assert result.version.lineage["as_of"] == as_of.isoformat()
    with pytest.raises(DataError, match=r"has 3 classes in training \(0, 1, 7\)"):
        train(spec, registry)  # without as_of, the poisoned future is read and refused


def test_a_duration_holdout(registry: Registry, spec_fields: dict[str, Any]) -> None:
    spec = pg.ModelSpec(**{**spec_fields, "split": pg.Split("30d")})
    result = train(spec, registry)
    assert result.split["holdout_rows"] == 30


def test_regression(registry: Registry, spec_fields: dict[str, Any]) -> None:
    from sklearn.linear_model import LinearRegression

    spec = pg.ModelSpec(
        **{
            **spec_fields,
            "task": "regression",
            "target": "pressure",
            "features": ["humidity", "wind"],
            "estimator": LinearRegression,
        }
    )
    result = train(spec, registry)
    assert set(result.metrics) >= {"rmse", "mae", "r2", "mape", "median_ae"}
    assert result.metric == "rmse" and result.baseline["rmse"] is not None


def test_text_classification_pipeline(registry: Registry, tmp_path: Path) -> None:
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    rng = np.random.default_rng(1)
    topics = {
        "fraud": ["unknown charge", "card stolen", "did not authorise", "suspicious payment"],
        "loan": ["mortgage rate", "loan application", "repayment plan", "interest on loan"],
        "card": ["new card", "card expired", "pin reset", "contactless limit"],
    }
    labels = rng.choice(list(topics), 300)
    texts = [f"{rng.choice(topics[label])} please help {rng.integers(1000)}" for label in labels]
    path = tmp_path / "messages.parquet"
    pq.write_table(
        pa.table(
            {
                "id": [f"m{i}" for i in range(300)],
                "day": pa.array([START + timedelta(days=i // 3) for i in range(300)], pa.date32()),
                "text": texts,
                "topic": labels,
            }
        ),
        path,
    )
    spec = pg.ModelSpec(
        name="complaints",
        task="multiclass",
        target="topic",
        features=["text"],
        key="id",
        time="day",
        data=pg.Parquet(path),
        estimator=lambda: make_pipeline(
            ColumnTransformer([("words", TfidfVectorizer(), "text")]), LogisticRegression()
        ),
    )
    result = train(spec, registry)
    assert result.metrics["accuracy"] > 0.9 and result.promoted
    model = registry.load("complaints")
    import pandas as pd

    assert model.predict(pd.DataFrame({"text": ["my card was stolen"]}))[0] == "fraud"


def test_lightgbm(registry: Registry, spec_fields: dict[str, Any]) -> None:
    lightgbm = pytest.importorskip("lightgbm")
    spec = pg.ModelSpec(
        **{**spec_fields, "estimator": lambda: lightgbm.LGBMClassifier(n_estimators=30, verbose=-1)}
    )
    result = train(spec, registry)
    assert result.version.lineage["packages"].get("lightgbm") == lightgbm.__version__
    assert result.metrics["roc_auc"] > 0.7


def test_an_estimator_that_fails_names_the_model(
    registry: Registry, spec_fields: dict[str, Any]
) -> None:
    from sklearn.linear_model import LogisticRegression

    spec = pg.ModelSpec(
        **{
            **spec_fields,
            "features": ["humidity", "pressure", "wind"],
            "estimator": lambda: LogisticRegression(C=-1),
        }
    )
    with pytest.raises(SpecError, match="'rain_tomorrow': the estimator failed to fit"):
        train(spec, registry)
    assert registry.models() == []


def test_no_rows_as_of_a_date_before_the_data(
    registry: Registry, spec_fields: dict[str, Any]
) -> None:
    with pytest.raises(DataError, match="no rows as of 2020-01-01"):
        train(pg.ModelSpec(**spec_fields), registry, as_of=date(2020, 1, 1))
