"""The columns of the prediction log: its schemas, and the one text form of keys and labels.

Predictions and actuals are joined by key and compared by label long after they were written,
often from sources of different types (a date here, ISO text there); both go through
:func:`to_strings`, so the same key or class always has the same text.
"""

from __future__ import annotations

import secrets
import threading
import time as clock
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
import pyarrow.compute as pc  # type: ignore[import-untyped, unused-ignore]

from paraguas.errors import DataError, SchemaError
from paraguas.spec.names import ALIASES

UTC_MICROS = pa.timestamp("us", tz="UTC")

PREDICTION_SCHEMA = pa.schema(
    [
        pa.field("prediction_id", pa.string(), nullable=False),
        pa.field("key", pa.string(), nullable=False),
        pa.field("time", UTC_MICROS, nullable=False),
        pa.field("model", pa.string(), nullable=False),
        pa.field("version", pa.int32(), nullable=False),
        pa.field("role", pa.string(), nullable=False),
        pa.field("label", pa.string()),
        pa.field("value", pa.float64()),
        pa.field("scores", pa.list_(pa.float64())),
        pa.field("classes", pa.list_(pa.string())),
        pa.field("scored_at", UTC_MICROS, nullable=False),
    ]
)
"""One row per prediction. ``key`` and ``label`` hold :func:`to_strings` forms, so any key or
class type joins the actuals. A classifier fills ``label`` (the predicted class), ``scores`` (its
probabilities) and ``classes`` (the class of each score, in the estimator's order); a regressor
fills ``value`` and leaves the other three null. ``time`` is the input row's time."""

