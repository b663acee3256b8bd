"""How a spec declares its monitoring: defaults, durations, and errors that name the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import paraguas as pg
from paraguas.config.models import spec_from_mapping
from paraguas.errors import SpecError


def test_defaults_watch_a_week_with_the_paraguas_mode() -> None:
    monitoring = pg.Monitoring()
    assert (monitoring.window_days, monitoring.mode, monitoring.label_delay_days) == (
        7,
        "paraguas",
        0,
    )
    assert pg.Monitoring(window="2w", label_delay="30d").window_days == 14
    assert pg.Monitoring(label_delay="30d").label_delay_days == 30


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"window": "week"}, "monitoring.window 'week'"),
        ({"mode": "evidentli"}, "Did you mean 'evidently'"),
        ({"segments": "region"}, "monitoring.segments 'region'"),
        ({"drift_share": 0}, "monitoring.drift_share 0"),
        ({"label_delay": "-1d"}, "monitoring.label_delay '-1d'"),
    ],
)
def test_bad_monitoring_names_the_field(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(SpecError, match=message):
        pg.Monitoring(**fields)


def test_monitoring_settings_do_not_change_the_spec_hash(spec_fields: dict[str, Any]) -> None:
    plain = pg.ModelSpec(**spec_fields)
    watched = pg.ModelSpec(**spec_fields, monitoring=pg.Monitoring(window="30d"))
    assert plain.spec_hash == watched.spec_hash
    assert watched.monitoring.window_days == 30


def test_yaml_specs_declare_monitoring(weather_file: Path) -> None:
    raw = {
        "name": "rain",
        "task": "binary",
        "target": "rain_tomorrow",
        "features": ["humidity"],
        "data": {"parquet": str(weather_file)},
        "estimator": {"class": "sklearn.linear_model.LogisticRegression"},
        "monitoring": {"window": "14d", "mode": "evidently", "segments": ["city"]},
    }
    spec = spec_from_mapping(raw, "models/rain.yaml")
    assert spec.monitoring == pg.Monitoring(window="14d", mode="evidently", segments=("city",))
    with pytest.raises(SpecError, match=r"models/rain.yaml: monitoring.mode 'other'"):
        spec_from_mapping({**raw, "monitoring": {"mode": "other"}}, "models/rain.yaml")
