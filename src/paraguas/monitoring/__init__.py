"""Statistics of model health: performance, drift, data quality — pure functions over arrays."""

from __future__ import annotations

from paraguas.monitoring.performance import (
    HIGHER_IS_BETTER,
    LOWER_IS_BETTER,
    Metrics,
    MetricValue,
    average_precision,
    baseline_metrics,
    binary_metrics,
    is_better,
    multiclass_metrics,
    regression_metrics,
    roc_auc,
)
from paraguas.monitoring.profile import (
    KINDS,
    QUANTILE_LEVELS,
    TOP_CATEGORIES,
    ColumnProfile,
    Kind,
    Profile,
    count_in_bins,
    count_in_categories,
    profile_columns,
    profile_values,
)

__all__ = [
    "HIGHER_IS_BETTER",
    "KINDS",
    "LOWER_IS_BETTER",
    "QUANTILE_LEVELS",
    "TOP_CATEGORIES",
    "ColumnProfile",
    "Kind",
    "MetricValue",
    "Metrics",
    "Profile",
    "average_precision",
    "baseline_metrics",
    "binary_metrics",
    "count_in_bins",
    "count_in_categories",
    "is_better",
    "multiclass_metrics",
    "profile_columns",
    "profile_values",
    "regression_metrics",
    "roc_auc",
]
