"""The monitoring flow: one model, one day — is the model still to be trusted?

For the window of days ending on the run's day (``Monitoring.window``, 7 days by default) it
compares the day's world with what the champion learned from, using only what the champion
stored at training (:mod:`paraguas.monitoring.inputs`):

- **data quality** of every feature (missing, unreadable, out-of-range values, unseen
  categories) and the **volume** of rows against the days before;
- **drift** of every feature, of the model's scores and, once actuals arrive, of the target,
  by the spec's drift mode (:mod:`paraguas.monitoring.drift`), with a dataset verdict weighted
  by feature importance, and a **domain classifier** for drift no single column shows;
- **performance against reality** for the predictions whose labels are mature, per role and
  version, with label coverage, segments and fairness gaps (:mod:`paraguas.monitoring.outcomes`);
- **estimated performance** for binary classifiers, without labels (CBPE).

Every statistic becomes a :class:`~paraguas.monitoring.results.Check`, stored in the metadata
store with its threshold and status (re-running a day replaces that day's results) and drawn
in the HTML report. A check that cannot be computed is stored as an ``error`` with its reason;
it never stops the others.
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt

from paraguas.errors import AliasError, DataError, ModelNotFoundError, ParaguasError
from paraguas.monitoring.histograms import histograms
from paraguas.monitoring.inputs import (
    Current,
    Reference,
    arrow_values,
    importance_weights,
    in_season,
    read_current,
    read_reference,
    rows_per_day,
)
from paraguas.monitoring.outcomes import (
    join_actuals,
    known_at,
    performance_checks,
    score_matrix,
)
from paraguas.monitoring.results import Check, Report
from paraguas.prediction import PREDICTION_SCHEMA
from paraguas.prediction.threads import few_threads
from paraguas.registry import CHALLENGER, CHAMPION, Registry, subject

if TYPE_CHECKING:
    from paraguas.audit import AuditLog
    from paraguas.monitoring.drift import Mode
    from paraguas.prediction import ActualsLog, PredictionLog
    from paraguas.spec import ModelSpec
    from paraguas.store import MetadataStore, ModelVersion, MonitoringResult

__all__ = ["HISTORY_DAYS", "STAGES", "VOLUME_DAYS", "Monitor", "monitor_day", "stored_report"]

STAGES = ("read", "quality", "drift", "performance", "store")
#: Days of stored results a report shows before its own day.
HISTORY_DAYS = 90
#: Days before the run's day whose row counts judge its volume.
VOLUME_DAYS = 14
PREDICTION = "(prediction)"
TARGET = "(target)"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Monitor:
    """Where a monitoring run reads and writes: a project's stores and logs."""

    registry: Registry
    metadata: MetadataStore
    audit: AuditLog
    predictions: PredictionLog
    actuals: ActualsLog


