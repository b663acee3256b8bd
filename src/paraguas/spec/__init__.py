"""What a data scientist declares: model specifications, the names they use, the policies."""

from __future__ import annotations

from paraguas.spec.estimators import ImportedEstimator
from paraguas.spec.model import (
    DEFAULT_METRIC,
    LOWER_IS_BETTER,
    METRICS,
    MONITORING_MODES,
    MONITORING_REFERENCES,
    TASKS,
    DataSource,
    ModelSpec,
    Monitoring,
    Split,
    describe_estimator,
    parse_days,
)
from paraguas.spec.names import ALIASES, did_you_mean, validate_alias, validate_model_name

__all__ = [
    "ALIASES",
    "DEFAULT_METRIC",
    "LOWER_IS_BETTER",
    "METRICS",
    "MONITORING_MODES",
    "MONITORING_REFERENCES",
    "TASKS",
    "DataSource",
    "ImportedEstimator",
    "ModelSpec",
    "Monitoring",
    "Split",
    "describe_estimator",
    "did_you_mean",
    "parse_days",
    "validate_alias",
    "validate_model_name",
]
