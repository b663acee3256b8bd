from __future__ import annotations

import json
from datetime import date, datetime
from itertools import pairwise
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paraguas.data import Fingerprint, Parquet, fingerprint
from paraguas.errors import DataError, SchemaError
from tests.data.conftest import weather

ROWS = st.lists(
    st.tuples(
        st.one_of(st.none(), st.integers(min_value=-(2**63), max_value=2**63 - 1)),
        st.one_of(st.none(), st.floats(allow_nan=False)),
        st.one_of(st.none(), st.text(max_size=5)),
        st.one_of(st.none(), st.booleans()),
        st.one_of(st.none(), st.dates()),
    ),
    min_size=1,
    max_size=40,
)
SCHEMA = pa.schema(
    [
        ("n", pa.int64()),
        ("x", pa.float64()),
        ("s", pa.string()),
        ("b", pa.bool_()),
        ("d", pa.date32()),
    ]
)


def table_of(rows: list[tuple[object, ...]]) -> pa.Table:
    return pa.Table.from_pylist([dict(zip(SCHEMA.names, row, strict=True)) for row in rows], SCHEMA)


def hash_of(table: pa.Table, chunk: int | None = None) -> str:
    return fingerprint(table.to_batches(max_chunksize=chunk), time="d").sha256


@settings(max_examples=60, deadline=None)
@given(rows=ROWS, cuts=st.lists(st.integers(min_value=0, max_value=40), max_size=5))
def test_the_same_rows_give_the_same_hash_however_they_are_batched(
    rows: list[tuple[object, ...]], cuts: list[int]
) -> None:
    table = table_of(rows)
    whole = hash_of(table)
    assert hash_of(table_of(rows)) == whole  # the same rows built again
    # Batches of uneven sizes, including empty ones, sliced out of one table.
    edges = sorted({0, table.num_rows, *(c for c in cuts if c <= table.num_rows)})
    pieces = [table.slice(a, b - a).combine_chunks() for a, b in pairwise(edges)]
    empty = pa.RecordBatch.from_pylist([], schema=SCHEMA)
    batches = [empty, *(batch for piece in pieces for batch in piece.to_batches())]
    assert fingerprint(batches, time="d").sha256 == whole
    assert hash_of(table, chunk=3) == whole


@settings(max_examples=60, deadline=None)
@given(rows=ROWS, data=st.data())
def test_changing_one_value_changes_the_hash(
    rows: list[tuple[object, ...]], data: st.DataObject
) -> None:
    table = table_of(rows)
    row = data.draw(st.integers(min_value=0, max_value=len(rows) - 1))
    column = data.draw(st.integers(min_value=0, max_value=len(SCHEMA) - 1))
    replacement = data.draw(
        [
            st.one_of(st.none(), st.integers(min_value=-(2**63), max_value=2**63 - 1)),
            st.one_of(st.none(), st.floats(allow_nan=False)),
            st.one_of(st.none(), st.text(max_size=5)),
            st.one_of(st.none(), st.booleans()),
            st.one_of(st.none(), st.dates()),
        ][column]
    )
    changed = [list(r) for r in rows]
    old = changed[row][column]
    changed[row][column] = replacement
    same = old == replacement and type(old) is type(replacement)
    if isinstance(old, float) and isinstance(replacement, float):
        same = old.hex() == replacement.hex()  # -0.0 and 0.0 are different values
    if same:
        return
    assert hash_of(table_of([tuple(r) for r in changed])) != hash_of(table)


def test_what_a_fingerprint_records() -> None:
    table = weather("timestamp_madrid")
    print_ = fingerprint(table.to_batches(max_chunksize=7), time="observed")
    assert print_.rows == 30
    assert print_.time_min == "2026-01-01T00:00:00+01:00"
    assert print_.time_max == "2026-01-10T23:59:59+01:00"
    assert print_.schema == {
        "observed": "timestamp[us, tz=Europe/Madrid]",
        "temp_max": "double",
        "wind": "int64",
        "rain": "bool",
    }
    assert len(print_.sha256) == 64
    assert json.loads(json.dumps(print_.as_dict())) == print_.as_dict()
    assert fingerprint(weather("iso_date").to_batches(), time="observed").time_max == "2026-01-10"


def test_missing_is_not_zero_and_types_count() -> None:
    zero = pa.table({"x": pa.array([0, 1], pa.int64())})
    missing = pa.table({"x": pa.array([None, 1], pa.int64())})
    narrow = pa.table({"x": pa.array([0, 1], pa.int32())})
    empty_text = pa.table({"x": pa.array(["", "a"])})
    no_text = pa.table({"x": pa.array([None, "a"])})
    hashes = {fingerprint(t.to_batches(), time=None).sha256 for t in (zero, missing, narrow)}
    assert len(hashes) == 3
    assert (
        fingerprint(empty_text.to_batches(), time=None).sha256
        != fingerprint(no_text.to_batches(), time=None).sha256
    )


def test_where_a_string_ends_matters() -> None:
    split_one_way = pa.table({"s": ["ab", "c"]})
    split_another = pa.table({"s": ["a", "bc"]})
    assert hash_of_plain(split_one_way) != hash_of_plain(split_another)


def hash_of_plain(table: pa.Table) -> str:
    return fingerprint(table.to_batches(), time=None).sha256


def test_reading_a_file_in_any_batch_size_gives_one_hash(tmp_path: Path) -> None:
    pq.write_table(weather("iso_datetime"), tmp_path / "w.parquet", row_group_size=4)
    source = Parquet(tmp_path / "w.parquet")
    columns = ["observed", "temp_max", "wind", "rain"]
    expected = fingerprint(weather("iso_datetime").to_batches(), time="observed")
    for size in (1, 5, 1000):
        assert fingerprint(source.batches(columns, batch_size=size), time="observed") == expected


def test_dictionaries_and_slices_hash_by_value() -> None:
    plain = pa.table({"city": ["Lima", None, "Quito", "Lima"]})
    encoded = pa.table({"city": pa.array(["Lima", None, "Quito", "Lima"]).dictionary_encode()})
    assert hash_of_plain(encoded) != hash_of_plain(plain)  # the type is part of the print
    # ... but two encodings of the same values, with different dictionaries, agree.
    other = pa.DictionaryArray.from_arrays(
        pa.array([1, None, 0, 1], pa.int32()), pa.array(["Quito", "Lima"])
    )
    assert hash_of_plain(pa.table({"city": other})) == hash_of_plain(encoded)


def test_nothing_to_fingerprint_and_wrong_input() -> None:
    empty = fingerprint([], time="day")
    assert empty == Fingerprint(0, None, None, {}, empty.sha256)
    with pytest.raises(SchemaError, match="Did you mean 'observed'"):
        fingerprint(weather().to_batches(), time="obsreved")
    mixed = [pa.record_batch({"x": [1]}), pa.record_batch({"x": [1.0]})]
    with pytest.raises(DataError, match="same schema"):
        fingerprint(mixed, time=None)


def test_timestamps_and_other_types_are_hashed() -> None:
    times = pa.table(
        {
            "t": pa.array([datetime(2026, 1, 1, 8), None], pa.timestamp("ns")),
            "d": pa.array([date(2026, 1, 1), date(2026, 1, 2)], pa.date64()),
            "money": pa.array([None, 1], pa.decimal128(10, 2)),
            "tags": pa.array([["a"], []]),
        }
    )
    again = fingerprint(times.to_batches(max_chunksize=1), time="d")
    assert again == fingerprint(times.to_batches(), time="d")
    assert again.time_max == "2026-01-02"
