"""Dataset fingerprints: what a model version was trained on, in a few bytes of lineage.

The hash is computed in one streaming pass and depends only on the schema and the values, row
by row: the same rows give the same hash however they are split into batches, and changing any
value (or its type, or whether it is missing) changes it. Each column feeds its own digests
with an encoding that concatenates row by row (validity bytes, zero-filled fixed-width values,
string lengths and bytes), which is what makes the batch boundaries irrelevant.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from paraguas.errors import DataError, SchemaError
from paraguas.spec.names import did_you_mean

__all__ = ["Fingerprint", "fingerprint"]

FORMAT = b"paraguas-fingerprint-v1"


@dataclass(frozen=True)
class Fingerprint:
    """How many rows, which days, which columns, and the sha256 of their content."""

    rows: int
    time_min: str | None
    time_max: str | None
    schema: dict[str, str]
    sha256: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "time_min": self.time_min,
            "time_max": self.time_max,
            "schema": dict(self.schema),
            "sha256": self.sha256,
        }


def fingerprint(batches: Iterable[pa.RecordBatch], *, time: str | None) -> Fingerprint:
    """Fingerprint ``batches`` in one pass; ``time`` names the column whose range is recorded."""
    schema: pa.Schema | None = None
    columns: list[_ColumnDigest] = []
    rows = 0
    low: Any = None
    high: Any = None
    for batch in batches:
        if schema is None:
            schema = batch.schema
            if time is not None and time not in schema.names:
                raise SchemaError(
                    f"Cannot fingerprint by time {time!r}: it is not a column of the data."
                    + did_you_mean(time, schema.names)
                )
            columns = [_ColumnDigest() for _ in schema.names]
        elif not batch.schema.equals(schema):
            raise DataError(
                f"Batch after row {rows} has columns {_types(batch.schema)}, not "
                f"{_types(schema)}; every batch of a dataset must have the same schema."
            )
        for digest, column in zip(columns, batch.columns, strict=True):
            digest.update(column)
        if time is not None and batch.num_rows:
            smallest, largest = pc.min_max(batch.column(time)).values()
            low = _lower(low, smallest.as_py())
            high = _higher(high, largest.as_py())
        rows += batch.num_rows
    described = _types(schema) if schema is not None else {}
    total = hashlib.sha256(FORMAT)
    total.update(json.dumps(list(described.items())).encode("utf-8"))
    total.update(rows.to_bytes(8, "little"))
    for digest in columns:
        total.update(digest.digest())
    return Fingerprint(rows, _iso(low), _iso(high), described, total.hexdigest())


class _ColumnDigest:
    """The digests of one column: validity, fixed-width values or string lengths, and bytes."""

    def __init__(self) -> None:
        self.validity = hashlib.sha256()
        self.lengths = hashlib.sha256()
        self.values = hashlib.sha256()

    def update(self, array: pa.Array) -> None:
        if pa.types.is_dictionary(array.type):
            array = array.dictionary_decode()
        if str(array.type) == "string_view":
            array = array.cast(pa.string())
        if array.null_count:
            self.validity.update(np.asarray(pc.is_valid(array), dtype=np.uint8).tobytes())
        else:
            self.validity.update(b"\x01" * len(array))
        kind = array.type
        if pa.types.is_null(kind) or len(array) == 0:
            return
        if pa.types.is_boolean(kind):
            filled = array.fill_null(False) if array.null_count else array
            self.values.update(np.asarray(filled, dtype=np.uint8).tobytes())
        elif _is_fixed_width(kind):
            self.values.update(_fixed_width_bytes(array))
        elif pa.types.is_string(kind) or pa.types.is_binary(kind):
            self._binary(array, np.int32)
        elif pa.types.is_large_string(kind) or pa.types.is_large_binary(kind):
            self._binary(array, np.int64)
        else:  # nested and rare types: slow but canonical
            for value in array.to_pylist():
                self.values.update(repr(value).encode("utf-8") + b"\x00")

    def _binary(self, array: pa.Array, offset_type: type[np.integer[Any]]) -> None:
        if array.null_count:
            array = array.fill_null(
                pa.scalar(b"" if pa.types.is_binary(array.type) else "").cast(array.type)
            )
        offsets = np.frombuffer(array.buffers()[1], dtype=offset_type)
        offsets = offsets[array.offset : array.offset + len(array) + 1]
        self.lengths.update(np.diff(offsets).astype(np.int64).tobytes())
        data = array.buffers()[2]
        if data is not None and len(array):
            self.values.update(memoryview(data)[int(offsets[0]) : int(offsets[-1])])

    def digest(self) -> bytes:
        return self.validity.digest() + self.lengths.digest() + self.values.digest()


def _is_fixed_width(kind: pa.DataType) -> bool:
    try:
        width = kind.bit_width
    except ValueError:
        return False
    return width % 8 == 0 and not pa.types.is_nested(kind)


def _fixed_width_bytes(array: pa.Array) -> bytes:
    """The values' bytes, with the slots of missing values zeroed (they hold anything)."""
    width = array.type.bit_width // 8
    buffer = array.buffers()[1]
    data = np.frombuffer(buffer, dtype=np.uint8)[
        array.offset * width : (array.offset + len(array)) * width
    ]
    if array.null_count:
        data = data.reshape(len(array), width).copy()
        data[~np.asarray(pc.is_valid(array), dtype=bool)] = 0
    return bytes(data.tobytes())


def _types(schema: pa.Schema | None) -> dict[str, str]:
    return {} if schema is None else {field.name: str(field.type) for field in schema}


def _lower(current: Any, value: Any) -> Any:
    if value is None:
        return current
    return value if current is None or value < current else current


def _higher(current: Any, value: Any) -> Any:
    if value is None:
        return current
    return value if current is None or value > current else current


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    isoformat = getattr(value, "isoformat", None)
    return str(isoformat()) if callable(isoformat) else str(value)
