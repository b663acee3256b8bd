from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paraguas.errors import DataError, InvalidNameError, SchemaError, StoreError
from paraguas.prediction import (
    PREDICTION_SCHEMA,
    PredictionLog,
    prediction_batch,
)
from paraguas.prediction import log as log_module
from tests.prediction.conftest import DAY, SCORED_AT, classified


def rows(table: pa.Table) -> list[dict[str, object]]:
    return sorted(table.to_pylist(), key=lambda row: str(row["prediction_id"]))


def visible_files(folder: Path) -> set[str]:
    return {path.name for path in folder.iterdir()}


def test_a_day_comes_back_as_written(log: PredictionLog) -> None:
    champion = classified(range(5), role="champion", version=2)
    challenger = classified(range(5), role="challenger", version=3, seed=1)
    with log.writer("rain_tomorrow", DAY) as writer:
        writer.write(champion)
        writer.write(pa.Table.from_batches([challenger]))
        writer.reject([("7", '{"precipitation": "n/a"}', "precipitation is not a number")])

    result = writer.result
    assert (result.model, result.day, result.rows, result.rejects) == ("rain_tomorrow", DAY, 10, 1)
    assert result.path == log.path("rain_tomorrow", DAY) and result.path.is_file()
    table = log.read("rain_tomorrow")
    assert table.schema == PREDICTION_SCHEMA
    expected = pa.Table.from_batches([champion, challenger], schema=PREDICTION_SCHEMA)
    assert rows(table) == rows(expected)
    assert log.days("rain_tomorrow") == [DAY]
    assert log.rejects("rain_tomorrow", DAY).to_pylist() == [
        {"key": "7", "row": '{"precipitation": "n/a"}', "reason": "precipitation is not a number"}
    ]


def test_predictions_keep_statistics_for_filtered_columns_and_no_dictionaries(
    log: PredictionLog,
) -> None:
    with log.writer("rain_tomorrow", DAY) as writer:
        writer.write(classified(range(1000)))
        writer.write(classified(range(1000, 2000)))
        writer.reject([(str(key), "{}", "x: missing value") for key in range(3)])
    predictions = pq.ParquetFile(log.path("rain_tomorrow", DAY)).metadata
    rejects = pq.ParquetFile(writer.result.path.with_name("_rejects.parquet")).metadata
    dictionary, statistics = set(), set()
    for metadata in (predictions, rejects):
        for group in range(metadata.num_row_groups):
            for index in range(metadata.num_columns):
                column = metadata.row_group(group).column(index)
                if "RLE_DICTIONARY" in column.encodings:
                    dictionary.add(column.path_in_schema)
                if metadata is predictions and column.is_stats_set:
                    statistics.add(column.path_in_schema)
    assert dictionary == {"reason"}
    assert {"prediction_id", "key", "time", "model", "version", "role", "scored_at"} <= statistics
    assert not {"label", "scores.list.element", "classes.list.element"} & statistics
    # Ids grow with time, so each row group's range tells a read by id which group to open.
    first, second = (predictions.row_group(g).column(0).statistics for g in (0, 1))
    assert first.max < second.min


def test_a_regressor_fills_value_and_leaves_the_class_columns_null(log: PredictionLog) -> None:
    batch = prediction_batch(
        model="demand",
        version=1,
        role="champion",
        keys=["a", "b"],
        times=[datetime(2024, 5, 1, 9), datetime(2024, 5, 1, 10)],
        scored_at=SCORED_AT,
        values=np.array([3.5, 4.25]),
    )
    with log.writer("demand", DAY) as writer:
        writer.write(batch)
    table = log.read("demand", columns=["key", "time", "label", "value", "scores", "classes"])
    assert table.to_pylist() == [
        {
            "key": "a",
            "time": datetime(2024, 5, 1, 9, tzinfo=timezone.utc),
            "label": None,
            "value": 3.5,
            "scores": None,
            "classes": None,
        },
        {
            "key": "b",
            "time": datetime(2024, 5, 1, 10, tzinfo=timezone.utc),
            "label": None,
            "value": 4.25,
            "scores": None,
            "classes": None,
        },
    ]


@settings(max_examples=25, deadline=None)
@given(
    keys=st.lists(st.text(max_size=12), min_size=1, max_size=20),
    label=st.sampled_from(["yes", "no", "peut-être", "雨"]),
)
def test_any_keys_and_labels_round_trip(keys: list[str], label: str) -> None:
    batch = prediction_batch(
        model="m",
        version=1,
        role="champion",
        keys=keys,
        times=[DAY] * len(keys),
        scored_at=SCORED_AT,
        labels=[label] * len(keys),
    )
    with tempfile.TemporaryDirectory() as folder:
        log = PredictionLog(folder)
        with log.writer("m", DAY) as writer:
            writer.write(batch)
        table = log.read("m", columns=["prediction_id", "key", "label"])
    assert table.column("key").to_pylist() == keys
    assert table.column("label").to_pylist() == [label] * len(keys)


