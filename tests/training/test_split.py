from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from paraguas.errors import DataError
from paraguas.training import time_split


def days(*values: str) -> np.ndarray:
    return np.array(values, dtype="datetime64[D]")


def test_a_fraction_holds_out_the_most_recent_rows_on_a_day_boundary() -> None:
    when = days("2026-01-03", "2026-01-01", "2026-01-02", "2026-01-04", "2026-01-04", "2026-01-02")
    split = time_split(when, 0.3, rows=6, as_of=None)
    # 30% of 6 rows is 2: the cutoff lands on 2026-01-04, and both rows of that day go to holdout
    assert split.holdout.tolist() == [False, False, False, True, True, False]
    assert split.cutoff == date(2026, 1, 4)
    assert split.describe() == {"train_rows": 4, "holdout_rows": 2, "cutoff": "2026-01-04"}


def test_a_duration_holds_out_the_last_days_before_as_of() -> None:
    when = days(*(f"2026-01-{d:02d}" for d in range(1, 11)))
    split = time_split(when, "3d", rows=10, as_of=date(2026, 1, 10))
    assert split.holdout.tolist() == [False] * 7 + [True] * 3
    assert split.cutoff == date(2026, 1, 8)


def test_without_time_the_row_order_is_time() -> None:
    split = time_split(None, 0.25, rows=8, as_of=None)
    assert split.train.tolist() == [True] * 6 + [False] * 2 and split.cutoff is None
    with pytest.raises(DataError, match="no time column"):
        time_split(None, "30d", rows=8, as_of=None)


def test_a_split_with_an_empty_side_is_an_error() -> None:
    with pytest.raises(DataError, match="training part empty"):
        time_split(days("2026-01-01", "2026-01-01", "2026-01-01"), 0.5, rows=3, as_of=None)
    with pytest.raises(DataError, match="at least 2 rows"):
        time_split(days("2026-01-01"), 0.5, rows=1, as_of=None)


@given(
    offsets=st.lists(st.integers(min_value=0, max_value=60), min_size=2, max_size=200),
    fraction=st.floats(min_value=0.05, max_value=0.95),
)
def test_no_holdout_day_precedes_a_training_day(offsets: list[int], fraction: float) -> None:
    when = np.datetime64("2026-01-01") + np.array(offsets, dtype="timedelta64[D]")
    try:
        split = time_split(when, fraction, rows=len(offsets), as_of=None)
    except DataError:
        return  # every row on one day, or a side left empty: refused, never mixed
    assert when[split.train].max() < when[split.holdout].min()
    assert (split.train ^ split.holdout).all()
