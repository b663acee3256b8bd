"""Forecasts against reality: the prediction log joined with the actuals, by key.

Only *mature* predictions count: those made at least the model's label delay before the run's
day (``Monitoring.label_delay``), whose actual should have arrived. Among them, the share that
has an actual is the **label coverage**; metrics are computed on those, per role and version,
so the champion and its challenger in shadow are measured on the same rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt

from paraguas.monitoring.performance import (
    LOWER_IS_BETTER,
    binary_metrics,
    multiclass_metrics,
    regression_metrics,
)
from paraguas.monitoring.results import Check, Status

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "ALERT_DROP",
    "MIN_ROWS_TO_JUDGE",
    "WARN_DROP",
    "Joined",
    "join_actuals",
    "known_at",
    "metric_status",
    "performance_checks",
    "score_matrix",
]

#: Relative degradation of the primary metric against the version's holdout value that warns
#: (5 %) or alerts (10 %).
WARN_DROP: Final = 0.05
ALERT_DROP: Final = 0.10
COVERAGE_WARN: Final = 0.5  # below this share of mature predictions labelled, coverage warns
#: Fewer labelled rows than this are reported but not judged: a metric of a handful of rows
#: swings by chance (four forecasts can have an F1 of 0 from a good model).
MIN_ROWS_TO_JUDGE: Final = 20
_REPORTED: Final = {
    "binary": ("accuracy", "precision", "recall", "f1", "roc_auc", "pr_auc", "log_loss", "brier"),
    "multiclass": ("accuracy", "f1_macro", "f1_weighted", "log_loss"),
    "regression": ("rmse", "mae", "r2", "mape", "median_ae"),
}


@dataclass(frozen=True)
class Joined:
    """The mature predictions of one role and version, with their actuals where known.

    ``truth``: class codes (index into ``classes``) or numbers; ``output``: the positive
    class's score (binary), the probability matrix (multiclass) or the prediction
    (regression). ``labelled`` marks rows with an actual; ``keys`` the prediction keys.
    """

    role: str
    version: int
    keys: npt.NDArray[Any]
    output: npt.NDArray[np.float64]
    truth: npt.NDArray[Any]
    labelled: npt.NDArray[np.bool_]
    classes: tuple[str, ...]
    unknown_labels: int = 0

    @property
    def mature(self) -> int:
        return len(self.keys)

    @property
    def coverage(self) -> float | None:
        return float(self.labelled.mean()) if self.mature else None


def join_actuals(task: str, predictions: pa.Table, actuals: pa.Table) -> list[Joined]:
    """Join ``predictions`` (prediction-log rows) with ``actuals`` (latest per key), grouped by
    role and version. Actual labels a classifier never knew count as ``unknown_labels``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if predictions.num_rows == 0:
        return []
    truth_column = "value" if task == "regression" else "label"
    # Each prediction's actual by its key (actuals hold one row per key): an index lookup, as
    # Arrow's hash join does not carry the list columns of the scores.
    position = pc.index_in(predictions["key"], value_set=actuals["key"].combine_chunks())
    found = actuals[truth_column].combine_chunks()
    if len(found) == 0:
        found = pa.nulls(1, type=found.type)  # take() of all-null positions needs no values
    joined = predictions.append_column("__actual__", found.take(position))
    groups = []
    roles = joined.group_by(["role", "version"]).aggregate([]).sort_by([("role", "ascending")])
    for role, version in zip(roles["role"].to_pylist(), roles["version"].to_pylist(), strict=True):
        rows = joined.filter(
            pc.and_(pc.equal(joined["role"], role), pc.equal(joined["version"], version))
        )
        rows = rows.sort_by([("time", "ascending"), ("key", "ascending")])
        keys = np.asarray(rows["key"].to_numpy(zero_copy_only=False), dtype=object)
        labelled = np.asarray(pc.is_valid(rows["__actual__"]).to_numpy(zero_copy_only=False))
        if task == "regression":
            output = np.asarray(rows["value"].to_numpy(zero_copy_only=False), dtype=np.float64)
            truth: npt.NDArray[Any] = np.asarray(
                rows["__actual__"].cast(pa.float64()).to_numpy(zero_copy_only=False),
                dtype=np.float64,
            )
            groups.append(Joined(role, int(version), keys, output, truth, labelled, ()))
            continue
        classes = tuple(str(c) for c in (rows["classes"][0].as_py() or []))
        scores = score_matrix(rows["scores"], len(classes))
        actual = np.asarray(rows["__actual__"].to_numpy(zero_copy_only=False), dtype=object)
        lookup = {name: i for i, name in enumerate(classes)}
        codes = np.array([lookup.get(a, -1) if a is not None else -1 for a in actual])
        unknown = int(np.sum(labelled & (codes < 0)))
        labelled = labelled & (codes >= 0)
        output = scores[:, 1] if task == "binary" else scores
        groups.append(Joined(role, int(version), keys, output, codes, labelled, classes, unknown))
    return groups