REJECT_SCHEMA = pa.schema(
    [
        pa.field("key", pa.string()),
        pa.field("row", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
    ]
)
"""One row per input row that could not be scored: its key if known, the row as JSON text, why."""

ARROW_ERRORS = (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError)


def new_ids(count: int) -> list[str]:
    """``count`` fresh ids: 32 hex digits, the first 12 the Unix time in milliseconds.

    Like UUIDv7 they sort by creation time; within one process they strictly increase.
    """
    return [value for chunk in _id_chunks(count) for value in chunk.to_pylist()]


def new_id_array(count: int) -> pa.Array:
    """The ids of :func:`new_ids` as an Arrow string array, built without a Python string each.

    >>> ids = new_id_array(3).to_pylist()
    >>> ids == sorted(ids) and len(set(ids)) == 3 and {len(i) for i in ids} == {32}
    True
    """
    chunks = _id_chunks(count)
    return chunks[0] if len(chunks) == 1 else pa.concat_arrays(chunks)


def _id_chunks(count: int) -> list[pa.Array]:
    """Reserve ``count`` consecutive ids, then write them as hex text in chunks that fit int32
    offsets (32 bytes an id)."""
    global _last_id
    with _ids_lock:
        first = max(_last_id + 1, (clock.time_ns() // 1_000_000) << 80 | secrets.randbits(64))
        _last_id = first + count - 1
    chunks = [
        _hex_ids(first + start, min(_ID_CHUNK, count - start))
        for start in range(0, count, _ID_CHUNK)
    ]
    return chunks or [pa.array([], type=pa.string())]


def _hex_ids(first: int, count: int) -> pa.Array:
    """``first``, ``first + 1``, … as 32 lower-case hex digits each, vectorised with NumPy."""
    high, low = np.uint64(first >> 64), np.uint64(first & _LOW_BITS)
    lows = low + np.arange(count, dtype=np.uint64)  # wraps around 2**64 ...
    highs = high + (lows < low).astype(np.uint64)  # ... and carries into the high half
    words = np.column_stack([highs, lows]).astype(">u8")  # big-endian: most significant first
    digits = _HEX_QUADS[words.view(">u2")]  # each 16 bits to their four hex digits at once
    offsets = np.arange(0, 32 * (count + 1), 32, dtype=np.int32)
    return pa.StringArray.from_buffers(count, pa.py_buffer(offsets), pa.py_buffer(digits))


_ids_lock = threading.Lock()
_last_id = 0
_LOW_BITS = (1 << 64) - 1
# The two hex digits of each octet 0-255, as the 2 bytes of a little-endian uint16; and the four
# of each 16-bit value, as the 4 bytes of a little-endian uint32 (a 256 KiB table: looking up
# half as many values makes the ids twice as fast).
_HEX_PAIRS = np.frombuffer(b"".join(b"%02x" % octet for octet in range(256)), dtype="<u2")
_HEX_QUADS = _HEX_PAIRS[np.arange(1 << 16) >> 8].astype("<u4") | (
    _HEX_PAIRS[np.arange(1 << 16) & 0xFF].astype("<u4") << 16
)
_ID_CHUNK = 1 << 24  # 16 Mi ids, 512 MiB of text: under the 2 GiB of a string array's offsets


def to_strings(values: Any, *, column: str = "values") -> pa.Array:
    """The canonical string form of keys and class labels, shared by predictions and actuals.

    Integers and floats with the same value read alike, times are written in UTC, so a key or a
    label joins whatever type each side had (``1``, ``1.0`` and ``"1"`` are all ``"1"``).

    >>> to_strings([1, 2]).to_pylist()
    ['1', '2']
    >>> to_strings([1.0, 2.5]).to_pylist()
    ['1', '2.5']
    """
    array = _arrow(values, column)
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if pa.types.is_timestamp(array.type):
        array = to_utc_timestamps(array, column=column)
    try:
        return array.cast(pa.string())
    except ARROW_ERRORS as exc:
        raise DataError(
            f"Column {column!r} of type {array.type} cannot be written as text: {exc}. "
            "Use a column of numbers, text, dates or times."
        ) from exc


def to_utc_timestamps(values: Any, *, column: str = "values") -> pa.Array:
    """``values`` (dates, times, ISO text) as microsecond UTC timestamps; naive times are UTC."""
    array = _arrow(values, column)
    kind = array.type
    try:
        if pa.types.is_timestamp(kind):
            # Below-microsecond digits are dropped; a naive time is taken as UTC.
            return array.cast(pa.timestamp("us", tz=kind.tz), safe=False).cast(UTC_MICROS)
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            try:
                return array.cast(UTC_MICROS)
            except pa.ArrowInvalid:  # text without a zone offset: naive, so UTC
                return array.cast(pa.timestamp("us")).cast(UTC_MICROS)
        return array.cast(UTC_MICROS)
    except ARROW_ERRORS as exc:
        raise DataError(
            f"Column {column!r} of type {kind} cannot be read as times: {exc}. "
            "Use dates, timestamps or ISO 8601 text such as '2024-05-01T12:00:00+00:00'."
        ) from exc


def prediction_batch(
    *,
    model: str,
    version: int,
    role: str,
    keys: Any,
    times: Any,
    scored_at: datetime,
    labels: Any = None,
    values: Any = None,
    scores: Any = None,
    classes: Sequence[Any] | None = None,
) -> pa.RecordBatch:
    """A batch in :data:`PREDICTION_SCHEMA` from an estimator's output, with fresh ids.

    ``scores`` is the ``(rows, classes)`` array of ``predict_proba``; ``classes`` the
    estimator's ``classes_``. Keys and labels go through :func:`to_strings`.
    """
    key_array = to_strings(keys, column="key")
    rows = len(key_array)

    def each(value: Any, kind: pa.DataType) -> pa.Array:
        return pa.repeat(pa.scalar(value, type=kind), rows)

    def optional(given: Any, kind: pa.DataType, convert: Any) -> pa.Array:
        return pa.nulls(rows, type=kind) if given is None else convert(given)

    def score_lists(given: Any) -> pa.Array:
        matrix = np.asarray(given, dtype=np.float64)
        if matrix.ndim != 2 or matrix.shape[0] != rows:
            raise DataError(
                f"scores has shape {matrix.shape}; expected ({rows}, number of classes), "
                "as returned by predict_proba for these rows."
            )
        flat = pa.array(matrix.reshape(-1))
        return pa.FixedSizeListArray.from_arrays(flat, matrix.shape[1]).cast(pa.list_(pa.float64()))

    def class_lists(given: Sequence[Any]) -> pa.Array:
        names = to_strings(list(given), column="classes")
        offsets = pa.array(np.arange(rows + 1, dtype=np.int32) * len(names))
        return pa.ListArray.from_arrays(offsets, names.take(np.tile(np.arange(len(names)), rows)))

    require_aware(scored_at, "scored_at")
    arrays = [
        new_id_array(rows),
        key_array,
        to_utc_timestamps(times, column="time"),
        each(model, pa.string()),
        each(version, pa.int32()),
        each(role, pa.string()),
        optional(labels, pa.string(), lambda given: to_strings(given, column="label")),
        optional(values, pa.float64(), lambda given: _arrow(given, "value").cast(pa.float64())),
        optional(scores, pa.list_(pa.float64()), score_lists),
        optional(classes, pa.list_(pa.string()), class_lists),
        each(scored_at, UTC_MICROS),
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=PREDICTION_SCHEMA)


def conform_predictions(batch: pa.RecordBatch | pa.Table, model: str) -> pa.Table:
    """``batch`` as a table of :data:`PREDICTION_SCHEMA` for ``model``, or :class:`SchemaError`."""
    table = pa.Table.from_batches([batch]) if isinstance(batch, pa.RecordBatch) else batch
    expected = PREDICTION_SCHEMA.names
    missing = [name for name in expected if name not in table.column_names]
    extra = [name for name in table.column_names if name not in expected]
    if missing or extra:
        raise SchemaError(
            f"A prediction batch needs exactly the columns {', '.join(expected)}; this one lacks "
            f"{missing or 'none'} and has extra {extra or 'none'}. Build it with prediction_batch()."
        )
    columns = []
    for field in PREDICTION_SCHEMA:
        column = table.column(field.name)
        if not field.nullable and column.null_count:
            raise SchemaError(
                f"Column {field.name!r} of a prediction batch has {column.null_count} null "
                "values; every prediction needs one. Reject those input rows instead."
            )
        try:
            columns.append(column.cast(field.type))
        except ARROW_ERRORS as exc:
            raise SchemaError(
                f"Column {field.name!r} of a prediction batch has type {column.type}, expected "
                f"{field.type}: {exc}."
            ) from exc
    table = pa.Table.from_arrays(columns, schema=PREDICTION_SCHEMA)
    checks = [
        (pc.equal(table["model"], model), f"rows of another model than {model!r}"),
        (pc.is_in(table["role"], value_set=pa.array(ALIASES)), f"roles other than {ALIASES}"),
        (
            pc.or_(pc.is_valid(table["label"]), pc.is_valid(table["value"])),
            "rows with neither a label nor a value",
        ),
        (
            pc.equal(pc.list_value_length(table["scores"]), pc.list_value_length(table["classes"])),
            "rows whose scores and classes differ in length",
        ),
    ]
    for holds, problem in checks:
        if pc.all(pc.fill_null(holds, True)).as_py() is False:
            raise SchemaError(
                f"A prediction batch for {model!r} has {problem}; nothing was written."
            )
    return table


def _arrow(values: Any, column: str) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks()
    if isinstance(values, pa.Array):
        return values
    try:
        return pa.array(values)
    except (*ARROW_ERRORS, TypeError, ValueError) as exc:
        raise DataError(
            f"Column {column!r} cannot be converted to an Arrow array: {exc}. "
            "Give one type of value per column (numbers, text, dates or times)."
        ) from exc


def require_aware(moment: datetime, name: str) -> None:
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise DataError(
            f"{name} must be a timezone-aware datetime, not {moment!r}: "
            "use e.g. datetime.now(timezone.utc)."
        )
