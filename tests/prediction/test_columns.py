from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pyarrow as pa
import pytest

from paraguas.errors import DataError
from paraguas.prediction import new_ids, prediction_batch, to_strings
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
