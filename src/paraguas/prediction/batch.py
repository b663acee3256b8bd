"""Batch scoring of one day: read the day's inputs in record batches, validate them against the
champion's input schema, score them with the champion and — in shadow, on exactly the same rows —
the challenger, and write the day's partition of the prediction log.

Reading, scoring and writing overlap: a reader thread reads, validates and lays out each batch,
two scorer threads score two batches at a time (each on half of the cores), a writer thread
builds and writes each batch of the log, and the loop between them records the results in order.
An estimator that keeps every core busy on its own (scikit-learn's tree ensembles use OpenMP)
leaves them little room, so what reading, validating and writing cost in CPU shows in the run's
time: ``bench/RESULTS.md`` measures it against the model's own ``predict_proba``.
"""

from __future__ import annotations

import json
import queue
import threading
import time as clock
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

from paraguas.errors import AliasError, DataError, ModelNotFoundError, SpecError
from paraguas.prediction.columns import prediction_batch
from paraguas.prediction.log import PredictionLog
from paraguas.prediction.threads import FEW_ROWS, few_threads, hold_openmp, openmp_threads
from paraguas.registry import CHALLENGER, CHAMPION, INPUT_SCHEMA, Registry
from paraguas.spec import ModelSpec
from paraguas.store import ModelVersion

Clock = Callable[[], datetime]
# Rows scored at a time. The estimator's per-call costs (scikit-learn's checks, an OpenMP region
# per tree) fall with fewer, larger batches; memory stays a few batches (~50 MB each at 20 float
# features, read and laid out) whatever the day's size. 65,536 and 131,072 measured no faster.
BATCH_SIZE = 262_144
SCORERS = 2  # batches scored at a time (see _Workers)


@dataclass(frozen=True)
class PredictionRun:
    """What scoring one day produced."""

    model: str
    day: date
    champion: int
    challenger: int | None
    rows: int
    rejected: int
    challenger_failed: int
    path: str
    seconds: float
    reasons: dict[str, int] = field(default_factory=dict)


@dataclass
class _Scorer:
    version: ModelVersion
    model: Any
    role: str
    failed: int = 0


def predict_day(
    spec: ModelSpec,
    registry: Registry,
    log: PredictionLog,
    *,
    day: date,
    source: Any = None,
    batch_size: int = BATCH_SIZE,
    now: Clock | None = None,
    models: dict[str, Any] | None = None,
    versions: tuple[ModelVersion, ModelVersion | None] | None = None,
) -> PredictionRun:
    """Score ``day``'s rows of ``source`` (default: the spec's data) and write them to ``log``.

    Re-running a day replaces its partition. Rows that fail validation, or that the champion
    cannot score, go to the day's rejects with a reason each; the challenger's failures never
    touch the champion's output. ``models`` keeps loaded models by artifact sha256 across
    calls (scoring many days in one process loads each version once). ``versions``: the
    champion and challenger when the caller has just looked them up (default: read here).
    """
    started = clock.perf_counter()
    if spec.key is None:
        raise SpecError(
            f"Model {spec.name!r} has no key: declare key=... (the column that identifies a row), "
            "so predictions can be joined with what really happened."
        )
    champion_version, challenger_version = versions or (
        _version(registry, spec.name, CHAMPION, required=True),
        _version(registry, spec.name, CHALLENGER, required=False),
    )
    assert champion_version is not None
    schema = _input_schema(registry, champion_version)
    columns = list(dict.fromkeys(c for c in (spec.key, spec.time, *spec.features) if c))
    source = source if source is not None else spec.data
    batches = source.batches(columns, time=spec.time, start=day, end=day, batch_size=batch_size)
    scored_at = (now or _utcnow)()
    rows = rejected = 0
    reasons: dict[str, int] = {}
    # Reading and validating start while the models load: in a fresh process, loading takes
    # seconds.
    with _Prefetch(batches, lambda batch: _prepare(spec, schema, batch)) as prepared:
        loaded = _loader(registry, models)
        champion = _Scorer(champion_version, loaded(champion_version), CHAMPION)
        challenger = None
        if challenger_version is not None:
            challenger = _Scorer(challenger_version, loaded(challenger_version), CHALLENGER)

        def write(job: tuple[_Scorer, Any, Any, npt.NDArray[np.float64]]) -> None:
            writer.write(_log_batch(spec, *job, scored_at))

        def score(item: _Prepared) -> _Scored:
            return _score(spec, champion, challenger, item)

        with (
            log.writer(spec.name, day) as writer,
            _Background(write) as output,
            _Workers(score) as scoring,
        ):
            for result in scoring.map(prepared):
                if result.refusals:
                    writer.reject(result.refusals)
                    rejected += len(result.refusals)
                    for _, _, reason in result.refusals:
                        head = reason.split(":", 1)[0]
                        reasons[head] = reasons.get(head, 0) + 1
                kept = result.kept
                if kept is None:
                    continue
                keys, times = kept.column(spec.key), _times(kept, spec.time, day)
                if result.failures:
                    mask = np.ones(kept.num_rows, dtype=bool)
                    mask[[index for index, _ in result.failures]] = False
                    writer.reject(_refusals(kept, spec.key, result.failures))
                    rejected += len(result.failures)
                    reasons["model error"] = reasons.get("model error", 0) + len(result.failures)
                    keys, times = keys.filter(pa.array(mask)), times.filter(pa.array(mask))
                if result.champion is None or len(keys) == 0:
                    continue
                output.put((champion, keys, times, result.champion))
                rows += len(keys)
                if challenger is not None:
                    challenger.failed += result.shadow_failed
                    if result.shadow is not None:
                        output.put((challenger, keys, times, result.shadow))
    return PredictionRun(
        model=spec.name,
        day=day,
        champion=champion.version.version,
        challenger=challenger.version.version if challenger else None,
        rows=rows,
        rejected=rejected,
        challenger_failed=challenger.failed if challenger else 0,
        path=str(log.path(spec.name, day)),
        seconds=round(clock.perf_counter() - started, 4),
        reasons=reasons,
    )


