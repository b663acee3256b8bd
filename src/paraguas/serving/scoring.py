"""One request's records as the champion's features, scored, and written as log rows.

Records (JSON objects) become one Arrow column per feature, validated by the version's
:class:`~paraguas.data.InputSchema` exactly as batch scoring does, so the model sees the same
values, types and layout for the same record whichever way it came. A refused request names
every offending record and field.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

from paraguas.errors import DataError, ParaguasError, SchemaError
from paraguas.prediction import PREDICTION_SCHEMA, prediction_batch, to_strings
from paraguas.prediction.columns import to_utc_timestamps
from paraguas.registry import INPUT_SCHEMA, Registry
from paraguas.spec import ModelSpec, did_you_mean
from paraguas.store import ModelVersion

__all__ = [
    "Loaded",
    "Problem",
    "RecordsError",
    "Request",
    "Scored",
    "load",
    "log_batch",
    "log_table",
    "prepare",
    "score",
]


@dataclass(frozen=True)
class Problem:
    """Why one field of one record cannot be scored (``record`` is None for the whole body)."""

    record: int | None
    field: str | None
    message: str


class RecordsError(SchemaError):
    """Some records of a request cannot be scored; :attr:`problems` names each field."""

    def __init__(self, message: str, problems: Sequence[Problem]) -> None:
        super().__init__(message)
        self.problems = list(problems)


@dataclass(frozen=True)
class Loaded:
    """A version ready to score: its model (sha256-verified), its input schema, its classes."""

    spec: ModelSpec
    version: ModelVersion
    model: Any
    schema: Any  # InputSchema, or None for a version registered by hand
    classes: tuple[Any, ...]  # as the estimator has them (numpy scalars made plain)
    class_names: tuple[str, ...]  # their text form in the log (to_strings)


def load(registry: Registry, spec: ModelSpec, version: ModelVersion) -> Loaded:
    """Load ``version`` (its bytes verified against their sha256) and its input schema."""
    model = registry.load_version(version)
    schema = None
    if INPUT_SCHEMA in version.attachments:
        from paraguas.data import InputSchema

        schema = InputSchema.from_dict(json.loads(registry.attachment(version, INPUT_SCHEMA)))
    classes: tuple[Any, ...] = ()
    names: tuple[str, ...] = ()
    if spec.task != "regression":
        found = np.asarray(model.classes_)
        classes = tuple(value.item() if hasattr(value, "item") else value for value in found)
        names = tuple(to_strings(list(found), column="classes").to_pylist())
    return Loaded(spec, version, model, schema, classes, names)


@dataclass(frozen=True)
class Request:
    """Records made ready to score: the features frame, and each record's key, time and id."""

    features: Any  # a pandas DataFrame of the schema's features, in order
    keys: list[str | None]  # the spec's key when the record has it
    times: list[datetime]  # the spec's time when the record has it, else when it arrived


def prepare(
    loaded: Loaded, records: Sequence[Any], *, now: datetime, max_problems: int = 100
) -> Request:
    """Validate ``records`` against ``loaded``'s input schema; :class:`RecordsError` if any fails.

    Every feature must be present and no unknown field may be (the spec's key and time are
    known); values are then checked by the input schema, as in batch scoring.
    """
    spec = loaded.spec
    names = list(loaded.schema.names if loaded.schema is not None else spec.features)
    known = set(names) | {field for field in (spec.key, spec.time) if field}
    problems: list[Problem] = []
    listed = ", ".join(names)
    for index, record in enumerate(records):
        if not isinstance(record, Mapping):
            problems.append(
                Problem(index, None, f"expected an object of feature: value, got {_kind(record)}")
            )
            continue
        for field in record:
            if field not in known:
                hint = did_you_mean(str(field), sorted(known))
                problems.append(
                    Problem(index, str(field), f"unknown field (the features are {listed}).{hint}")
                )
        for field in names:
            if field not in record:
                problems.append(Problem(index, field, "missing field: a feature the model needs"))
    if problems:
        raise _refused(problems[:max_problems])
    keys: list[str | None] = (
        [
            _key(record.get(spec.key), index, spec.key, problems)
            for index, record in enumerate(records)
        ]
        if spec.key
        else [None] * len(records)
    )
    times = (
        [
            _time(record.get(spec.time), index, spec.time, now, problems)
            for index, record in enumerate(records)
        ]
        if spec.time
        else [now] * len(records)
    )
    columns = [
        _column(feature_kind(loaded, field), [r[field] for r in records], field, problems)
        for field in names
    ]
    if problems:
        raise _refused(problems[:max_problems])
    batch = pa.RecordBatch.from_arrays(columns, names=names)
    if loaded.schema is None:
        return Request(_frame(batch), keys, times)
    try:
        validation = loaded.schema.validate(batch)
        refused = bool(validation.rejects)
    except SchemaError:  # a whole column of a type the schema cannot read
        refused = True
    if refused:
        raise _refused(_attribute(loaded.schema, batch)[:max_problems])
    return Request(_frame(validation.valid), keys, times)