def test_running_a_day_again_replaces_it(log: PredictionLog) -> None:
    with log.writer("rain_tomorrow", DAY) as writer:
        writer.write(classified(range(3)))
        writer.reject([(None, "{}", "no key")])
    with log.writer("rain_tomorrow", DAY) as writer:
        writer.write(classified(range(2), seed=5))

    assert writer.result.rows == 2 and writer.result.rejects == 0
    assert log.read("rain_tomorrow", columns=["key"]).column("key").to_pylist() == ["0", "1"]
    assert log.rejects("rain_tomorrow", DAY).num_rows == 0
    folder = log.path("rain_tomorrow", DAY).parent
    assert visible_files(folder) == {"predictions.parquet", "_rejects.parquet"}


def test_an_error_mid_write_keeps_the_previous_day(log: PredictionLog) -> None:
    with log.writer("rain_tomorrow", DAY) as writer:
        writer.write(classified(range(3)))
    before = rows(log.read("rain_tomorrow"))

    with (
        pytest.raises(RuntimeError, match="scoring failed"),
        log.writer("rain_tomorrow", DAY) as writer,
    ):
        writer.write(classified(range(10), seed=9))
        raise RuntimeError("scoring failed")

    assert rows(log.read("rain_tomorrow")) == before
    folder = log.path("rain_tomorrow", DAY).parent
    assert visible_files(folder) == {"predictions.parquet", "_rejects.parquet"}
    with pytest.raises(RuntimeError, match="not committed"):
        _ = writer.result


def test_a_nonconforming_batch_writes_nothing(log: PredictionLog) -> None:
    with log.writer("rain_tomorrow", DAY) as writer:
        writer.write(classified(range(3)))
        with pytest.raises(SchemaError, match="another model"):
            writer.write(classified(range(3), model="fraud"))
    assert writer.result.rows == 3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda b: b.drop_columns(["role"]), "lacks \\['role'\\]"),
        (lambda b: b.append_column("extra", pa.array([1, 2])), "extra \\['extra'\\]"),
        (lambda b: b.set_column(1, "key", pa.array(["a", None])), "'key' .* 1 null"),
        (lambda b: b.set_column(5, "role", pa.array(["champion", "boss"])), "roles other than"),
        (lambda b: b.set_column(4, "version", pa.array(["x", "y"])), "'version' .* type string"),
        (
            lambda b: b.set_column(6, "label", pa.nulls(2, pa.string())),
            "neither a label nor a value",
        ),
        (
            lambda b: b.set_column(9, "classes", pa.array([["0"], ["0"]])),
            "scores and classes differ",
        ),
    ],
)
def test_a_bad_batch_is_refused_with_the_column_named(
    log: PredictionLog, change: object, message: str
) -> None:
    batch = pa.Table.from_batches([classified(range(2))])
    assert callable(change)
    with log.writer("rain_tomorrow", DAY) as writer, pytest.raises(SchemaError, match=message):
        writer.write(change(batch))
    assert writer.result.rows == 0
    assert log.read("rain_tomorrow").num_rows == 0


