"""Batch scoring of a day, end to end: the spec's data, the registry's champion and challenger,
the prediction log and its rejects."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

import paraguas as pg
from paraguas.errors import AliasError, RegistryError, SchemaError
from paraguas.prediction import PredictionLog
from paraguas.prediction.batch import _frame, predict_day, source_for
from paraguas.registry import Registry
from paraguas.training import train
from tests.conftest import START, weather_table

DAY = START + timedelta(days=350)


class Fussy(ClassifierMixin, BaseEstimator):
    """Wraps a classifier but refuses rows with humidity above a limit, or every row."""

    def __init__(self, inner: Any = None, limit: float = 99.0) -> None:
        self.inner = inner
        self.limit = limit

    def fit(self, X: Any, y: Any) -> Fussy:
        self.inner_ = LogisticRegression(max_iter=500).fit(X, y)
        self.classes_ = self.inner_.classes_
        return self

    def predict_proba(self, X: Any) -> Any:
        if (X["humidity"] > self.limit).any():
            raise ValueError(f"humidity above {self.limit}")
        return self.inner_.predict_proba(X)

    def predict(self, X: Any) -> Any:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


@pytest.fixture
def spec(spec_fields: dict[str, Any]) -> pg.ModelSpec:
    return pg.ModelSpec(**{**spec_fields, "split": pg.Split("60d")})


@pytest.fixture
def log(tmp_path: Path) -> PredictionLog:
    return PredictionLog(tmp_path / "predictions")


@pytest.fixture
def trained(spec: pg.ModelSpec, registry: Registry) -> pg.ModelSpec:
    assert train(spec, registry, as_of=START + timedelta(days=300)).promoted
    return spec


def test_a_day_is_scored_exactly_as_the_model_would(
    trained: pg.ModelSpec, registry: Registry, log: PredictionLog, weather_file: Path
) -> None:
    run = predict_day(trained, registry, log, day=DAY)
    assert (run.rows, run.rejected, run.champion, run.challenger) == (1, 0, 1, None)
    logged = log.read("rain_tomorrow", start=DAY, end=DAY)
    assert logged["key"].to_pylist() == [DAY.isoformat()]
    assert logged["role"].to_pylist() == ["champion"] and logged["version"].to_pylist() == [1]
    source = pq.read_table(weather_file)
    row = source.filter(pc.equal(source["date"], pa.scalar(DAY))).select(
        ["humidity", "pressure", "wind"]
    )
    expected = registry.load("rain_tomorrow").predict_proba(row.to_pandas())
    assert logged["scores"].to_pylist()[0] == expected[0].tolist()  # to the last bit


def test_the_challenger_scores_the_same_rows_in_shadow(
    trained: pg.ModelSpec, registry: Registry, log: PredictionLog, tmp_path: Path
) -> None:
    second = train(trained, registry, as_of=START + timedelta(days=320))
    registry.set_challenger("rain_tomorrow", second.version.version, reason="shadow")
    days = pa.table({"date": pa.array([DAY] * 3, pa.date32())})
    inputs = weather_table(3, seed=5).drop_columns(["date"]).append_column("date", days["date"])
    inputs = inputs.set_column(
        inputs.column_names.index("humidity"), "humidity", pa.array([30.0, 60.0, 90.0])
    )
    inputs = inputs.append_column("id", pa.array(["a", "b", "c"]))
    path = tmp_path / "day.parquet"
    pq.write_table(inputs, path)
    keyed = pg.ModelSpec(**{**_fields(trained), "key": "id"})
    run = predict_day(keyed, registry, log, day=DAY, source=source_for(path))
    assert (run.rows, run.challenger) == (3, 2)
    logged = log.read("rain_tomorrow", start=DAY, end=DAY)
    by_role = {
        role: logged.filter(pc.equal(logged["role"], role))["key"].to_pylist()
        for role in ("champion", "challenger")
    }
    assert by_role == {"champion": ["a", "b", "c"], "challenger": ["a", "b", "c"]}
    assert set(logged["version"].to_pylist()) == {1, 2}


def test_running_a_day_again_replaces_it(
    trained: pg.ModelSpec, registry: Registry, log: PredictionLog
) -> None:
    first = predict_day(trained, registry, log, day=DAY)
    second = predict_day(trained, registry, log, day=DAY)
    assert first.rows == second.rows == 1
    assert log.read("rain_tomorrow").num_rows == 1


def test_bad_rows_are_rejected_with_reasons_and_the_rest_scored(
    trained: pg.ModelSpec, registry: Registry, log: PredictionLog, tmp_path: Path
) -> None:
    path = tmp_path / "day.csv"
    path.write_text(
        "id,date,humidity,pressure,wind\n"
        f"a,{DAY},55.0,1010.0,3.0\n"
        f"b,{DAY},abc,1010.0,3.0\n"
        f"c,{DAY},40.0,,2.0\n"
        f"d,{DAY},45.0,1012.0,inf\n"
        f"e,{DAY + timedelta(days=1)},45.0,1012.0,1.0\n"
    )
    keyed = pg.ModelSpec(**{**_fields(trained), "key": "id"})
    run = predict_day(keyed, registry, log, day=DAY, source=source_for(path))
    assert (run.rows, run.rejected) == (1, 3)  # e is another day's row: not read at all
    rejects = log.rejects("rain_tomorrow", DAY)
    reasons = dict(zip(rejects["key"].to_pylist(), rejects["reason"].to_pylist(), strict=True))
    assert set(reasons) == {"b", "c", "d"}
    assert "humidity" in reasons["b"] and "abc" in reasons["b"]
    assert "pressure" in reasons["c"] and "missing" in reasons["c"]
    assert "wind" in reasons["d"] and "finite" in reasons["d"]
    assert log.read("rain_tomorrow")["key"].to_pylist() == ["a"]


def test_rows_the_champion_cannot_score_are_rejected_not_fatal(
    spec: pg.ModelSpec, registry: Registry, log: PredictionLog, tmp_path: Path
) -> None:
    table = weather_table(300)
    model = Fussy(limit=80.0).fit(
        table.select(["humidity", "pressure", "wind"]).to_pandas(), table["rain_tomorrow"]
    )
    registry.register("rain_tomorrow", model, format="joblib")  # by hand: no input schema
    registry.promote("rain_tomorrow", 1, reason="test")
    fussy = pg.ModelSpec(**{**_fields(spec), "key": "id"})
    path = tmp_path / "day.csv"
    path.write_text(
        "id,date,humidity,pressure,wind\n"
        f"a,{DAY},55.0,1010.0,3.0\nb,{DAY},95.0,1010.0,3.0\nc,{DAY},60.0,1005.0,2.0\n"
    )
    run = predict_day(fussy, registry, log, day=DAY, source=source_for(path))
    assert (run.rows, run.rejected) == (2, 1)
    assert run.reasons == {"model error": 1}
    reason = log.rejects("rain_tomorrow", DAY)["reason"].to_pylist()[0]
    assert "humidity above 80.0" in reason
    assert log.read("rain_tomorrow")["key"].to_pylist() == ["a", "c"]


def test_a_failing_challenger_never_touches_the_champion(
    trained: pg.ModelSpec, registry: Registry, log: PredictionLog, training_data: Any
) -> None:
    import pandas as pd

    frame = pd.DataFrame({"humidity": [200.0, 10.0], "pressure": [1.0, 2.0], "wind": [1.0, 1.0]})
    broken = Fussy(limit=-1.0).fit(frame, [0, 1])
    version = registry.register("rain_tomorrow", broken, format="joblib")
    registry.set_challenger("rain_tomorrow", version.version, reason="will fail")
    run = predict_day(trained, registry, log, day=DAY)
    assert (run.rows, run.rejected, run.challenger_failed) == (1, 0, 1)
    assert log.read("rain_tomorrow")["role"].to_pylist() == ["champion"]


def test_no_champion_says_how_to_get_one(
    spec: pg.ModelSpec, registry: Registry, log: PredictionLog
) -> None:
    with pytest.raises(AliasError, match="paraguas train rain_tomorrow"):
        predict_day(spec, registry, log, day=DAY)


def test_a_model_that_cannot_load_stops_the_reading_and_writes_nothing(
    trained: pg.ModelSpec, registry: Registry, log: PredictionLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(version: Any) -> Any:
        raise RegistryError(f"version {version.version} cannot be loaded")

    monkeypatch.setattr(registry, "load_version", broken)
    with pytest.raises(RegistryError, match="cannot be loaded"):
        predict_day(trained, registry, log, day=DAY)
    assert log.days("rain_tomorrow") == []
    assert "paraguas-read" not in {thread.name for thread in threading.enumerate()}


def test_a_missing_feature_column_fails_the_run_and_writes_nothing(
    trained: pg.ModelSpec, registry: Registry, log: PredictionLog, tmp_path: Path
) -> None:
    path = tmp_path / "day.csv"
    path.write_text(f"date,humidity,pressure,wnd\n{DAY},55.0,1010.0,3.0\n")
    with pytest.raises(SchemaError, match="wind"):
        predict_day(trained, registry, log, day=DAY, source=source_for(path))
    assert log.days("rain_tomorrow") == []


def _day_file(tmp_path: Path, rows: int) -> Path:
    path = tmp_path / "day.csv"
    lines = "".join(f"{DAY},{40 + i}.0,{1000 + i}.0,3.0\n" for i in range(rows))
    path.write_text("date,humidity,pressure,wind\n" + lines)
    return path


def test_reading_scoring_and_logging_each_run_in_their_own_threads(
    trained: pg.ModelSpec,
    registry: Registry,
    log: PredictionLog,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import paraguas.prediction.batch as batch_module
    from paraguas.data import InputSchema
    from paraguas.prediction.threads import openmp_threads

    threads: dict[str, set[str]] = {"validate": set(), "score": set(), "log": set()}
    openmp: set[int] = set()

    def recorded(step: str, call: Any) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            threads[step].add(threading.current_thread().name.rstrip("0123456789"))
            if step == "score":
                openmp.add(openmp_threads())
            return call(*args, **kwargs)

        return run

    monkeypatch.setattr(InputSchema, "validate", recorded("validate", InputSchema.validate))
    monkeypatch.setattr(batch_module, "_output", recorded("score", batch_module._output))
    monkeypatch.setattr(
        batch_module, "prediction_batch", recorded("log", batch_module.prediction_batch)
    )
    before = openmp_threads()
    source = source_for(_day_file(tmp_path, 5))
    run = predict_day(trained, registry, log, day=DAY, source=source, batch_size=2)
    assert (run.rows, run.rejected) == (5, 0)
    assert threads == {
        "validate": {"paraguas-read"},
        "score": {"paraguas-score_"},
        "log": {"paraguas-write"},
    }
    # Each scorer runs its OpenMP loops on its share of the cores; the caller keeps all of them.
    assert openmp == {max(1, before // batch_module.SCORERS)}
    assert openmp_threads() == before


def test_batches_scored_side_by_side_are_logged_in_order_as_one_call_would_score_them(
    trained: pg.ModelSpec, registry: Registry, log: PredictionLog, tmp_path: Path
) -> None:
    path = _day_file(tmp_path, 11)
    run = predict_day(trained, registry, log, day=DAY, source=source_for(path), batch_size=2)
    assert (run.rows, run.rejected) == (11, 0)
    logged = log.read("rain_tomorrow", start=DAY, end=DAY)
    features = pd.read_csv(path)[["humidity", "pressure", "wind"]]
    expected = registry.load("rain_tomorrow").predict_proba(features)
    assert logged["key"].to_pylist() == [DAY.isoformat()] * 11
    assert np.array_equal(np.array(logged["scores"].to_pylist()), expected)


def test_a_day_without_rows_writes_an_empty_partition(
    trained: pg.ModelSpec, registry: Registry, log: PredictionLog
) -> None:
    run = predict_day(trained, registry, log, day=date(2030, 1, 1))
    assert (run.rows, run.rejected) == (0, 0)
    assert log.read("rain_tomorrow").num_rows == 0


def _fields(spec: pg.ModelSpec) -> dict[str, Any]:
    import dataclasses

    return {f.name: getattr(spec, f.name) for f in dataclasses.fields(spec)}


def test_scores_are_probabilities(
    trained: pg.ModelSpec, registry: Registry, log: PredictionLog
) -> None:
    for offset in range(5):
        predict_day(trained, registry, log, day=DAY + timedelta(days=offset))
    scores = np.array(log.read("rain_tomorrow")["scores"].to_pylist())
    assert scores.shape == (5, 2) and np.allclose(scores.sum(axis=1), 1.0)


@pytest.mark.parametrize(
    "batch",
    [
        pa.record_batch({"a": [1.5, None, float("nan")], "b": [4.0, -0.0, float("inf")]}),
        pa.record_batch({"a": [1.5, 2.5], "n": pa.array([1, None], pa.int64())}),
        pa.record_batch({"a": [1.5, 2.5], "f": pa.array([1.0, 2.0], pa.float32())}),
        pa.record_batch({"a": [1.5, 2.5], "city": ["Lima", "Quito"]}),
        pa.RecordBatch.from_pandas(  # the index lives in the metadata only
            pd.DataFrame({"a": [1.5, 2.5]}, index=pd.RangeIndex(5, 7, name="row"))
        ),
        pa.record_batch({"a": pa.array([], pa.float64())}),
    ],
    ids=["floats", "with-ints", "with-float32", "with-strings", "pandas-metadata", "empty"],
)
def test_features_reach_the_model_as_to_pandas_gives_them(batch: pa.RecordBatch) -> None:
    pd.testing.assert_frame_equal(_frame(batch), batch.to_pandas(), check_exact=True)


def test_float_features_reach_the_model_row_by_row() -> None:
    batch = pa.record_batch({"a": [1.0, 2.0, 3.0], "b": [4.0, 5.0, 6.0]})
    matrix = _frame(batch).to_numpy()
    assert matrix.flags.c_contiguous
    assert matrix.tolist() == [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]


def test_float_features_of_many_row_blocks_keep_every_value_in_its_place() -> None:
    from paraguas.prediction.batch import _BLOCK_ROWS

    rows = 2 * _BLOCK_ROWS + 3  # two whole blocks of rows and a part of one
    values = np.random.default_rng(0).normal(size=(rows, 3))
    columns = [pa.array(values[:, index]) for index in range(3)]
    columns[1] = pa.array(np.where(np.arange(rows) % 7 == 0, None, values[:, 1]), pa.float64())
    batch = pa.RecordBatch.from_arrays(columns, names=["a", "b", "c"])
    frame = _frame(batch)
    pd.testing.assert_frame_equal(frame, batch.to_pandas(), check_exact=True)
    assert frame.to_numpy().flags.c_contiguous


def test_small_batches_score_on_one_thread_and_large_ones_are_left_alone() -> None:
    from threadpoolctl import threadpool_info

    from paraguas.prediction.threads import FEW_ROWS, few_threads

    def openmp_threads() -> set[int]:
        return {p["num_threads"] for p in threadpool_info() if p["user_api"] == "openmp"}

    import sklearn.ensemble  # noqa: F401  (loads scikit-learn's OpenMP runtime)

    before = openmp_threads()
    with few_threads(FEW_ROWS - 1):
        assert openmp_threads() == {1}
    with few_threads(FEW_ROWS):
        assert openmp_threads() == before
    assert openmp_threads() == before