def score(loaded: Loaded, features: Any) -> npt.NDArray[np.float64]:
    """The model's output for ``features``: probabilities for a classifier, values else.

    The service calls it from threads held to one native thread each
    (:class:`~paraguas.serving.threads.OneThread`).
    """
    if loaded.spec.task == "regression":
        return np.asarray(loaded.model.predict(features), dtype=np.float64)
    return np.asarray(loaded.model.predict_proba(features), dtype=np.float64)


def log_batch(
    loaded: Loaded,
    role: str,
    ids: Sequence[str],
    keys: Sequence[str | None],
    times: Sequence[datetime],
    output: npt.NDArray[np.float64],
    scored_at: datetime,
) -> pa.RecordBatch:
    """The prediction log rows of ``output``; a record without a key is keyed by its id."""
    common: dict[str, Any] = {
        "model": loaded.spec.name,
        "version": loaded.version.version,
        "role": role,
        "keys": [key if key is not None else id_ for key, id_ in zip(keys, ids, strict=True)],
        "times": pa.array(list(times), type=pa.timestamp("us", tz="UTC")),
        "scored_at": scored_at,
    }
    if output.ndim == 1:
        batch = prediction_batch(**common, values=output)
    else:
        classes = np.asarray(loaded.model.classes_)
        batch = prediction_batch(
            **common, labels=classes[output.argmax(axis=1)], scores=output, classes=list(classes)
        )
    columns = [pa.array(list(ids), pa.string()), *batch.columns[1:]]
    return pa.RecordBatch.from_arrays(columns, schema=PREDICTION_SCHEMA)


@dataclass(frozen=True)
class Scored:
    """What one version scored for one request, kept as it came until the log is written: the
    rows are built off the request path, many requests at once (:func:`log_table`)."""

    loaded: Loaded
    role: str
    ids: list[str]
    keys: list[str | None]
    times: list[datetime]
    output: npt.NDArray[np.float64]
    scored_at: datetime

    @property
    def num_rows(self) -> int:
        return len(self.ids)

    def take(self, rows: Sequence[int]) -> Scored:
        """The same, for ``rows`` only (records of one day, when a request spans several)."""
        return Scored(
            self.loaded,
            self.role,
            [self.ids[i] for i in rows],
            [self.keys[i] for i in rows],
            [self.times[i] for i in rows],
            self.output[list(rows)],
            self.scored_at,
        )


def log_table(items: Sequence[Scored]) -> pa.Table:
    """The prediction log rows of ``items``, built in one pass per version and role."""
    groups: dict[tuple[int, str], list[Scored]] = {}
    for item in items:
        groups.setdefault((id(item.loaded), item.role), []).append(item)
    batches = []
    for group in groups.values():
        first = group[0]
        batch = log_batch(
            first.loaded,
            first.role,
            [id_ for item in group for id_ in item.ids],
            [key for item in group for key in item.keys],
            [moment for item in group for moment in item.times],
            np.concatenate([item.output for item in group]),
            first.scored_at,
        )
        if any(item.scored_at != first.scored_at for item in group):
            index = PREDICTION_SCHEMA.get_field_index("scored_at")
            scored_at = pa.array(
                [item.scored_at for item in group for _ in item.ids],
                type=PREDICTION_SCHEMA.field(index).type,
            )
            batch = batch.set_column(index, PREDICTION_SCHEMA.field(index), scored_at)
        batches.append(batch)
    return pa.Table.from_batches(batches, schema=PREDICTION_SCHEMA)


def answers(
    loaded: Loaded, ids: Sequence[str], keys: Sequence[str | None], output: Any
) -> list[dict[str, Any]]:
    """What the caller gets for each record: its id, key, prediction and scores."""
    out = []
    for index, id_ in enumerate(ids):
        row = output[index]
        answer: dict[str, Any] = {
            "prediction_id": id_,
            "key": keys[index] if keys[index] is not None else id_,
        }
        if output.ndim == 1:
            answer["prediction"] = float(row)
            answer["scores"] = None
        else:
            answer["prediction"] = loaded.classes[int(row.argmax())]
            answer["scores"] = {
                name: float(p) for name, p in zip(loaded.class_names, row, strict=True)
            }
        out.append(answer)
    return out