# loading -----------------------------------------------------------------------------------------


def _loader(registry: Registry, models: dict[str, Any] | None) -> Callable[[ModelVersion], Any]:
    """Load a version's model, through ``models`` when given (keyed by the verified sha256 of
    its bytes, so a cached model is exactly the registered one)."""

    def load(version: ModelVersion) -> Any:
        if models is None:
            return registry.load_version(version)
        key = version.artifact.sha256
        if key not in models:
            models[key] = registry.load_version(version)
        return models[key]

    return load


def _version(registry: Registry, name: str, alias: str, *, required: bool) -> ModelVersion | None:
    try:
        version = registry.alias(name, alias)
    except ModelNotFoundError:  # declared, never trained: same advice as no champion
        version = None
    if version is None and required:
        raise AliasError(
            f"Model {name!r} has no champion to score with. Train it (paraguas train {name}) "
            f"or promote a version (paraguas promote {name} VERSION --reason TEXT)."
        )
    return version


def _input_schema(registry: Registry, version: ModelVersion) -> Any:
    """The schema the champion was trained on, or ``None`` for a version registered by hand."""
    if INPUT_SCHEMA not in version.attachments:
        return None
    from paraguas.data import InputSchema

    return InputSchema.from_dict(json.loads(registry.attachment(version, INPUT_SCHEMA)))


# validating and scoring --------------------------------------------------------------------------


# The rows validation kept (None if none), their features as a DataFrame, and the refusals.
_Prepared = tuple[pa.RecordBatch | None, Any, list[tuple[str | None, str, str]]]


def _prepare(spec: ModelSpec, schema: Any, batch: pa.RecordBatch) -> _Prepared:
    """(the rows validation kept or None if none, their features as a DataFrame, refusals)."""
    if schema is None:
        return batch, _frame(batch.select(list(spec.features))), []
    validation = schema.validate(batch)
    if not validation.rejects:
        return batch, _frame(validation.valid), []
    keep = np.ones(batch.num_rows, dtype=bool)
    keep[[index for index, _ in validation.rejects]] = False
    refusals = _refusals(batch, spec.key, validation.rejects)
    if not keep.any():
        return None, None, refusals
    return batch.filter(pa.array(keep)), _frame(validation.valid), refusals


def _frame(batch: pa.RecordBatch) -> Any:
    """The batch as the DataFrame ``to_pandas`` gives, laid out row by row when it is all float64.

    ``to_pandas`` stores the columns one after the other, so the estimator reads each row's
    features far apart: tree ensembles, which walk row by row, score such a frame 10-20% slower
    than a C-ordered array. A frame over a C-ordered matrix holds the same values, dtypes, names
    and index.
    """
    floats = all(kind == pa.float64() for kind in batch.schema.types)
    if not floats or batch.num_columns == 0 or batch.schema.metadata:  # pandas metadata: its way
        return batch.to_pandas()
    import pandas as pd

    return pd.DataFrame(_rows(batch), columns=batch.schema.names, copy=False)


