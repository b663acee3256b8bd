"""The monitoring flow end to end: train, score days, record actuals, monitor, read it back."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from sklearn import metrics as skm

import paraguas as pg
from paraguas.errors import AliasError
from paraguas.monitoring.estimation import MULTICLASS_ESTIMATED_METRICS
from paraguas.monitoring.flow import Monitor, monitor_day
from paraguas.monitoring.results import Check, Report
from paraguas.prediction.batch import predict_day
from paraguas.training import train
from tests.conftest import START, weather_table

TRAINED = START + timedelta(days=299)  # the model knows days 0-299
DAY = START + timedelta(days=329)  # the run's day: a 7-day window of days 323-329
NOW = datetime(2030, 1, 1, tzinfo=timezone.utc)
ARRIVED = datetime(DAY.year, DAY.month, DAY.day, 6, tzinfo=timezone.utc)  # the run day's morning


def shifted(path: Path, column: str, by: float) -> Path:
    """The weather data with ``column`` moved by ``by`` after the training period."""
    table = weather_table()
    after = pc.greater(table["date"], pa.scalar(TRAINED, pa.date32()))
    moved = pc.if_else(after, pc.add(table[column], by), table[column])
    out = path / f"weather-{column}-{by}.parquet"
    pq.write_table(table.set_column(table.column_names.index(column), column, moved), out)
    return out


def scored(
    spec: pg.ModelSpec, where: Monitor, *, first: int = 300, last: int = 329, arrived=ARRIVED
) -> None:
    """Train as of day 299, score days ``first``..``last``, record their actuals."""
    train(spec, where.registry, as_of=TRAINED)
    for offset in range(first, last + 1):
        predict_day(spec, where.registry, where.predictions, day=START + timedelta(days=offset))
    truth = weather_table().select(["date", "rain_tomorrow"])
    where.actuals.record(
        spec.name, truth, key="date", time="date", target="rain_tomorrow", arrived_at=arrived
    )


def by_subject(report: Report, kind: str) -> dict[str, Check]:
    return {c.subject: c for c in report.checks if c.kind == kind}


def test_a_quiet_window_is_stored_judged_and_audited(
    spec_fields: dict[str, Any], where: Monitor
) -> None:
    spec = pg.ModelSpec(**spec_fields)
    scored(spec, where)
    report = monitor_day(spec, where, day=DAY, now=NOW)
    assert (report.day, report.window_days, report.mode, report.champion) == (DAY, 7, "paraguas", 1)
    assert report.rows == 7
    drift = by_subject(report, "drift")
    assert set(drift) == {"humidity", "pressure", "wind"}
    assert all(c.status != "error" and c.value is not None for c in drift.values())
    assert by_subject(report, "dataset_drift")["dataset"].status == "ok"
    assert {c.subject for c in report.checks if c.kind == "quality"} >= {"humidity", "wind"}
    assert by_subject(report, "volume")  # a row a day, as before
    assert by_subject(report, "prediction_drift")
    assert report.histograms and {h.column for h in report.histograms} == set(spec.features)

    # stored: the same checks read back; running the day again replaces, never duplicates
    with where.metadata.transaction(write=False) as tx:
        stored = tx.monitoring.results(spec.name, window_days=7)
    assert len(stored) == len(report.checks)
    assert {(r.kind, r.subject) for r in stored} == {(c.kind, c.subject) for c in report.checks}
    monitor_day(spec, where, day=DAY, now=NOW)
    with where.metadata.transaction(write=False) as tx:
        assert len(tx.monitoring.results(spec.name, window_days=7)) == len(report.checks)
    events = [
        e for e in where.audit.events(subject="model:rain_tomorrow") if e.action == "monitored"
    ]
    assert len(events) == 2 and events[-1].payload["replaced"] == len(report.checks)


def test_performance_is_scikit_learns_on_mature_labelled_predictions(
    spec_fields: dict[str, Any], where: Monitor
) -> None:
    spec = pg.ModelSpec(**spec_fields, monitoring=pg.Monitoring(label_delay="3d"))
    scored(spec, where)
    report = monitor_day(spec, where, day=DAY, now=NOW)
    performance = {c.subject: c for c in report.checks if c.kind == "performance"}
    # mature: predictions of days 320-326 (the window moved back by the 3-day label delay)
    assert performance["label_coverage"].value == 1.0
    assert performance["label_coverage"].extra["mature"] == 7
    predictions = where.predictions.read(
        spec.name, start=DAY - timedelta(days=9), end=DAY - timedelta(days=3)
    )
    truth = weather_table().to_pandas().set_index("date")["rain_tomorrow"]
    days = [date.fromisoformat(k) for k in predictions["key"].to_pylist()]
    labels = truth.loc[days].to_numpy()
    rain = np.array([s[1] for s in predictions["scores"].to_pylist()])
    assert performance["accuracy"].value == pytest.approx(skm.accuracy_score(labels, rain >= 0.5))
    assert performance["f1"].extra["holdout"] == pytest.approx(
        where.registry.version(spec.name, 1).metrics["f1"]
    )
    # label-free estimates ride along for the binary classifier (calibrated at training)
    estimates = {c.subject for c in report.checks if c.kind == "estimate"}
    assert {"accuracy", "roc_auc"} <= estimates


def test_actuals_that_arrived_after_the_day_are_not_known_to_its_run(
    spec_fields: dict[str, Any], where: Monitor
) -> None:
    spec = pg.ModelSpec(**spec_fields)
    scored(spec, where, arrived=ARRIVED + timedelta(days=1))
    before = by_subject(monitor_day(spec, where, day=DAY, now=NOW), "performance")
    assert before["label_coverage"].value == 0.0 and "f1" not in before
    after = by_subject(
        monitor_day(spec, where, day=DAY + timedelta(days=1), now=NOW), "performance"
    )
    coverage = after["label_coverage"]
    assert coverage.value == 1.0 and coverage.extra["mature"] == 6  # day 330 was never scored


def test_drift_in_an_important_feature_drifts_the_dataset(
    spec_fields: dict[str, Any], where: Monitor, tmp_path: Path
) -> None:
    spec = pg.ModelSpec(**{**spec_fields, "data": pg.Parquet(shifted(tmp_path, "humidity", 40.0))})
    scored(spec, where)
    report = monitor_day(spec, where, day=DAY, window_days=30, now=NOW)
    drift = by_subject(report, "drift")
    assert drift["humidity"].status == "alert"
    assert drift["wind"].status != "alert"
    assert by_subject(report, "dataset_drift")["dataset"].status == "alert"
    assert report.importance["humidity"] > report.importance["wind"]


def test_drift_in_a_feature_the_model_ignores_does_not_drift_the_dataset(
    spec_fields: dict[str, Any], where: Monitor, tmp_path: Path
) -> None:
    spec = pg.ModelSpec(**{**spec_fields, "data": pg.Parquet(shifted(tmp_path, "wind", 25.0))})
    scored(spec, where)
    report = monitor_day(spec, where, day=DAY, window_days=30, now=NOW)
    assert by_subject(report, "drift")["wind"].status == "alert"
    dataset = by_subject(report, "dataset_drift")["dataset"]
    assert dataset.status != "alert" and dataset.value is not None and dataset.value < 0.5
    evidently = monitor_day(spec, where, day=DAY, window_days=30, mode="evidently", now=NOW)
    assert by_subject(evidently, "drift")["wind"].status == "alert"


def test_a_column_missing_from_the_inputs_is_an_error_of_its_own(
    spec_fields: dict[str, Any], where: Monitor, tmp_path: Path
) -> None:
    spec = pg.ModelSpec(**spec_fields)
    scored(spec, where)
    without = tmp_path / "no-wind.parquet"
    pq.write_table(weather_table().drop_columns(["wind"]), without)
    report = monitor_day(spec, where, day=DAY, source=pg.Parquet(without), now=NOW)
    assert by_subject(report, "drift")["wind"].status == "error"
    assert by_subject(report, "quality")["wind"].status in ("error", "alert")
    assert by_subject(report, "drift")["humidity"].status in ("ok", "warn")
    assert report.status in ("ok", "warn", "alert", "error")


def test_monitoring_needs_a_champion(
    spec_fields: dict[str, Any], where: Monitor, fitted_model: Any
) -> None:
    spec = pg.ModelSpec(**spec_fields)
    with pytest.raises(AliasError, match=r"Train it \(paraguas train rain_tomorrow\)"):
        monitor_day(spec, where, day=DAY, now=NOW)
    where.registry.register(spec.name, fitted_model)
    with pytest.raises(AliasError, match="has no champion to monitor"):
        monitor_day(spec, where, day=DAY, now=NOW)


def test_a_version_without_a_stored_reference_reports_what_it_lacks(
    spec_fields: dict[str, Any], where: Monitor, fitted_model: Any
) -> None:
    spec = replace(pg.ModelSpec(**spec_fields), features=["humidity", "pressure", "wind"])
    where.registry.register(spec.name, fitted_model)
    where.registry.promote(spec.name, 1, reason="registered by hand")
    report = monitor_day(spec, where, day=DAY, now=NOW)
    reasons = {c.subject: c.detail for c in report.checks if c.method == "reference"}
    assert "reference_profile" in reasons and "reference_sample" in reasons
    assert not by_subject(report, "dataset_drift")


def test_a_failing_check_is_an_error_and_the_run_goes_on(
    spec_fields: dict[str, Any], where: Monitor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from paraguas.monitoring import flow

    spec = pg.ModelSpec(**spec_fields, monitoring=pg.Monitoring(segments=["city"]))
    scored(spec, where, arrived=ARRIVED + timedelta(days=5))  # no label known yet: no segments

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("the domain classifier broke")

    monkeypatch.setattr(flow, "_domain", broken)
    report = monitor_day(spec, where, day=DAY, now=NOW)
    domain = [c for c in report.checks if c.kind == "domain"]
    assert [(c.status, c.detail) for c in domain] == [
        ("error", "could not be computed: ValueError: the domain classifier broke")
    ]
    assert by_subject(report, "drift") and by_subject(report, "performance")


@pytest.mark.parametrize(
    ("task", "target", "metric", "estimator"),
    [
        ("regression", "pressure", "rmse", "sklearn.linear_model.Ridge"),
        ("multiclass", "city", "accuracy", "sklearn.linear_model.LogisticRegression"),
    ],
)
def test_regressors_and_multiclass_models_are_monitored_too(
    spec_fields: dict[str, Any],
    where: Monitor,
    task: str,
    target: str,
    metric: str,
    estimator: str,
) -> None:
    from paraguas.spec import ImportedEstimator

    spec = pg.ModelSpec(
        **{
            **spec_fields,
            "task": task,
            "target": target,
            "features": ["humidity", "wind"],
            "estimator": ImportedEstimator(estimator, {}),
        }
    )
    train(spec, where.registry, as_of=TRAINED)
    for offset in range(323, 330):
        predict_day(spec, where.registry, where.predictions, day=START + timedelta(days=offset))
    where.actuals.record(
        spec.name,
        weather_table().select(["date", target]),
        key="date",
        time="date",
        target=target,
        arrived_at=ARRIVED,
    )
    report = monitor_day(spec, where, day=DAY, now=NOW)
    assert [c for c in report.checks if c.status == "error"] == []
    performance = by_subject(report, "performance")
    truth = (
        weather_table()
        .to_pandas()
        .set_index("date")
        .loc[[START + timedelta(days=o) for o in range(323, 330)], target]
    )
    predictions = where.predictions.read(spec.name).to_pandas()
    if task == "regression":
        predicted = predictions["value"].to_numpy()
        expected = float(np.sqrt(np.mean((truth.to_numpy() - predicted) ** 2)))
    else:
        expected = float(np.mean(predictions["label"].to_numpy() == truth.to_numpy()))
    assert performance[metric].value == pytest.approx(expected)
    assert by_subject(report, "prediction_drift")["(prediction)"].status != "error"
    assert by_subject(report, "target_drift")["(target)"].status != "error"
    estimates = {c.subject: c for c in report.checks if c.kind == "estimate"}
    if task == "regression":
        assert estimates == {}  # classifiers only
    else:  # calibrated per class at training, estimated from the logged probabilities
        assert tuple(estimates) == MULTICLASS_ESTIMATED_METRICS
        assert all(0 <= (c.value or 0) <= 1 and c.status == "ok" for c in estimates.values())
        confusion = np.asarray(estimates["accuracy"].extra["expected_confusion"])
        assert confusion.shape == (3, 3) and confusion.sum() == pytest.approx(len(predictions))
        assert estimates["accuracy"].value == pytest.approx(np.trace(confusion) / len(predictions))


def test_a_text_feature_drifts_when_its_words_change(where: Monitor, tmp_path: Path) -> None:
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    rng = np.random.default_rng(1)
    before = {"fraud": ["unknown charge", "card stolen"], "loan": ["mortgage rate", "repayment"]}
    after = {"fraud": ["crypto scam wallet", "phishing sms"], "loan": ["green energy loan", "bnpl"]}
    days = 600
    labels = rng.choice(["fraud", "loan"], days)
    texts = [
        f"{rng.choice((before if i < 400 else after)[label])} please help {rng.integers(100)}"
        for i, label in enumerate(labels)
    ]
    path = tmp_path / "messages.parquet"
    pq.write_table(
        pa.table(
            {
                "id": [f"m{i}" for i in range(days)],
                "day": pa.array([START + timedelta(days=i // 2) for i in range(days)], pa.date32()),
                "text": texts,
                "topic": labels,
            }
        ),
        path,
    )
    spec = pg.ModelSpec(
        name="complaints",
        task="binary",
        target="topic",
        features=["text"],
        key="id",
        time="day",
        data=pg.Parquet(path),
        estimator=lambda: make_pipeline(
            ColumnTransformer([("words", TfidfVectorizer(), "text")]), LogisticRegression()
        ),
    )
    train(spec, where.registry, as_of=START + timedelta(days=199))
    quiet = monitor_day(spec, where, day=START + timedelta(days=199), window_days=30, now=NOW)
    moved = monitor_day(spec, where, day=START + timedelta(days=259), window_days=30, now=NOW)
    (quiet_text,) = [c for c in quiet.checks if c.kind == "drift" and c.subject == "text"]
    (moved_text,) = [c for c in moved.checks if c.kind == "drift" and c.subject == "text"]
    assert quiet_text.method == moved_text.method == "domain_classifier"
    assert quiet_text.status == "ok" and moved_text.status == "alert"
    assert moved_text.value is not None and moved_text.value > 0.9


def seasonal_table(days: int = 3 * 365, seed: int = 0) -> pa.Table:
    """Three years of days whose temperature follows the seasons; rain follows humidity."""
    rng = np.random.default_rng(seed)
    dates = [date(2022, 1, 1) + timedelta(days=i) for i in range(days)]
    yearly = np.array([np.sin(2 * np.pi * d.timetuple().tm_yday / 365.25) for d in dates])
    humidity = rng.uniform(20, 100, days)
    return pa.table(
        {
            "date": pa.array(dates, pa.date32()),
            "temp": 12 + 9 * yearly + rng.normal(0, 2, days),
            "humidity": humidity,
            "rain_tomorrow": (humidity + rng.normal(0, 10, days) > 60).astype(np.int64),
        }
    )


@pytest.mark.parametrize(("reference", "status"), [("training", "alert"), ("season", "ok")])
def test_a_seasonal_reference_compares_a_month_with_the_same_month(
    where: Monitor, tmp_path: Path, reference: str, status: str
) -> None:
    from sklearn.linear_model import LogisticRegression

    path = tmp_path / "seasons.parquet"
    pq.write_table(seasonal_table(), path)
    spec = pg.ModelSpec(
        name="rain",
        task="binary",
        target="rain_tomorrow",
        features=["temp", "humidity"],
        key="date",
        time="date",
        data=pg.Parquet(path),
        estimator=LogisticRegression,
        monitoring=pg.Monitoring(window="30d", reference=reference),
    )
    train(spec, where.registry, as_of=date(2023, 12, 31))
    report = monitor_day(spec, where, day=date(2024, 7, 31), now=NOW)
    temp = by_subject(report, "drift")["temp"]
    assert temp.status == status, temp.detail
    (histogram,) = [h for h in report.histograms if h.column == "temp"]
    # the seasonal reference holds the same 30 days of 2022 and 2023 only
    assert sum(histogram.reference) == (60 if reference == "season" else 584)


def test_a_seasonal_reference_wraps_around_the_new_year() -> None:
    from paraguas.monitoring.inputs import Reference, in_season

    days = [date(2022, 1, 1) + timedelta(days=i) for i in range(730)]
    sample = pa.table({"date": pa.array(days, pa.date32()), "x": np.arange(730.0)})
    reference = Reference(None, None, sample, None, {}, None)  # type: ignore[arg-type]
    kept = in_season(reference, "date", date(2024, 12, 20), date(2025, 1, 18))
    assert kept.sample is not None
    months = {d.month for d in kept.sample["date"].to_pylist()}
    assert months <= {11, 12, 1, 2} and {12, 1} <= months
    assert kept.sample.num_rows == 60  # 30 days of each of two winters


def test_a_window_without_rows_is_reported_not_crashed(
    spec_fields: dict[str, Any], where: Monitor
) -> None:
    spec = pg.ModelSpec(**spec_fields)
    scored(spec, where)
    empty_day = START + timedelta(days=500)  # the data ends at day 399
    report = monitor_day(spec, where, day=empty_day, now=NOW)
    assert report.rows == 0
    drift = by_subject(report, "drift")
    assert {c.status for c in drift.values()} == {"error"}
    assert all(c.detail for c in drift.values())
    assert by_subject(report, "volume")["rows"].status == "ok"  # no rows before it either
    for check in report.checks:
        assert check.value is None or np.isfinite(check.value), check
    day_after = START + timedelta(days=400)
    vanished = monitor_day(spec, where, day=day_after, window_days=1, now=NOW)
    assert vanished.rows == 0
    assert by_subject(vanished, "volume")["rows"].status == "alert"  # rows every day until today