def test_a_crashed_writer_leaves_only_an_ignored_temp_file_that_the_next_write_removes(
    log: PredictionLog,
) -> None:
    with log.writer("rain_tomorrow", DAY) as writer:
        writer.write(classified(range(3)))
    crash = textwrap.dedent(
        f"""
        import os, signal
        from tests.prediction.conftest import DAY, classified
        from paraguas.prediction import PredictionLog

        with PredictionLog({str(log.root)!r}).writer("rain_tomorrow", DAY) as writer:
            writer.write(classified(range(50), seed=3))
            os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    process = subprocess.run(
        [sys.executable, "-c", crash], cwd=Path(__file__).parents[2], check=False
    )
    assert process.returncode == -signal.SIGKILL

    folder = log.path("rain_tomorrow", DAY).parent
    leftovers = [name for name in visible_files(folder) if name.endswith(".tmp")]
    assert leftovers and all(name.startswith(".") for name in leftovers)
    assert log.read("rain_tomorrow").num_rows == 3
    assert ds.dataset(log.root, partitioning="hive").count_rows() == 3

    with log.writer("rain_tomorrow", DAY) as writer:
        writer.write(classified(range(4)))
    assert visible_files(folder) == {"predictions.parquet", "_rejects.parquet"}
    assert log.read("rain_tomorrow").num_rows == 4


def test_a_crash_between_the_two_renames_is_detected_by_rejects(
    log: PredictionLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    with log.writer("rain_tomorrow", DAY) as writer:
        writer.write(classified(range(3)))
    real_replace = os.replace

    def replace_but_not_predictions(source: Path, target: Path) -> None:
        if Path(target).name == "predictions.parquet":
            raise OSError("disk full")
        real_replace(source, target)

    monkeypatch.setattr(log_module.os, "replace", replace_but_not_predictions)
    with pytest.raises(StoreError, match="disk full"), log.writer("rain_tomorrow", DAY) as writer:
        writer.write(classified(range(8)))
        writer.reject([("9", "{}", "bad")])

    assert log.read("rain_tomorrow").num_rows == 3
    with pytest.raises(DataError, match="Run the day again"):
        log.rejects("rain_tomorrow", DAY)


def test_only_the_days_in_range_are_opened(log: PredictionLog) -> None:
    days = [DAY + timedelta(days=offset) for offset in range(5)]
    for offset, day in enumerate(days):
        with log.writer("rain_tomorrow", day) as writer:
            writer.write(classified(range(offset + 1), day=day))
    log.path("rain_tomorrow", days[0]).write_bytes(b"not parquet")  # opening it would fail

    table = log.read("rain_tomorrow", start=days[1], end=days[3], columns=["key", "date"])
    assert sorted(set(table.column("date").to_pylist())) == days[1:4]
    assert table.num_rows == 2 + 3 + 4
    assert log.read("rain_tomorrow", start=days[4]).num_rows == 5
    assert log.read("rain_tomorrow", end=days[0] - timedelta(days=1)).num_rows == 0
    with pytest.raises(pa.ArrowInvalid):
        log.read("rain_tomorrow")


def test_the_whole_log_reads_as_one_hive_dataset(log: PredictionLog) -> None:
    for model in ("rain_tomorrow", "fraud"):
        for day in (DAY, DAY + timedelta(days=1)):
            with log.writer(model, day) as writer:
                writer.write(classified(range(2), model=model, day=day))
                writer.reject([(None, "{}", "ignored by dataset readers")])
    dataset = ds.dataset(
        log.root,
        partitioning=ds.partitioning(
            pa.schema([("model", pa.string()), ("date", pa.date32())]), flavor="hive"
        ),
    )
    chosen = dataset.to_table(
        columns=["model", "key"],
        filter=(ds.field("model") == "fraud") & (ds.field("date") == DAY),
    )
    assert chosen.to_pylist() == [{"model": "fraud", "key": "0"}, {"model": "fraud", "key": "1"}]
    assert dataset.count_rows() == 8


def test_batches_stream_and_filters_are_pushed_down(log: PredictionLog) -> None:
    with log.writer("rain_tomorrow", DAY) as writer:
        writer.write(classified(range(100), role="champion"))
        writer.write(classified(range(100), role="challenger", version=2))
    batches = list(
        log.batches("rain_tomorrow", columns=["version"], filter=pc.field("role") == "challenger")
    )
    assert all(isinstance(batch, pa.RecordBatch) for batch in batches)
    assert sum(batch.num_rows for batch in batches) == 100
    assert {v for batch in batches for v in batch.column("version").to_pylist()} == {2}


def test_days_lists_committed_days_only(log: PredictionLog) -> None:
    assert log.days("rain_tomorrow") == []
    with log.writer("rain_tomorrow", DAY) as writer:
        writer.write(classified(range(1)))
    model_folder = log.path("rain_tomorrow", DAY).parents[1]
    (model_folder / "date=2024-05-09").mkdir()  # a crashed first run: nothing committed
    (model_folder / "notes").mkdir()
    (model_folder / "date=someday").mkdir()
    assert log.days("rain_tomorrow") == [DAY]
    assert log.read("rain_tomorrow").num_rows == 1


def test_an_empty_day_is_a_committed_day(log: PredictionLog) -> None:
    with log.writer("rain_tomorrow", DAY) as writer:
        pass
    assert writer.result.rows == 0 and log.days("rain_tomorrow") == [DAY]
    assert log.read("rain_tomorrow").num_rows == 0


def test_names_and_days_are_checked_before_any_path_is_built(log: PredictionLog) -> None:
    with pytest.raises(InvalidNameError):
        log.writer("../etc", DAY)
    with pytest.raises(InvalidNameError):
        log.read("Rain Tomorrow")
    with pytest.raises(TypeError, match=r"datetime\.date"):
        log.writer("rain_tomorrow", datetime(2024, 5, 1))
    assert not log.root.exists()


def test_a_writer_is_used_as_a_context_manager(log: PredictionLog) -> None:
    writer = log.writer("rain_tomorrow", DAY)
    with pytest.raises(RuntimeError, match=r"with log\.writer"):
        writer.write(classified(range(1)))