def _rows(batch: pa.RecordBatch) -> npt.NDArray[np.float64]:
    """The float64 columns of ``batch`` as one C-ordered matrix (a null reads as NaN).

    Copied a block of rows at a time: writing each column down the whole matrix fetches every
    cache line of it once per column (3x slower at 20 columns); a block of rows stays in cache
    while its columns are written.
    """
    columns = [column.to_numpy(zero_copy_only=False) for column in batch.columns]
    matrix = np.empty((batch.num_rows, len(columns)), dtype=np.float64)
    for start in range(0, batch.num_rows, _BLOCK_ROWS):
        block = matrix[start : start + _BLOCK_ROWS]
        for index, column in enumerate(columns):
            block[:, index] = column[start : start + _BLOCK_ROWS]
    return matrix


_BLOCK_ROWS = 2_048  # 320 KiB at 20 features; measured as fast as any from 5 to 200 features


def _refusals(
    batch: pa.RecordBatch, key: str | None, problems: list[tuple[int, str]]
) -> list[tuple[str | None, str, str]]:
    out = []
    for index, reason in problems:
        row = batch.slice(index, 1).to_pylist()[0]
        text = json.dumps(row, default=str, sort_keys=True)
        key_value = row.get(key) if key else None
        out.append((None if key_value is None else str(key_value), text, reason))
    return out


def _score_champion(
    spec: ModelSpec, scorer: _Scorer, features: Any
) -> tuple[npt.NDArray[np.float64] | None, list[tuple[int, str]]]:
    """The champion's output for every row; if the batch fails, row by row to find the culprits."""
    try:
        return _output(spec, scorer.model, features), []
    except Exception:
        pass
    outputs: list[npt.NDArray[np.float64]] = []
    failures: list[tuple[int, str]] = []
    width = None
    for index in range(len(features)):
        try:
            row = _output(spec, scorer.model, features.iloc[[index]])
            width = row.shape[1:]
            outputs.append(row[0])
        except Exception as exc:
            failures.append((index, f"model error: {type(exc).__name__}: {exc}"))
            outputs.append(None)  # type: ignore[arg-type]
    if width is None:
        return None, failures
    filler = np.full(width, np.nan)
    return np.stack([filler if o is None else o for o in outputs]), failures


@dataclass
class _Scored:
    """A prepared batch once scored: what the loop records for it, in the batches' order."""

    kept: pa.RecordBatch | None
    refusals: list[tuple[str | None, str, str]]
    champion: npt.NDArray[np.float64] | None = None
    failures: list[tuple[int, str]] = field(default_factory=list)
    shadow: npt.NDArray[np.float64] | None = None
    shadow_failed: int = 0


def _score(
    spec: ModelSpec, champion: _Scorer, challenger: _Scorer | None, item: _Prepared
) -> _Scored:
    """Score a prepared batch with the champion, then the rows it scored with the challenger."""
    kept, features, refusals = item
    if kept is None:
        return _Scored(None, refusals)
    scored, failures = _score_champion(spec, champion, features)
    if failures:
        mask = np.ones(len(features), dtype=bool)
        mask[[index for index, _ in failures]] = False
        features = features[mask]
        scored = scored[mask] if scored is not None else None
    result = _Scored(kept, refusals, scored, failures)
    if challenger is not None and scored is not None and len(features):
        try:
            result.shadow = _output_for(challenger, features)
        except Exception:
            result.shadow_failed = len(features)
    return result


def _output_for(scorer: _Scorer, features: Any) -> npt.NDArray[np.float64]:
    proba = getattr(scorer.model, "predict_proba", None)
    with _few_threads(len(features)):
        if callable(proba):
            return np.asarray(proba(features), dtype=np.float64)
        return np.asarray(scorer.model.predict(features), dtype=np.float64)


def _output(spec: ModelSpec, model: Any, features: Any) -> npt.NDArray[np.float64]:
    with _few_threads(len(features)):
        if spec.task == "regression":
            return np.asarray(model.predict(features), dtype=np.float64)
        return np.asarray(model.predict_proba(features), dtype=np.float64)


@contextmanager
def _few_threads(rows: int) -> Iterator[None]:
    """:func:`few_threads`, for one scorer at a time: the BLAS limit it sets and then restores is
    the process's, so two scorers doing so at once could leave BLAS on one thread for good."""
    if rows >= FEW_ROWS:
        yield
        return
    with _FEW_THREADS, few_threads(rows):
        yield


_FEW_THREADS = threading.Lock()


