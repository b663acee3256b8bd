"""What a data scientist declares: model specifications, the names they use, the policies."""

from __future__ import annotations

from paraguas.spec.durations import parse_days
from paraguas.spec.estimators import ImportedEstimator
from paraguas.spec.model import (
    DEFAULT_METRIC,
    LOWER_IS_BETTER,
    METRICS,
    TASKS,
    DataSource,
    ModelSpec,
    Split,
    describe_estimator,
)
from paraguas.spec.names import ALIASES, did_you_mean, validate_alias, validate_model_name
from paraguas.spec.policies import (
    APPROVALS,
    COST_KEYS,
    MONITORING_MODES,
    MONITORING_REFERENCES,
    PROMOTION_TESTS,
    Monitoring,
    Promotion,
    Retraining,
)

__all__ = [
    "ALIASES",
    "APPROVALS",
    "COST_KEYS",
    "DEFAULT_METRIC",
    "LOWER_IS_BETTER",
    "METRICS",
    "MONITORING_MODES",
    "MONITORING_REFERENCES",
    "PROMOTION_TESTS",
    "TASKS",
    "DataSource",
    "ImportedEstimator",
    "ModelSpec",
    "Monitoring",
    "Promotion",
    "Retraining",
    "Split",
    "describe_estimator",
    "did_you_mean",
    "parse_days",
    "validate_alias",
    "validate_model_name",
]
