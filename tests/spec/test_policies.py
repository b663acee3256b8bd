"""Retraining and promotion policies: defaults, validation that names the field, YAML."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

import paraguas as pg
from paraguas.config.models import spec_from_mapping
from paraguas.errors import SpecError


def test_a_spec_without_policies_gets_the_defaults(spec_fields: dict[str, Any]) -> None:
    spec = pg.ModelSpec(**spec_fields)
    assert spec.retraining == pg.Retraining()
    assert (spec.retraining.on_drift, spec.retraining.below, spec.retraining.every) == (
        True,
        {},
        None,
    )
    assert spec.promotion.test == "bootstrap" and spec.promotion.approval == "auto"
    assert spec.promotion.metric is None  # the spec's own metric
    assert pg.Retraining(every="13w", window="730d").every_days == 91
    assert pg.Retraining(window="730d").window_days == 730


@pytest.mark.parametrize(
    ("policy", "fields", "message"),
    [
        (pg.Retraining, {"below": {"f1": "high"}}, r"retraining.below\['f1'\] 'high'"),
        (pg.Retraining, {"below": [0.6]}, "retraining.below"),
        (pg.Retraining, {"for_windows": 0}, "retraining.for_windows 0"),
        (pg.Retraining, {"every": "quarterly"}, "retraining.every 'quarterly'"),
        (pg.Monitoring, {"every": "weekly"}, "monitoring.every 'weekly'"),
        (pg.Retraining, {"on_drift": "yes"}, "retraining.on_drift 'yes'"),
        (pg.Promotion, {"shadow_days": 0}, "promotion.shadow_days 0"),
        (pg.Promotion, {"shadow_days": 30, "max_shadow_days": 20}, "never be judged"),
        (pg.Promotion, {"confidence": 95}, "promotion.confidence 95"),
        (pg.Promotion, {"approval": "manuel"}, "Did you mean 'manual'"),
        (pg.Promotion, {"test": "t-test"}, "promotion.test 't-test'"),
        (pg.Promotion, {"costs": {"false_postive": 1}}, "Did you mean 'false_positive'"),
        (pg.Promotion, {"costs": {"false_positive": -1}}, r"promotion.costs\['false_positive'\]"),
        (pg.Promotion, {"min_gain": float("nan")}, "promotion.min_gain nan"),
    ],
)
def test_bad_policies_name_the_field(policy: Any, fields: dict[str, Any], message: str) -> None:
    with pytest.raises(SpecError, match=message):
        policy(**fields)


def test_monitoring_every_seven_days_falls_on_saturdays_whatever_the_start() -> None:
    weekly = pg.Monitoring(every="7d")
    first = date(2015, 1, 1)
    due = [first + timedelta(days=i) for i in range(28) if weekly.due(first + timedelta(days=i))]
    assert [d.isoformat() for d in due] == ["2015-01-03", "2015-01-10", "2015-01-17", "2015-01-24"]
    assert {d.strftime("%A") for d in due} == {"Saturday"}
    assert all(pg.Monitoring().due(first + timedelta(days=i)) for i in range(10))  # daily


def test_policy_metrics_must_belong_to_the_task(spec_fields: dict[str, Any]) -> None:
    with pytest.raises(SpecError, match=r"retraining.below\['rmse'\]: 'rmse' is not a binary"):
        pg.ModelSpec(**spec_fields, retraining=pg.Retraining(below={"rmse": 3.0}))
    with pytest.raises(SpecError, match=r"promotion.metric: 'roc-auc' .* Did you mean 'roc_auc'"):
        pg.ModelSpec(**spec_fields, promotion=pg.Promotion(metric="roc-auc"))
    costs = pg.Promotion(costs={"false_negative": 5})
    assert pg.ModelSpec(**spec_fields, promotion=costs).promotion.costs == {"false_negative": 5.0}
    regression = {**spec_fields, "task": "regression", "target": "wind", "features": ["humidity"]}
    with pytest.raises(SpecError, match=r"promotion.costs weigh a binary"):
        pg.ModelSpec(**regression, promotion=costs)
    with pytest.raises(SpecError, match="use 'bootstrap' for a regression"):
        pg.ModelSpec(**regression, promotion=pg.Promotion(test="mcnemar"))


def test_policies_do_not_change_the_spec_hash(spec_fields: dict[str, Any]) -> None:
    plain = pg.ModelSpec(**spec_fields)
    strict = pg.ModelSpec(
        **spec_fields,
        retraining=pg.Retraining(every="30d"),
        promotion=pg.Promotion(approval="manual"),
    )
    assert plain.spec_hash == strict.spec_hash


def test_yaml_specs_declare_policies(weather_file: Path) -> None:
    raw = {
        "name": "rain",
        "task": "binary",
        "target": "rain_tomorrow",
        "features": ["humidity"],
        "data": {"parquet": str(weather_file)},
        "estimator": {"class": "sklearn.linear_model.LogisticRegression"},
        "retraining": {"below": {"f1": 0.6}, "for_windows": 3, "window": "730d"},
        "promotion": {"shadow_days": 21, "approval": "manual", "costs": {"false_negative": 5}},
    }
    spec = spec_from_mapping(raw, "models/rain.yaml")
    assert spec.retraining == pg.Retraining(below={"f1": 0.6}, for_windows=3, window="730d")
    assert spec.promotion.shadow_days == 21 and spec.promotion.approval == "manual"
    with pytest.raises(SpecError, match=r"models/rain.yaml: .*unexpected keyword argument 'floor'"):
        spec_from_mapping({**raw, "retraining": {"floor": 1}}, "models/rain.yaml")
