"""What a monitoring run reads: the window's rows, columns that exist, rows per day."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import paraguas as pg
from paraguas.monitoring.inputs import arrow_values, read_current, rows_per_day
from tests.conftest import START


def test_the_window_holds_only_its_days_and_absent_columns_are_named(
    spec_fields: dict[str, Any],
) -> None:
    spec = pg.ModelSpec(**spec_fields)
    end = START + timedelta(days=9)
    current = read_current(
        spec, spec.data, ["date", "humidity", "hunidity"], START + timedelta(days=3), end
    )
    assert current.rows == 7
    days = current.table["date"].to_pylist()
    assert min(days) == START + timedelta(days=3) and max(days) == end
    assert set(current.absent) == {"hunidity"}
    assert "did you mean 'humidity'" in current.absent["hunidity"].lower()


def test_rows_per_day_counts_every_day_of_the_range(tmp_path: Path) -> None:
    days = [date(2026, 1, 1)] * 3 + [date(2026, 1, 3)]
    path = tmp_path / "d.parquet"
    pq.write_table(pa.table({"d": pa.array(days, pa.date32()), "x": [1, 2, 3, 4]}), path)
    from sklearn.linear_model import LinearRegression

    spec = pg.ModelSpec(
        name="m",
        task="regression",
        target="x",
        features=["y"],
        time="d",
        data=pg.Parquet(path),
        estimator=LinearRegression,
    )
    counts = rows_per_day(spec, spec.data, date(2026, 1, 1), date(2026, 1, 4))
    assert counts == {
        date(2026, 1, 1): 3,
        date(2026, 1, 2): 0,
        date(2026, 1, 3): 1,
        date(2026, 1, 4): 0,
    }


@pytest.mark.parametrize(
    ("array", "kind", "expected"),
    [
        (pa.array([1, None, 3]), "numeric", [1.0, np.nan, 3.0]),
        (pa.array(["1.5", "x", None]), "numeric", [1.5, np.nan, np.nan]),
        (pa.array([True, None]), "boolean", [True, None]),
        (pa.array(["a", None]), "categorical", ["a", None]),
        (pa.array([1, 2]), "categorical", ["1", "2"]),
        (
            pa.array([datetime(1970, 1, 1, 0, 1, tzinfo=timezone.utc)], pa.timestamp("us", "UTC")),
            "datetime",
            [60.0],
        ),
        (pa.array([date(1970, 1, 2)], pa.date32()), "datetime", [86400.0]),
    ],
)
def test_arrow_values_give_each_kind_its_array(
    array: pa.Array, kind: str, expected: list[Any]
) -> None:
    values = arrow_values(pa.chunked_array([array]), kind)
    if values.dtype.kind == "f":
        np.testing.assert_array_equal(values, np.array(expected, dtype=float))
    else:
        assert values.tolist() == expected