def monitor_day(
    spec: ModelSpec,
    where: Monitor,
    *,
    day: date,
    window_days: int | None = None,
    mode: str | None = None,
    source: Any = None,
    actor: str | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
    charts: bool = True,
) -> Report:
    """Monitor ``spec``'s model for the window ending on ``day``; store and return the report.

    ``charts=False`` leaves out what only the HTML report draws (histograms, and earlier runs'
    results for the charts over time): the daily cycle stores results and draws nothing.
    """
    window = window_days if window_days is not None else spec.monitoring.window_days
    if window < 1:
        raise DataError(f"window {window} days: a monitoring window is at least 1 day, e.g. 7.")
    mode = cast("Mode", mode or spec.monitoring.mode)
    now = now or datetime.now(timezone.utc)
    try:
        champion = where.registry.alias(spec.name, CHAMPION)
    except ModelNotFoundError:  # declared, never trained: the same advice as no champion
        champion = None
    if champion is None:
        raise AliasError(
            f"Model {spec.name!r} has no champion to monitor. Train it (paraguas train "
            f"{spec.name}) or promote a version (paraguas promote {spec.name} VERSION --reason TEXT)."
        )
    challenger = where.registry.alias(spec.name, CHALLENGER)
    start = day - timedelta(days=window - 1)
    run = _Run(spec, where, champion, mode, day, start, now, progress)
    with run.stage("read"):
        reference = read_reference(where.registry, champion)
        if spec.monitoring.reference == "season":
            reference = in_season(reference, spec.time, start, day)
        current = read_current(
            spec,
            source if source is not None else spec.data,
            [spec.key or "", spec.time or "", *spec.features],
            start,
            day,
        )
    data = source if source is not None else spec.data
    with run.stage("quality"):
        run.checks += _missing_reference(reference)
        run.guarded("quality", lambda: _quality(spec, reference, current))
        run.guarded("volume", lambda: _volume(spec, data, day, champion))
    with run.stage("drift"):
        run.guarded("drift", lambda: _feature_drift(spec, reference, current, mode))
        run.guarded("prediction_drift", lambda: _prediction_drift(run, reference))
        run.guarded("target_drift", lambda: _target_drift(run, reference))
        run.guarded("domain", lambda: _domain(spec, reference, current))
    with run.stage("performance"):
        run.guarded("performance", lambda: _performance(run, reference))
        run.guarded("estimate", lambda: _estimate(run, reference))
    with run.stage("store"):
        history = _store(run, window, actor, history=charts)
    return Report(
        model=spec.name,
        day=day,
        window_days=window,
        mode=mode,
        champion=champion.version,
        challenger=challenger.version if challenger else None,
        rows=current.rows,
        checks=tuple(run.checks),
        histograms=tuple(histograms(spec, reference, current)) if charts else (),
        importance=dict(reference.importance),
        history=history,
    )


def stored_report(
    spec: ModelSpec, metadata: MetadataStore, *, day: date, window_days: int
) -> list[MonitoringResult]:
    """The stored results of ``spec``'s model for ``day`` and that window."""
    with metadata.transaction(write=False) as tx:
        return tx.monitoring.results(spec.name, start=day, end=day, window_days=window_days)


# the run ---------------------------------------------------------------------------------------


