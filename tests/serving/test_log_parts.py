"""Parts of a day in the prediction log (``PredictionLog.append``), which the service writes
beside batch runs: they never clobber a batch file nor each other, and every reader sees them.

(These test ``paraguas.prediction.log``; they live here while the service is their only writer.)
"""

from __future__ import annotations

import os
import threading
import time
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from paraguas.errors import SchemaError
from paraguas.prediction import PredictionLog
from paraguas.serving.recorder import Recorder
from tests.prediction.conftest import DAY, classified

MODEL = "rain_tomorrow"


@pytest.fixture
def log(tmp_path: Path) -> PredictionLog:
    return PredictionLog(tmp_path / "predictions")


def ids(table: pa.Table) -> set[str]:
    return set(table["prediction_id"].to_pylist())


def test_parts_and_a_batch_run_make_the_day_and_a_rerun_keeps_the_parts(
    log: PredictionLog,
) -> None:
    first = classified(range(3), seed=1)
    second = classified(range(3, 5), role="challenger", version=2, seed=2)
    path = log.append(MODEL, DAY, first)
    assert path.parent == log.path(MODEL, DAY).parent and path.name.startswith("online-")
    assert log.days(MODEL) == [DAY]  # a day with parts only is a day
    assert log.rejects(MODEL, DAY).num_rows == 0
    log.append(MODEL, DAY, second)
    batch = classified(range(10, 15), seed=3)
    for _ in range(2):  # a batch run of the day, and a rerun that replaces it
        with log.writer(MODEL, DAY) as writer:
            writer.write(batch)
    table = log.read(MODEL)
    assert table.num_rows == 10
    assert ids(table) == ids(pa.Table.from_batches([first, second, batch]))
    every = ds.dataset(str(log.root), format="parquet", partitioning="hive").to_table()
    assert every.num_rows == 10  # readers of the whole folder see the parts too


def test_days_and_ranges_see_parts(log: PredictionLog) -> None:
    other = date(2024, 5, 3)
    log.append(MODEL, DAY, classified(range(2)))
    log.append(MODEL, other, classified(range(4), day=other))
    assert log.days(MODEL) == [DAY, other]
    assert log.read(MODEL, start=other).num_rows == 4
    assert log.read(MODEL, end=DAY, columns=["date"])["date"].to_pylist() == [DAY, DAY]


def test_a_nonconforming_part_writes_nothing(log: PredictionLog) -> None:
    with pytest.raises(SchemaError, match="another model"):
        log.append("other_model", DAY, classified(range(2)))
    assert log.days("other_model") == []
    assert not (log.root / "model=other_model").exists()


def test_concurrent_appends_and_a_batch_writer_never_lose_rows(log: PredictionLog) -> None:
    written = [classified(range(i * 10, i * 10 + 10), seed=i) for i in range(8)]
    threads = [threading.Thread(target=log.append, args=(MODEL, DAY, b)) for b in written]
    with log.writer(MODEL, DAY) as writer:  # opening it removes crash leftovers of the day
        for thread in threads:
            thread.start()
        writer.write(classified(range(100, 105)))
        for thread in threads:
            thread.join()
    assert log.read(MODEL).num_rows == 85
    assert [p.name for p in log.path(MODEL, DAY).parent.glob(".*")] == []


def test_the_recorder_flushes_by_size_and_on_close(log: PredictionLog) -> None:
    recorder = Recorder(log, max_rows=5, interval=3600)
    recorder.start()
    recorder.add(MODEL, DAY, classified(range(3)))
    assert recorder.pending == 3
    recorder.add(MODEL, DAY, classified(range(3, 6)))  # 6 >= 5: the thread writes them now
    done = threading.Event()
    for _ in range(1000):
        if recorder.written == 6:
            done.set()
            break
        done.wait(0.01)
    assert done.is_set() and recorder.pending == 0
    recorder.add(MODEL, DAY, classified(range(6, 8)))
    recorder.close()
    assert recorder.written == 8 and log.read(MODEL).num_rows == 8


def test_the_recorder_flushes_by_time(log: PredictionLog) -> None:
    recorder = Recorder(log, max_rows=1000, interval=0.02)
    recorder.start()
    try:
        recorder.add(MODEL, DAY, classified(range(2)))
        done = threading.Event()
        for _ in range(1000):
            if recorder.written == 2:
                done.set()
                break
            done.wait(0.01)
        assert done.is_set()
    finally:
        recorder.close()


def test_a_failed_write_is_kept_for_the_next_flush(tmp_path: Path) -> None:
    blocker = tmp_path / "predictions"
    blocker.write_text("a file where the log's folder should be")
    log = PredictionLog(blocker)
    recorder = Recorder(log, max_rows=1000, interval=3600)
    recorder.add(MODEL, DAY, classified(range(2)))
    assert recorder.flush() == 0 and recorder.pending == 2
    blocker.unlink()
    assert recorder.flush() == 2 and log.read(MODEL).num_rows == 2


def test_half_written_parts_left_by_a_crash_are_swept_when_old(log: PredictionLog) -> None:
    log.append(MODEL, DAY, classified(range(3)))
    folder = log.path(MODEL, DAY).parent
    old, fresh = folder / ".online-0001.parquet.partial", folder / ".online-0002.parquet.partial"
    for path in (old, fresh):
        path.write_bytes(b"PAR1 cut short by a kill -9")
    hours_ago = time.time() - 2 * 3600
    os.utime(old, (hours_ago, hours_ago))
    assert log.read(MODEL).num_rows == 3  # readers never see either
    recorder = Recorder(log, interval=3600)
    recorder.start()  # sweeps in a thread of its own, which close waits for
    recorder.close()
    assert not old.exists() and fresh.exists()  # the fresh one may be an append in progress
    assert log.sweep(older_than=0) == [fresh]
    assert log.read(MODEL).num_rows == 3
