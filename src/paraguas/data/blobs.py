"""Tables as Parquet bytes, for what is stored as an artifact (a version's reference sample)."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["from_parquet_bytes", "to_parquet_bytes"]


def to_parquet_bytes(table: pa.Table) -> bytes:
    """``table`` as one Parquet file in memory (zstd-compressed)."""
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def from_parquet_bytes(data: bytes) -> pa.Table:
    """The table of :func:`to_parquet_bytes`."""
    return pq.read_table(io.BytesIO(data))
