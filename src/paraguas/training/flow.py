"""The training flow: read as of a date, split by time, fit, evaluate against a naive baseline,
profile the reference data, register the version with its lineage.

A data scientist writes only the spec; this is everything paraguas does with it to make a
traceable version.
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from paraguas.errors import DataError, SpecError
from paraguas.prediction.threads import few_threads
from paraguas.registry import (
    CALIBRATION,
    FEATURE_IMPORTANCE,
    INPUT_SCHEMA,
    REFERENCE_PROFILE,
    REFERENCE_SAMPLE,
    REFERENCE_SCORES,
    Registry,
)
from paraguas.spec import ModelSpec, describe_estimator
from paraguas.training import reference
from paraguas.training.split import time_split

if TYPE_CHECKING:
    import pyarrow as pa

    from paraguas.store import ModelVersion

STAGES = ("read", "split", "fit", "evaluate", "profile", "register")
SCORE_COLUMN = "__score__"  # the model's scores, profiled beside the features

Progress = Callable[[str], None]


@dataclass(frozen=True)
class TrainingResult:
    """What a training run produced and decided."""

    version: ModelVersion
    metric: str
    metrics: Mapping[str, Any]
    baseline: Mapping[str, Any]
    beats_baseline: bool
    promoted: bool
    decision: str
    split: Mapping[str, Any]
    seconds: Mapping[str, float] = field(default_factory=dict)


def train(
    spec: ModelSpec,
    registry: Registry,
    *,
    as_of: date | None = None,
    since: date | None = None,
    reason: str = "",
    actor: str | None = None,
    trigger: str = "manual",
    progress: Progress | None = None,
) -> TrainingResult:
    """Train ``spec`` on its data as of ``as_of`` (from ``since`` when given: a training window)
    and register the result.

    The first version of a model becomes champion only if it beats the naive baseline on the
    holdout; later versions are registered and left to the lifecycle to challenge the champion.
    """
    from paraguas.data import InputSchema, fingerprint
    from paraguas.data.blobs import to_parquet_bytes

    timings: dict[str, float] = {}

    def step(name: str) -> AbstractContextManager[None]:
        return _stage(name, timings, progress)

    with step("read"):
        table = _read(spec, as_of, since)
        table = _drop_missing_target(spec, table)
        schema = InputSchema.infer(table, spec.features)
        print_fingerprint = fingerprint(table.to_batches(), time=spec.time)
    with step("split"):
        days = _days(table, spec.time)
        split = time_split(days, spec.split.holdout, rows=table.num_rows, as_of=as_of)
        train_table = table.filter(split.train)
        holdout_table = table.filter(split.holdout)
    with step("fit"):
        estimator = spec.new_estimator()
        target_train = _target(train_table, spec)
        try:
            # Small data: one native thread (see prediction.threads; the same holds for a fit).
            with few_threads(train_table.num_rows):
                estimator.fit(_features(train_table, spec), target_train)
        except Exception as exc:
            raise SpecError(
                f"Model {spec.name!r}: the estimator failed to fit: {type(exc).__name__}: {exc}"
            ) from exc
    with step("evaluate"):
        evaluation = _evaluate(spec, estimator, holdout_table, target_train)
    with step("profile"):
        profile = _reference_profile(spec, schema, train_table, evaluation.scores)
        sample = reference.sample_rows(train_table.select(_sampled(spec)), spec.seed)
        importance = reference.feature_importance(
            estimator,
            _features(holdout_table, spec),
            _target(holdout_table, spec),
            task=spec.task,
            seed=spec.seed,
        )
    with step("register"):
        version = registry.register(
            spec.name,
            estimator,
            params=describe_estimator(spec.estimator())["params"],
            metrics=evaluation.metrics,
            lineage={
                "spec_hash": spec.spec_hash,
                "data_fingerprint": print_fingerprint.as_dict(),
                "trigger": trigger,
                "as_of": as_of.isoformat() if as_of else None,
                "since": since.isoformat() if since else None,
                "split": split.describe(),
                "evaluation": {
                    "metric": spec.primary_metric,
                    "baseline": evaluation.baseline,
                    "beats_baseline": evaluation.beats_baseline,
                },
            },
            attachments={
                INPUT_SCHEMA: _json_bytes(schema.as_dict()),
                REFERENCE_PROFILE: profile.to_json(),
                REFERENCE_SAMPLE: to_parquet_bytes(sample),
                REFERENCE_SCORES: to_parquet_bytes(reference.scores_table(evaluation.scores)),
                FEATURE_IMPORTANCE: _json_bytes(importance),
                **_calibration(spec, evaluation),
            },
            reason=reason,
            actor=actor,
            champion_if_none=_first_champion(spec, evaluation),
        )
        promoted, decision = _decision(spec, version, evaluation)
    return TrainingResult(
        version=version,
        metric=spec.primary_metric,
        metrics=evaluation.metrics,
        baseline=evaluation.baseline,
        beats_baseline=evaluation.beats_baseline,
        promoted=promoted,
        decision=decision,
        split=split.describe(),
        seconds=timings,
    )


# reading ---------------------------------------------------------------------------------------


def _read(spec: ModelSpec, as_of: date | None, since: date | None) -> pa.Table:
    read = getattr(spec.data, "read", None)
    if not callable(read):
        raise SpecError(f"Model {spec.name!r}: its data source {spec.data!r} cannot be read.")
    if since is not None and spec.time is None:
        raise SpecError(
            f"Model {spec.name!r}: training from {since} needs a time column; declare time=..."
        )
    table: pa.Table = read(list(spec.columns), time=spec.time, start=since, end=as_of)
    if table.num_rows == 0:
        when = (f" from {since}" if since else "") + (f" as of {as_of}" if as_of else "")
        raise DataError(f"Model {spec.name!r}: its data has no rows{when}; nothing to train on.")
    return table


def _drop_missing_target(spec: ModelSpec, table: pa.Table) -> pa.Table:
    import pyarrow.compute as pc

    valid = pc.is_valid(table[spec.target])
    if pc.all(valid).as_py():
        return table
    return table.filter(valid)


def _days(table: pa.Table, time: str | None) -> npt.NDArray[np.datetime64] | None:
    if time is None:
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    column = table[time]
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        column = pc.strptime(column, format="%Y-%m-%d", unit="s", error_is_null=True)
    if pa.types.is_timestamp(column.type) and column.type.tz is not None:
        # A zoned time belongs to its calendar day in its own zone, as paraguas.data reads it.
        column = pc.local_timestamp(column)
    if pa.types.is_timestamp(column.type):
        column = column.cast(pa.timestamp("s")).cast(pa.date32())
    days: npt.NDArray[np.datetime64] = column.to_numpy().astype("datetime64[D]")
    return days


def _features(table: pa.Table, spec: ModelSpec) -> Any:
    """The feature columns as the pandas DataFrame scikit-learn pipelines expect (by name)."""
    return table.select(list(spec.features)).to_pandas()


def _calibration(spec: ModelSpec, evaluation: _Evaluation) -> dict[str, bytes]:
    """For a classifier, the calibration of its holdout scores that label-free performance
    estimates rely on: one map for a binary classifier, one per class for a multiclass one
    (none when a class is missing from the holdout)."""
    from paraguas.monitoring.calibration import fit_calibration, fit_class_calibrations

    if spec.task == "binary" and len(np.unique(evaluation.truth)) == 2:
        calibration = fit_calibration(evaluation.scores, evaluation.truth)
        return {CALIBRATION: _json_bytes(calibration.to_dict())}
    proba = evaluation.proba
    every_class = proba is not None and len(np.unique(evaluation.truth)) == proba.shape[1]
    if spec.task == "multiclass" and proba is not None and every_class:
        calibrations = fit_class_calibrations(proba, evaluation.truth)
        return {CALIBRATION: _json_bytes(calibrations.to_dict())}
    return {}


def _sampled(spec: ModelSpec) -> list[str]:
    """The columns a reference sample keeps: features and target, and the time for context."""
    return list(dict.fromkeys([*spec.features, spec.target, *([spec.time] if spec.time else [])]))


def _target(table: pa.Table, spec: ModelSpec) -> npt.NDArray[Any]:
    values: npt.NDArray[Any] = table[spec.target].to_numpy(zero_copy_only=False)
    return values


# evaluating ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Evaluation:
    metrics: dict[str, Any]
    baseline: dict[str, Any]
    beats_baseline: bool
    scores: npt.NDArray[np.float64]
    truth: npt.NDArray[Any]  # the holdout's class codes (classifiers) or values (regression)
    proba: npt.NDArray[np.float64] | None = None  # a classifier's predict_proba on the holdout


def _evaluate(
    spec: ModelSpec, estimator: Any, holdout: pa.Table, target_train: npt.NDArray[Any]
) -> _Evaluation:

    try:
        return _evaluated(spec, estimator, holdout, target_train)
    except (DataError, SpecError):
        raise
    except Exception as exc:
        raise SpecError(
            f"Model {spec.name!r}: the fitted estimator failed to score the holdout: "
            f"{type(exc).__name__}: {exc}"
        ) from exc


def _evaluated(
    spec: ModelSpec, estimator: Any, holdout: pa.Table, target_train: npt.NDArray[Any]
) -> _Evaluation:
    features = _features(holdout, spec)
    truth = _target(holdout, spec)
    with few_threads(holdout.num_rows):
        return _scored(spec, estimator, features, truth, target_train)


def _scored(
    spec: ModelSpec,
    estimator: Any,
    features: Any,
    truth: npt.NDArray[Any],
    target_train: npt.NDArray[Any],
) -> _Evaluation:
    from paraguas.monitoring.performance import (
        baseline_metrics,
        binary_metrics,
        is_better,
        multiclass_metrics,
        regression_metrics,
    )

    if spec.task == "regression":
        predicted = np.asarray(estimator.predict(features), dtype=np.float64)
        metrics = regression_metrics(truth.astype(np.float64), predicted)
        baseline = baseline_metrics(
            "regression", target_train.astype(np.float64), truth.astype(np.float64)
        )
        scores = predicted
        codes: npt.NDArray[Any] = truth.astype(np.float64)
        proba = None
    else:
        classes = np.asarray(estimator.classes_)
        proba = np.asarray(estimator.predict_proba(features), dtype=np.float64)
        codes_train = _codes(target_train, classes, spec, "training")
        codes = _codes(truth, classes, spec, "holdout")
        if spec.task == "binary":
            if len(classes) != 2:
                raise DataError(
                    f"Model {spec.name!r} is binary but its target {spec.target!r} has "
                    f"{len(classes)} classes in training ({', '.join(map(str, classes[:5]))}); "
                    "use task: multiclass, or fix the target."
                )
            scores = proba[:, 1]
            metrics = binary_metrics(codes, scores)
        else:
            scores = proba.max(axis=1)
            metrics = multiclass_metrics(codes, proba)
        baseline = baseline_metrics(spec.task, codes_train, codes)
    metric = spec.primary_metric
    beats = is_better(metric, metrics.get(metric), baseline.get(metric))
    return _Evaluation(dict(metrics), dict(baseline), beats, scores, codes, proba)


def _codes(
    values: npt.NDArray[Any], classes: npt.NDArray[Any], spec: ModelSpec, part: str
) -> npt.NDArray[np.int64]:
    order = np.argsort(classes)
    positions = np.searchsorted(classes[order], values)
    positions = np.clip(positions, 0, len(classes) - 1)
    codes = order[positions]
    unknown = classes[codes] != values
    if np.any(unknown):
        raise DataError(
            f"Model {spec.name!r}: the {part} target has classes the model never saw in training "
            f"({', '.join(map(str, np.unique(values[unknown])[:5]))}). Train on a longer window."
        )
    return codes.astype(np.int64)


# profiling and deciding ------------------------------------------------------------------------


def _reference_profile(
    spec: ModelSpec, schema: Any, train_table: pa.Table, scores: npt.NDArray[np.float64]
) -> Any:
    """Per-feature distributions of the training rows, and the model's out-of-sample scores."""
    from paraguas.monitoring.profile import Profile, profile_columns, profile_values

    # The profile knows numbers as one kind; the schema tells integers apart to validate inputs.
    kinds = {
        name: "numeric" if column["kind"] == "integer" else column["kind"]
        for name, column in schema.as_dict()["columns"].items()
    }
    columns = {name: _profile_array(train_table[name], kinds[name]) for name in spec.features}
    features = profile_columns(columns, kinds)
    score = profile_values(SCORE_COLUMN, scores, "numeric")
    return Profile(rows=features.rows, columns={**features.columns, SCORE_COLUMN: score})


