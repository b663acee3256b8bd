from __future__ import annotations

import tempfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paraguas.errors import DataError, InvalidNameError
from paraguas.prediction import ACTUALS_SCHEMA, ActualsLog, PredictionLog
from tests.prediction.conftest import DAY, classified

T0 = datetime(2024, 5, 2, 8, 0, tzinfo=timezone.utc)


def rain(keys: list[object], values: list[object]) -> pa.Table:
    return pa.table({"date": keys, "observed": [DAY] * len(keys), "rain_tomorrow": values})


def record(log: ActualsLog, table: pa.Table, arrived_at: datetime) -> int:
    return log.record(
        "rain_tomorrow",
        table,
        key="date",
        time="observed",
        target="rain_tomorrow",
        arrived_at=arrived_at,
    )


def latest_values(log: ActualsLog, as_of: datetime | None = None) -> dict[str, str]:
    table = log.latest("rain_tomorrow", as_of=as_of)
    return dict(
        zip(table.column("key").to_pylist(), table.column("label").to_pylist(), strict=True)
    )


def stored_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.parquet")) if root.exists() else []


def test_actuals_come_back_by_key(actuals: ActualsLog) -> None:
    assert record(actuals, rain([1, 2], [0, 1]), T0) == 2
    table = actuals.latest("rain_tomorrow")
    assert table.schema == ACTUALS_SCHEMA
    assert table.select(["key", "time", "label", "value", "arrived_at", "row"]).to_pylist() == [
        {
            "key": "1",
            "time": datetime(2024, 5, 1, tzinfo=timezone.utc),
            "label": "0",
            "value": 0.0,
            "arrived_at": T0,
            "row": 0,
        },
        {
            "key": "2",
            "time": datetime(2024, 5, 1, tzinfo=timezone.utc),
            "label": "1",
            "value": 1.0,
            "arrived_at": T0,
            "row": 1,
        },
    ]
    files = stored_files(actuals.root)
    assert [file.parent.name for file in files] == ["arrived=2024-05-02"]


def test_a_correction_supersedes_the_value_and_both_are_kept(actuals: ActualsLog) -> None:
    record(actuals, rain(["a", "b"], ["dry", "dry"]), T0)
    record(actuals, rain(["a"], ["rain"]), T0 + timedelta(days=40))

    assert latest_values(actuals) == {"a": "rain", "b": "dry"}
    history = actuals.history("rain_tomorrow", key="a")
    assert history.column("label").to_pylist() == ["dry", "rain"]
    assert history.column("value").null_count == 2  # text targets have no numeric value
    assert actuals.history("rain_tomorrow").num_rows == 3
    assert len(stored_files(actuals.root)) == 2


def test_as_of_sees_only_what_had_arrived(actuals: ActualsLog) -> None:
    record(actuals, rain(["a"], [0]), T0)
    record(actuals, rain(["a"], [1]), T0 + timedelta(hours=30))

    assert latest_values(actuals, T0 - timedelta(microseconds=1)) == {}
    assert latest_values(actuals, T0) == {"a": "0"}
    assert latest_values(actuals, T0 + timedelta(hours=29)) == {"a": "0"}  # same, next day
    assert latest_values(actuals, T0 + timedelta(hours=30)) == {"a": "1"}
    local = timezone(timedelta(hours=-5))  # as_of in another zone is the same instant
    assert latest_values(actuals, (T0 + timedelta(hours=30)).astimezone(local)) == {"a": "1"}


def test_reads_see_each_new_arrival_and_a_file_removed_by_hand(actuals: ActualsLog) -> None:
    # Files read once are kept in memory; a later arrival, or a file gone, is still seen.
    record(actuals, rain(["a"], [0]), T0)
    assert latest_values(actuals) == {"a": "0"}
    record(actuals, rain(["b"], [1]), T0 + timedelta(days=1))
    assert latest_values(actuals) == {"a": "0", "b": "1"}
    assert ActualsLog(actuals.root).history("rain_tomorrow").num_rows == 2  # another reader
    stored_files(actuals.root)[0].unlink()
    assert latest_values(actuals) == {"b": "1"}


def test_within_one_call_the_last_row_wins(actuals: ActualsLog) -> None:
    record(actuals, rain(["a", "a", "b", "a"], [1, 0, 1, 2]), T0)
    assert latest_values(actuals) == {"a": "2", "b": "1"}
    assert actuals.history("rain_tomorrow", key="a").column("label").to_pylist() == ["1", "0", "2"]