def day_of(moment: datetime) -> date:
    """The day (UTC) whose partition of the log holds a prediction made for ``moment``."""
    return moment.astimezone(timezone.utc).date()


def feature_kind(loaded: Loaded, name: str) -> str | None:
    if loaded.schema is None:
        return None
    for feature in loaded.schema.features:
        if feature.name == name:
            return str(feature.kind)
    return None


# columns -----------------------------------------------------------------------------------------


def _column(kind: str | None, values: list[Any], field: str, problems: list[Problem]) -> pa.Array:
    """``values`` (JSON scalars) as one Arrow array the input schema can check.

    Mixed types become text, so that the schema says which value is wrong (``'abc' is not a
    number``). A boolean sent for a number is text too: JSON's true is not 1.
    """
    clean: list[Any] = []
    for index, value in enumerate(values):
        if isinstance(value, (Mapping, list)):
            problems.append(Problem(index, field, f"expected a single value, got {_kind(value)}"))
            value = None
        clean.append(value)
    if kind in ("numeric", "integer") and any(isinstance(v, bool) for v in clean):
        clean = [_text(v) for v in clean]
    try:
        array = pa.array(clean)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        array = pa.array([_text(v) for v in clean], pa.string())
    if pa.types.is_null(array.type) and kind is None:
        return array.cast(pa.float64())
    return array


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # 'inf', 'nan': the schema calls them not finite, missing
    return str(value)


def _attribute(schema: Any, batch: pa.RecordBatch) -> list[Problem]:
    """Each refused record's problems, one per field: the schema run one feature at a time."""
    problems: list[Problem] = []
    for feature in schema.features:
        single = type(schema)((feature,))
        try:
            rejects = single.validate(batch).rejects
        except SchemaError as exc:
            problems.append(Problem(None, feature.name, str(exc)))
            continue
        prefix = f"{feature.name}: "
        for index, reason in rejects:
            problems.append(Problem(index, feature.name, reason.removeprefix(prefix)))
    return sorted(problems, key=lambda p: p.record if p.record is not None else -1)


def _key(value: Any, index: int, field: str, problems: list[Problem]) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (Mapping, list)):
        problems.append(Problem(index, field, f"expected a single value, got {_kind(value)}"))
        return None
    try:
        text: str = to_strings([value], column=field)[0].as_py()
    except DataError as exc:
        problems.append(Problem(index, field, str(exc)))
        return None
    return text


def _time(value: Any, index: int, field: str, now: datetime, problems: list[Problem]) -> datetime:
    if value is None:
        return now
    if isinstance(value, str):
        try:
            moment: datetime = to_utc_timestamps([value], column=field)[0].as_py()
        except ParaguasError:
            pass
        else:
            return moment
    problems.append(
        Problem(index, field, f"{_show(value)} is not a date (YYYY-MM-DD) or an ISO 8601 time")
    )
    return now


def _refused(problems: list[Problem]) -> RecordsError:
    fields = sorted({p.field for p in problems if p.field is not None})
    where = f" ({', '.join(fields)})" if fields else ""
    return RecordsError(
        f"{len(problems)} problem(s) in the records{where}; nothing was scored. Fix each field "
        "named in detail and send the request again.",
        problems,
    )


def _kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return _show(value)


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, (str, float)) else json.dumps(value, default=str)


def _frame(batch: pa.RecordBatch) -> Any:
    """The batch as the DataFrame batch scoring gives the model: over a C-ordered matrix when
    every column is float64 (the same values, dtypes, names and layout, so the same scores)."""
    floats = all(kind == pa.float64() for kind in batch.schema.types)
    if not floats or batch.num_columns == 0 or batch.schema.metadata:
        return batch.to_pandas()
    import pandas as pd

    matrix = np.empty((batch.num_rows, batch.num_columns), dtype=np.float64)
    for index, column in enumerate(batch.columns):
        matrix[:, index] = column.to_numpy(zero_copy_only=False)
    return pd.DataFrame(matrix, columns=_columns(tuple(batch.schema.names)), copy=False)


@functools.lru_cache(maxsize=64)
def _columns(names: tuple[str, ...]) -> Any:
    """The column index of a frame of ``names``, built once: pandas takes longer to build an
    index of a few strings than to score a record."""
    import pandas as pd

    return pd.Index(names)