def _profile_array(column: Any, kind: str) -> npt.NDArray[Any]:
    import pyarrow as pa

    if kind == "numeric":
        return np.asarray(
            column.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64
        )
    if kind == "boolean":
        return np.asarray(column.to_numpy(zero_copy_only=False), dtype=object)
    return np.asarray(column.cast(pa.string()).to_numpy(zero_copy_only=False), dtype=object)


def _comparison(spec: ModelSpec, evaluation: _Evaluation) -> str:
    metric = spec.primary_metric
    ours, base = evaluation.metrics.get(metric), evaluation.baseline.get(metric)
    return f"{metric} {_fmt(ours)} vs baseline {_fmt(base)}"


def _first_champion(spec: ModelSpec, evaluation: _Evaluation) -> str | None:
    """The reason to make the version champion if the model has none yet (decided in the
    registering transaction): only a version that beats the naive baseline."""
    if not evaluation.beats_baseline:
        return None
    comparison = _comparison(spec, evaluation)
    return f"first version; beats the naive baseline on the holdout ({comparison})"


def _decision(spec: ModelSpec, version: ModelVersion, evaluation: _Evaluation) -> tuple[bool, str]:
    """Whether the version became champion, and the sentence that says why (or why not)."""
    comparison = _comparison(spec, evaluation)
    if version.lineage.get("parent_version") is not None:
        return False, (
            f"registered; the champion stays until a challenger is proven better ({comparison})"
        )
    if not evaluation.beats_baseline:
        return (
            False,
            f"registered, not champion: it does not beat the naive baseline ({comparison})",
        )
    return True, f"champion: the first version, and it beats the naive baseline ({comparison})"


def _fmt(value: Any) -> str:
    return "n/a" if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)


def _json_bytes(value: Any) -> bytes:
    import json

    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode("utf-8")


@contextmanager
def _stage(name: str, timings: dict[str, float], progress: Progress | None) -> Iterator[None]:
    """Report the stage as it starts; record how long it took."""
    if progress is not None:
        progress(name)
    start = clock.perf_counter()
    yield
    timings[name] = round(clock.perf_counter() - start, 4)