def test_a_later_call_with_the_same_arrival_time_wins(actuals: ActualsLog) -> None:
    record(actuals, rain(["a"], [0]), T0)
    record(actuals, rain(["a"], [1]), T0)
    assert latest_values(actuals) == {"a": "1"}


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (pa.table({"observed": [DAY], "rain_tomorrow": [1]}), "no column 'date' \\(the key\\)"),
        (pa.table({"date": [1], "rain_tomorrow": [1]}), "no column 'observed' \\(the time\\)"),
        (pa.table({"date": [1], "observed": [DAY]}), "no column 'rain_tomorrow' \\(the target\\)"),
        (rain([1, None], [0, 1]), "'date' \\(the key\\) .* 1 null"),
        (rain([1, 2], [0, None]), "'rain_tomorrow' \\(the target\\) .* 1 null"),
        (
            pa.table({"date": [1], "observed": ["last tuesday"], "rain_tomorrow": [1]}),
            "'observed' .* cannot be read as times",
        ),
    ],
)
def test_bad_input_names_the_column_and_writes_nothing(
    actuals: ActualsLog, table: pa.Table, message: str
) -> None:
    with pytest.raises(DataError, match=message):
        record(actuals, table, T0)
    assert stored_files(actuals.root) == []
    assert actuals.latest("rain_tomorrow").num_rows == 0


def test_times_must_carry_a_timezone(actuals: ActualsLog) -> None:
    with pytest.raises(DataError, match="arrived_at must be a timezone-aware"):
        record(actuals, rain([1], [0]), datetime(2024, 5, 2))
    record(actuals, rain([1], [0]), T0)
    with pytest.raises(DataError, match="as_of must be a timezone-aware"):
        actuals.latest("rain_tomorrow", as_of=datetime(2024, 5, 2))


def test_nothing_to_record_writes_nothing(actuals: ActualsLog) -> None:
    assert record(actuals, rain([], []).cast(rain([1], [0]).schema), T0) == 0
    assert stored_files(actuals.root) == []
    with pytest.raises(InvalidNameError):
        actuals.latest("Rain!")


def test_stored_arrivals_are_never_rewritten(actuals: ActualsLog) -> None:
    record(actuals, rain(["a"], [0]), T0)
    (first,) = stored_files(actuals.root)
    content = first.read_bytes()
    record(actuals, rain(["a"], [1]), T0)
    record(actuals, rain(["a"], [2]), T0 + timedelta(days=1))
    assert first.read_bytes() == content and len(stored_files(actuals.root)) == 3


def test_a_leftover_temp_file_is_ignored(actuals: ActualsLog) -> None:
    record(actuals, rain(["a"], [0]), T0)
    (first,) = stored_files(actuals.root)
    (first.parent / ".crashed.parquet.tmp").write_bytes(b"half a file")
    assert latest_values(actuals) == {"a": "0"}


def test_actuals_join_predictions_whatever_the_key_type(
    actuals: ActualsLog, log: PredictionLog
) -> None:
    days = [date(2024, 5, 1), date(2024, 5, 2)]
    with log.writer("rain_tomorrow", DAY) as writer:
        writer.write(classified(days))
    record(actuals, rain(["2024-05-01", "2024-05-02"], [1, 0]), T0)  # keys arrive as text
    joined = log.read("rain_tomorrow", columns=["key", "label"]).join(
        actuals.latest("rain_tomorrow").select(["key", "label"]),
        keys="key",
        right_suffix="_actual",
    )
    assert sorted(joined.column("key").to_pylist()) == ["2024-05-01", "2024-05-02"]


arrivals = st.lists(
    st.tuples(
        st.lists(st.tuples(st.sampled_from("abcd"), st.integers(0, 9)), min_size=1, max_size=4),
        st.integers(0, 72),  # hours after T0
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=20, deadline=None)
@given(calls=arrivals, as_of_hours=st.integers(-1, 80))
def test_latest_is_the_newest_arrival_per_key(
    calls: list[tuple[list[tuple[str, int]], int]], as_of_hours: int
) -> None:
    as_of = T0 + timedelta(hours=as_of_hours)
    expected: dict[str, tuple[int, int, str]] = {}  # key -> (hours, call, label)
    with tempfile.TemporaryDirectory() as folder:
        log = ActualsLog(folder)
        for call, (pairs, hours) in enumerate(calls):
            record(
                log, rain([k for k, _ in pairs], [v for _, v in pairs]), T0 + timedelta(hours=hours)
            )
            if hours <= as_of_hours:
                for key, value in pairs:
                    if key not in expected or (hours, call) >= expected[key][:2]:
                        expected[key] = (hours, call, str(value))
        assert latest_values(log, as_of) == {key: label for key, (_, _, label) in expected.items()}
        assert log.history("rain_tomorrow").num_rows == sum(len(pairs) for pairs, _ in calls)
