from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pyarrow as pa
import pytest

from paraguas.errors import DataError
from paraguas.prediction import columns, new_ids, prediction_batch, to_strings
from paraguas.prediction.columns import new_id_array
from tests.prediction.conftest import DAY, SCORED_AT


def test_scored_at_must_carry_a_timezone() -> None:
    with pytest.raises(DataError, match="timezone-aware"):
        prediction_batch(
            model="m",
            version=1,
            role="champion",
            keys=[1],
            times=[DAY],
            scored_at=datetime(2024, 5, 1),
            values=[1.0],
        )


def test_scores_must_match_the_rows() -> None:
    with pytest.raises(DataError, match="shape"):
        prediction_batch(
            model="m",
            version=1,
            role="champion",
            keys=[1, 2],
            times=[DAY, DAY],
            scored_at=SCORED_AT,
            labels=[0, 1],
            scores=np.ones((3, 2)),
            classes=[0, 1],
        )


def test_keys_and_labels_have_one_text_form_whatever_their_type() -> None:
    assert to_strings([1, 2]).to_pylist() == to_strings([1.0, 2.0]).to_pylist() == ["1", "2"]
    assert to_strings(np.array([1, 2], dtype=np.int8)).to_pylist() == ["1", "2"]
    assert to_strings([True]).to_pylist() == to_strings(np.array([True])).to_pylist()
    assert to_strings([date(2024, 5, 1)]).to_pylist() == ["2024-05-01"]
    naive = to_strings([datetime(2024, 5, 1, 6)])
    aware = to_strings(pa.array([datetime(2024, 5, 1, 6)], pa.timestamp("ns", tz="UTC")))
    assert naive.to_pylist() == aware.to_pylist()
    assert to_strings(pa.array(["a", "b"]).dictionary_encode()).to_pylist() == ["a", "b"]
    with pytest.raises(DataError, match="'key'"):
        to_strings([{"a": 1}], column="key")


def test_ids_are_unique_and_increase() -> None:
    ids = new_ids(1000) + new_ids(1000)
    assert ids == sorted(ids) and len(set(ids)) == 2000
    assert all(len(value) == 32 for value in ids)


def test_an_id_array_continues_the_same_sequence_as_text() -> None:
    before, array, after = new_ids(3), new_id_array(100_000), new_ids(3)
    ids = [*before, *array.to_pylist(), *after]
    assert array.type == pa.string() and array.null_count == 0
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert {len(value) for value in ids} == {32}
    # Consecutive numbers written in hex, as f"{number:032x}" would write them.
    numbers = [int(value, 16) for value in array.to_pylist()]
    assert numbers == list(range(numbers[0], numbers[0] + 100_000))
    assert all(value == f"{int(value, 16):032x}" for value in ids)
    assert new_id_array(0).to_pylist() == [] and new_ids(0) == []


def test_ids_carry_across_the_middle_of_128_bits() -> None:
    first = (7 << 80) | ((1 << 64) - 2)  # the low 64 bits overflow after two ids
    assert columns._hex_ids(first, 4).to_pylist() == [f"{first + i:032x}" for i in range(4)]


def test_many_ids_come_in_chunks_of_one_array(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(columns, "_ID_CHUNK", 7)
    array = new_id_array(30)
    numbers = [int(value, 16) for value in array.to_pylist()]
    assert numbers == list(range(numbers[0], numbers[0] + 30))
    listed = new_ids(30)
    assert int(listed[0], 16) > numbers[-1] and len(set(listed)) == 30


def test_prediction_batches_get_fresh_increasing_ids() -> None:
    def batch() -> list[str]:
        made = prediction_batch(
            model="m",
            version=1,
            role="champion",
            keys=[1, 2, 3],
            times=[DAY] * 3,
            scored_at=SCORED_AT,
            values=[0.5, 1.5, 2.5],
        )
        ids: list[str] = made.column("prediction_id").to_pylist()
        return ids

    ids = batch() + batch()
    assert ids == sorted(ids) and len(set(ids)) == 6