def _log_batch(
    spec: ModelSpec,
    scorer: _Scorer,
    keys: Any,
    times: Any,
    output: npt.NDArray[np.float64],
    scored_at: datetime,
) -> pa.RecordBatch:
    common = {
        "model": spec.name,
        "version": scorer.version.version,
        "role": scorer.role,
        "keys": keys,
        "times": times,
        "scored_at": scored_at,
    }
    if output.ndim == 1:
        return prediction_batch(**common, values=output)
    classes = np.asarray(scorer.model.classes_)
    return prediction_batch(
        **common, labels=classes[output.argmax(axis=1)], scores=output, classes=list(classes)
    )


def _times(batch: pa.RecordBatch, time: str | None, day: date) -> Any:
    if time is None:
        midnight = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
        return pa.repeat(pa.scalar(midnight, type=pa.timestamp("us", tz="UTC")), batch.num_rows)
    column = batch.column(time)
    if pa.types.is_date(column.type):
        return column.cast(pa.timestamp("us")).cast(pa.timestamp("us", tz="UTC"))
    return column


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


# overlapping I/O with scoring --------------------------------------------------------------------

_DONE = object()
_Item = TypeVar("_Item")


class _Prefetch(Generic[_Item]):
    """Reads batches and runs ``prepare`` on each in a thread, ``depth`` ahead of the loop that
    iterates over the results (Arrow and NumPy release the GIL); reading starts on entering the
    ``with`` block and stops on leaving it."""

    def __init__(
        self,
        batches: Iterator[pa.RecordBatch],
        prepare: Callable[[pa.RecordBatch], _Item],
        depth: int = 2,
    ) -> None:
        self._batches = batches
        self._prepare = prepare
        self._pending: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, name="paraguas-read", daemon=True)

    def __enter__(self) -> _Prefetch[_Item]:
        self._thread.start()
        return self

    def __iter__(self) -> Iterator[_Item]:
        while True:
            item = self._pending.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def _read(self) -> None:
        try:
            for batch in self._batches:
                item = self._prepare(batch)
                while not self._stop.is_set():
                    try:
                        self._pending.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if self._stop.is_set():
                    return
            self._pending.put(_DONE)
        except BaseException as exc:
            self._pending.put(exc)

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class _Background(Generic[_Item]):
    """Runs ``write`` on the items it is given, in order, in one thread; errors surface on exit."""

    def __init__(self, write: Callable[[_Item], None], depth: int = 4) -> None:
        self._write = write
        self._pending: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="paraguas-write", daemon=True)

    def __enter__(self) -> _Background[_Item]:
        self._thread.start()
        return self

    def put(self, item: _Item) -> None:
        if self._error is not None:
            raise self._error
        self._pending.put(item)

    def _run(self) -> None:
        while True:
            item = self._pending.get()
            if item is _DONE:
                return
            if self._error is None:
                try:
                    self._write(item)
                except BaseException as exc:
                    self._error = exc

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        self._pending.put(_DONE)
        self._thread.join()
        if self._error is not None and error is None:
            raise self._error


class _Workers:
    """Runs ``score`` on the items of an iterator in ``SCORERS`` threads, each with its share of
    the OpenMP threads, and yields the results in the items' order, at most ``SCORERS`` ahead.

    One estimator call on every core stops at a barrier per tree (scikit-learn's OpenMP loops
    split the rows evenly): whenever reading or writing takes a core, the call's other threads
    wait for it. Two calls, each on its half of the cores, keep going while the other waits.
    """

    def __init__(self, score: Callable[[_Prepared], _Scored]) -> None:
        self._score = score
        share = max(1, openmp_threads() // SCORERS)
        self._pool = ThreadPoolExecutor(
            SCORERS, thread_name_prefix="paraguas-score", initializer=hold_openmp, initargs=(share,)
        )

    def __enter__(self) -> _Workers:
        return self

    def map(self, items: Iterable[_Prepared]) -> Iterator[_Scored]:
        pending: deque[Future[_Scored]] = deque()
        for item in items:
            pending.append(self._pool.submit(self._score, item))
            if len(pending) == SCORERS:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def source_for(path: Path) -> Any:
    """A data source for ``--input PATH``: Parquet (file or folder) or CSV, by its name."""
    from paraguas.data import CSV, Parquet

    if not path.exists() and "*" not in str(path):
        raise DataError(f"Input {str(path)!r} does not exist.")
    if path.suffix.lower() in (".csv", ".txt") or str(path).endswith(".csv.gz"):
        return CSV(path)
    return Parquet(path)