def performance_checks(
    task: str,
    joined: Joined,
    *,
    primary: str,
    reference: Mapping[str, Any],
    span: str,
) -> list[Check]:
    """The metrics of ``joined``'s labelled rows as checks; the primary metric is judged
    against the version's holdout value (``reference``), the others reported."""
    rows = int(joined.labelled.sum())
    extra: dict[str, Any] = {"span": span, "rows": rows, "mature": joined.mature}
    coverage = joined.coverage
    checks = [
        Check(
            kind="performance",
            subject="label_coverage",
            method="actuals",
            value=coverage,
            threshold=COVERAGE_WARN,
            status="ok" if coverage is None or coverage >= COVERAGE_WARN else "warn",
            version=joined.version,
            role=joined.role,
            detail=_coverage_detail(joined),
            extra=extra,
        )
    ]
    labelled = joined.labelled
    if not labelled.any():
        return checks
    metrics = _metrics(task, joined.truth[labelled], joined.output[labelled])
    for name in _REPORTED[task]:
        value = metrics.get(name)
        value = None if value is None else float(value)
        detail = ""
        if name == primary:
            status, threshold = metric_status(name, value, reference.get(name))
            detail = _metric_detail(name, value, reference.get(name))
            if rows < MIN_ROWS_TO_JUDGE:
                status = "ok"
                detail += f"; not judged on {rows} rows (at least {MIN_ROWS_TO_JUDGE})"
        else:
            status, threshold = "ok", None
        checks.append(
            Check(
                kind="performance",
                subject=name,
                method="actuals",
                value=value,
                threshold=threshold,
                status=status,
                version=joined.version,
                role=joined.role,
                detail=detail,
                extra={**extra, "holdout": reference.get(name)},
            )
        )
    return checks


def metric_status(metric: str, value: float | None, holdout: Any) -> tuple[Status, float | None]:
    """``alert`` when ``value`` is worse than the holdout's by more than :data:`ALERT_DROP`
    (relative), ``warn`` beyond :data:`WARN_DROP`; the alert threshold is returned."""
    if value is None or not isinstance(holdout, int | float) or not np.isfinite(holdout):
        return "ok", None
    lower = metric in LOWER_IS_BETTER
    scale = abs(float(holdout))
    alert = float(holdout) + (scale * ALERT_DROP if lower else -scale * ALERT_DROP)
    warn = float(holdout) + (scale * WARN_DROP if lower else -scale * WARN_DROP)

    def worse_than(limit: float) -> bool:
        return value > limit if lower else value < limit

    if worse_than(alert):
        return "alert", alert
    if worse_than(warn):
        return "warn", alert
    return "ok", alert


def _metrics(task: str, truth: npt.NDArray[Any], output: npt.NDArray[np.float64]) -> dict[str, Any]:
    if task == "regression":
        return dict(regression_metrics(truth.astype(np.float64), output))
    if task == "binary":
        return dict(binary_metrics(truth.astype(np.int64), output))
    return dict(multiclass_metrics(truth.astype(np.int64), output))


def known_at(day: date, now: datetime) -> datetime:
    """When actuals count as known for a run of ``day``: arrived by the end of that day (or by
    ``now``, if earlier), so re-running an old day sees what was known then."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    return min(now, midnight + timedelta(days=1))


def score_matrix(column: Any, width: int) -> npt.NDArray[np.float64]:
    """The prediction log's ``scores`` lists as a (rows, ``width``) matrix."""
    import pyarrow as pa

    flat = pa.chunked_array(column).combine_chunks() if not isinstance(column, pa.Array) else column
    values = np.asarray(flat.flatten().to_numpy(zero_copy_only=False), dtype=np.float64)
    return values.reshape(-1, max(width, 1))


def _coverage_detail(joined: Joined) -> str:
    text = f"{int(joined.labelled.sum()):,} of {joined.mature:,} mature predictions have an actual"
    if joined.unknown_labels:
        text += f"; {joined.unknown_labels:,} actuals name a class the model does not know"
    return text


def _metric_detail(name: str, value: float | None, holdout: Any) -> str:
    if value is None:
        return f"{name} is undefined on these rows"
    if not isinstance(holdout, int | float):
        return f"{name} {value:.4f}; the version has no holdout {name} to compare with"
    return f"{name} {value:.4f} against {float(holdout):.4f} on the training holdout"