class _Run:
    """The state one run shares between its stages."""

    def __init__(
        self,
        spec: ModelSpec,
        where: Monitor,
        champion: ModelVersion,
        mode: Mode,
        day: date,
        start: date,
        now: datetime,
        progress: Progress | None,
    ) -> None:
        self.spec, self.where, self.champion, self.mode = spec, where, champion, mode
        self.day, self.start, self.now, self.progress = day, start, now, progress
        self.checks: list[Check] = []
        self.seconds: dict[str, float] = {}
        # Actuals count as known once arrived by the end of the run's day: re-running an old day
        # sees what was known then, not corrections that came later.
        self.known_at = known_at(day, now)
        self._logged: Any = None  # the log of the run's days, read on first use

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        if self.progress is not None:
            self.progress(name)
        begun = clock.perf_counter()
        yield
        self.seconds[name] = round(clock.perf_counter() - begun, 4)

    def predictions(self, start: date, end: date, roles: Sequence[str] = (CHAMPION,)) -> Any:
        """The logged predictions of ``roles`` from ``start`` to ``end`` (None: no day logged).

        The stages ask for overlapping windows; the log is read once, from the earliest day
        any stage may ask for (the window less the label delay) to the run's day."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if self._logged is None:
            first = self.start - timedelta(days=self.spec.monitoring.label_delay_days)
            log = self.where.predictions
            names = [*PREDICTION_SCHEMA.names, "date"]
            self._logged = (
                log.read(self.spec.name, start=first, end=self.day, columns=names)
                if log.days(self.spec.name, start=first, end=self.day)
                else False
            )
        if self._logged is False or not start <= end:
            return None
        table = self._logged
        day = table.column("date")
        in_range = pc.and_(
            pc.greater_equal(day, pa.scalar(start, day.type)),
            pc.less_equal(day, pa.scalar(end, day.type)),
        )
        if not pc.any(in_range).as_py():
            return None
        of_roles = pc.is_in(table.column("role"), value_set=pa.array(list(roles), pa.string()))
        return table.filter(pc.and_(in_range, of_roles)).select(PREDICTION_SCHEMA.names)

    def guarded(self, kind: str, checks: Callable[[], list[Check]]) -> None:
        """Add ``checks()``; if computing them fails, one ``error`` check says why instead,
        and the run goes on with its other checks."""
        try:
            self.checks += checks()
        except Exception as exc:  # one check's failure never takes the run down
            detail = f"could not be computed: {type(exc).__name__}: {exc}"
            self.checks.append(self.error(kind, "(all)", "none", detail))

    def error(self, kind: str, subject: str, method: str, detail: str) -> Check:
        return Check(
            kind, subject, method, None, None, "error", self.champion.version, detail=detail
        )


# quality ---------------------------------------------------------------------------------------


def _missing_reference(reference: Reference) -> list[Check]:
    return [
        Check(
            "quality",
            key,
            "reference",
            None,
            None,
            "error",
            reference.version.version,
            detail=f"{reason}; the checks that need it are skipped. Retrain to store it.",
        )
        for key, reason in reference.missing.items()
    ]


def _quality(spec: ModelSpec, reference: Reference, current: Current) -> list[Check]:
    from paraguas.monitoring.quality import column_quality

    version = reference.version.version
    checks: list[Check] = []
    for name in spec.features:
        column = reference.profile.columns.get(name) if reference.profile else None
        kind = column.kind if column else "numeric"
        values = None if name in current.absent else arrow_values(current.table[name], kind)
        try:
            checks += column_quality(name, values, column).checks(version)
        except ParaguasError as exc:
            checks.append(
                Check("quality", name, "quality", None, None, "error", version, detail=str(exc))
            )
    return checks


def _volume(spec: ModelSpec, source: Any, day: date, champion: ModelVersion) -> list[Check]:
    from paraguas.monitoring.volume import volume_anomaly

    counts = rows_per_day(spec, source, day - timedelta(days=VOLUME_DAYS), day)
    today = counts.pop(day)
    recent = [counts[d] for d in sorted(counts)]
    return volume_anomaly(today, recent).checks(champion.version)


# drift -----------------------------------------------------------------------------------------


def _feature_drift(
    spec: ModelSpec, reference: Reference, current: Current, mode: Mode
) -> list[Check]:
    from paraguas.monitoring.domain import text_domain_classifier
    from paraguas.monitoring.drift import dataset_drift

    version = reference.version.version
    if reference.sample is None or reference.profile is None:
        return []
    kinds, ref, cur = {}, {}, {}
    checks: list[Check] = []
    for name in spec.features:
        kind = reference.kind(name)
        values = reference.values(name)
        if kind is None or values is None:
            checks.append(
                Check(
                    "drift",
                    name,
                    "none",
                    None,
                    None,
                    "error",
                    version,
                    detail=f"the reference of version {version} has no values of {name!r}",
                )
            )
            continue
        if kind == "text":
            if name in current.absent:
                checks.append(
                    Check(
                        "drift",
                        name,
                        "domain_classifier",
                        None,
                        None,
                        "error",
                        version,
                        detail=current.absent[name],
                    )
                )
                continue
            with few_threads(0):
                result = text_domain_classifier(
                    name, values, arrow_values(current.table[name], kind)
                )
            checks.append(_domain_check(result, version, subject=name, kind="drift"))
            continue
        kinds[name] = "numeric" if kind == "datetime" else kind
        ref[name] = values
        if name not in current.absent:
            cur[name] = arrow_values(current.table[name], kind)
    if not kinds:
        return checks
    weights = importance_weights(reference.importance, list(kinds))
    # Evidently's choice of test depends on the size of the whole reference, not of the sample.
    profile = reference.profile
    full = (
        {name: profile.columns[name].count - profile.columns[name].missing for name in kinds}
        if spec.monitoring.reference == "training"
        else None  # a seasonal reference is the sample itself
    )
    verdict = dataset_drift(
        ref,
        cur,
        kinds,
        mode=mode,
        importance=weights,
        share=spec.monitoring.drift_share,
        reference_rows=full,
    )
    for column in verdict.columns:
        checks.append(_column_check(column, version, "drift", column.column))
    checks.append(
        Check(
            "dataset_drift",
            "dataset",
            f"{mode}: {'importance-weighted ' if weights and mode == 'paraguas' else ''}share of drifted features",
            verdict.share,
            verdict.threshold,
            verdict.status,
            version,
            detail=verdict.detail,
            extra={"mode": mode, "drifted": [c.column for c in verdict.columns if c.drifted]},
        )
    )
    return checks


def _column_check(column: Any, version: int, kind: str, subject: str) -> Check:
    extra: dict[str, Any] = {"kind": column.kind}
    if column.p_value is not None:
        extra["p_value"] = column.p_value
    if column.importance is not None:
        extra["importance"] = column.importance
    return Check(
        kind,
        subject,
        column.method,
        column.statistic,
        column.threshold,
        column.status,
        version,
        detail=column.detail,
        extra=extra,
    )


def _prediction_drift(run: _Run, reference: Reference) -> list[Check]:
    from paraguas.monitoring.drift import column_drift

    if reference.scores is None:
        return []
    table = run.predictions(run.start, run.day)
    if table is None or table.num_rows == 0:
        return [
            run.error(
                "prediction_drift", PREDICTION, "none", "no champion predictions in the window"
            )
        ]
    scores = _champion_scores(run.spec.task, table)
    result = column_drift(PREDICTION, reference.scores, scores, "numeric", mode=run.mode)
    return [_column_check(result, run.champion.version, "prediction_drift", PREDICTION)]


def _champion_scores(task: str, table: Any) -> npt.NDArray[np.float64]:
    if task == "regression":
        return np.asarray(table["value"].to_numpy(zero_copy_only=False), dtype=np.float64)
    matrix = score_matrix(table["scores"], len(table["classes"][0].as_py() or [1]))
    return matrix[:, 1] if task == "binary" else matrix.max(axis=1)


def _target_drift(run: _Run, reference: Reference) -> list[Check]:
    from paraguas.monitoring.drift import column_drift

    spec = run.spec
    if reference.sample is None or spec.target not in reference.sample.column_names:
        return []
    import pyarrow as pa
    import pyarrow.compute as pc

    actuals = run.where.actuals.latest(spec.name, as_of=run.known_at)
    if actuals.num_rows == 0:
        return []
    begin = datetime(run.start.year, run.start.month, run.start.day, tzinfo=timezone.utc)
    end = begin + timedelta(days=(run.day - run.start).days + 1)
    inside = pc.and_(
        pc.greater_equal(actuals["time"], pa.scalar(begin, type=actuals.schema.field("time").type)),
        pc.less(actuals["time"], pa.scalar(end, type=actuals.schema.field("time").type)),
    )
    actuals = actuals.filter(inside)
    if actuals.num_rows == 0:
        return []
    from paraguas.prediction import to_strings

    if spec.task == "regression":
        ref_values = arrow_values(reference.sample[spec.target], "numeric")
        cur_values = np.asarray(actuals["value"].to_numpy(zero_copy_only=False), dtype=np.float64)
        kind = "numeric"
    else:
        ref_values = np.asarray(
            to_strings(reference.sample[spec.target].combine_chunks(), column=spec.target).to_numpy(
                zero_copy_only=False
            ),
            dtype=object,
        )
        cur_values = np.asarray(actuals["label"].to_numpy(zero_copy_only=False), dtype=object)
        kind = "categorical"
    result = column_drift(TARGET, ref_values, cur_values, kind, mode=run.mode)
    return [_column_check(result, run.champion.version, "target_drift", TARGET)]


def _domain(spec: ModelSpec, reference: Reference, current: Current) -> list[Check]:
    from paraguas.monitoring.domain import domain_classifier

    if reference.sample is None or current.rows == 0:
        return []
    kinds: dict[str, str] = {}
    ref: dict[str, npt.NDArray[Any]] = {}
    cur: dict[str, npt.NDArray[Any]] = {}
    for name in spec.features:
        kind, values = reference.kind(name), reference.values(name)
        if kind is None or kind == "text" or values is None or name in current.absent:
            continue
        kinds[name] = kind  # datetimes are left out: later dates always tell the rows apart
        ref[name], cur[name] = values, arrow_values(current.table[name], kind)
    if not kinds:
        return []
    with few_threads(0):  # at most 10,000 rows: threads cost more than they bring
        result = domain_classifier(ref, cur, kinds, seed=spec.seed)
    return [_domain_check(result, reference.version.version, subject="dataset", kind="domain")]


def _domain_check(result: Any, version: int, *, subject: str, kind: str) -> Check:
    return Check(
        kind,
        subject,
        "domain_classifier",
        result.auc,
        result.threshold,
        result.status,
        version,
        detail=result.detail,
        extra={
            "auc_std": result.auc_std,
            "top_columns": [name for name, _ in result.top],
            "rows": list(result.rows),
        },
    )


# performance -----------------------------------------------------------------------------------


def _performance(run: _Run, reference: Reference) -> list[Check]:
    spec = run.spec
    delay = spec.monitoring.label_delay_days
    end = run.day - timedelta(days=delay)
    start = run.start - timedelta(days=delay)
    table = run.predictions(start, end, roles=(CHAMPION, CHALLENGER))
    if table is None or table.num_rows == 0:
        return []
    actuals = run.where.actuals.latest(spec.name, as_of=run.known_at)
    checks: list[Check] = []
    span = f"{start.isoformat()}..{end.isoformat()}"
    groups = join_actuals(spec.task, table, actuals)
    for joined in groups:
        holdout = _holdout_metrics(run.where.registry, spec.name, joined.version, reference)
        checks += performance_checks(
            spec.task, joined, primary=spec.primary_metric, reference=holdout, span=span
        )
    champion = next((g for g in groups if g.role == CHAMPION), None)
    if champion is not None and (spec.monitoring.segments or spec.monitoring.sensitive):
        checks += _segments(run, champion, start, end)
    return checks


def _holdout_metrics(
    registry: Registry, name: str, version: int, reference: Reference
) -> Mapping[str, Any]:
    if version == reference.version.version:
        return reference.version.metrics
    try:
        return registry.version(name, version).metrics
    except ParaguasError:
        return {}


def _segments(run: _Run, joined: Any, start: date, end: date) -> list[Check]:
    from paraguas.monitoring.fairness import (
        demographic_parity_difference,
        equal_opportunity_difference,
        segment_metrics,
    )
    from paraguas.prediction import to_strings

    spec = run.spec
    columns = [*spec.monitoring.segments, *spec.monitoring.sensitive]
    if spec.key is None:
        return [
            run.error("fairness", c, "none", "segments need the spec's key to join inputs")
            for c in columns
        ]
    inputs = read_current(spec, spec.data, [spec.key, spec.time or "", *columns], start, end)
    keys = to_strings(inputs.table[spec.key].combine_chunks(), column=spec.key).to_pylist()
    position = {key: i for i, key in enumerate(keys)}
    rows = np.array([position.get(k, -1) for k in joined.keys])
    keep = joined.labelled & (rows >= 0)
    if not keep.any():
        return []  # no labelled prediction yet: nothing to split by segment
    checks: list[Check] = []
    version = joined.version
    for column in columns:
        if column in inputs.absent:
            checks.append(run.error("fairness", column, "none", inputs.absent[column]))
            continue
        values = np.asarray(
            inputs.table[column].cast("string").to_numpy(zero_copy_only=False), dtype=object
        )[rows[keep]]
        truth, output = joined.truth[keep], joined.output[keep]
        if column in spec.monitoring.segments:
            per = segment_metrics(truth, output, values, task=spec.task)
            for segment, metrics in per.items():
                value = metrics.get(spec.primary_metric)
                checks.append(
                    Check(
                        "performance",
                        f"{spec.primary_metric}[{column}={segment}]",
                        "actuals",
                        None if value is None else float(value),
                        None,
                        "ok",
                        version,
                        extra={"segment": column, "group": str(segment), "rows": metrics.get("n")},
                    )
                )
        if column in spec.monitoring.sensitive and spec.task == "binary":
            predicted = (output >= 0.5).astype(np.int64)
            checks += demographic_parity_difference(predicted, values, name=column).checks(version)
            checks += equal_opportunity_difference(
                truth.astype(np.int64), predicted, values, name=column
            ).checks(version)
    return checks


def _estimate(run: _Run, reference: Reference) -> list[Check]:
    from paraguas.monitoring.calibration import Calibration, ClassCalibrations
    from paraguas.monitoring.estimation import estimate_binary, estimate_multiclass

    if run.spec.task == "regression" or reference.calibration is None:
        return []
    table = run.predictions(run.start, run.day)
    if table is None or table.num_rows == 0:
        return []
    if run.spec.task == "binary":
        scores = _champion_scores("binary", table)
        calibration = Calibration.from_dict(reference.calibration)
        estimate = estimate_binary(calibration.probabilities(scores), scores=scores)
        return estimate.checks(run.champion.version)
    calibrations = ClassCalibrations.from_dict(reference.calibration)
    proba = score_matrix(table["scores"], len(calibrations.per_class))
    chosen = np.argmax(proba, axis=1)  # the model's own decision, as it was logged
    found = estimate_multiclass(calibrations.probabilities(proba), chosen)
    return found.checks(run.champion.version)


# storing and reporting -------------------------------------------------------------------------


def _store(
    run: _Run, window: int, actor: str | None, *, history: bool
) -> tuple[tuple[date, Check], ...]:
    from paraguas.store import MonitoringResult

    spec = run.spec
    results = [
        MonitoringResult(
            model=spec.name,
            day=run.day,
            window_days=window,
            kind=check.kind,
            subject=check.subject,
            method=check.method,
            version=check.version,
            role=check.role,
            value=_finite_or_none(check.value),
            threshold=_finite_or_none(check.threshold),
            status=check.status,
            detail=check.detail,
            extra=_json_safe(check.extra),
        )
        for check in run.checks
    ]
    statuses = {
        s: sum(1 for c in run.checks if c.status == s) for s in ("ok", "warn", "alert", "error")
    }
    with run.where.metadata.transaction() as tx:
        replaced = tx.monitoring.replace_run(spec.name, run.day, window, results, run.now)
        run.where.audit.append(
            tx,
            actor=actor or "paraguas",
            action="monitored",
            subject=subject(spec.name),
            payload={
                "day": run.day.isoformat(),
                "window_days": window,
                "mode": run.mode,
                "champion": run.champion.version,
                "checks": statuses,
                "replaced": replaced,
            },
        )
        if not history:
            return ()
        earlier = tx.monitoring.results(
            spec.name,
            start=run.day - timedelta(days=HISTORY_DAYS),
            end=run.day - timedelta(days=1),
            window_days=window,
            kinds=("performance", "estimate", "dataset_drift", "domain"),
        )
    return tuple((r.day, _check_of(r)) for r in earlier)


def _check_of(result: MonitoringResult) -> Check:
    return Check(
        kind=result.kind,
        subject=result.subject,
        method=result.method,
        value=result.value,
        threshold=result.threshold,
        status=result.status,  # type: ignore[arg-type]
        version=result.version,
        role=result.role,
        detail=result.detail,
        extra=dict(result.extra),
    )


def _finite_or_none(value: float | None) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if np.isfinite(number) else None


def _json_safe(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value
