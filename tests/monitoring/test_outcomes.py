"""Forecasts against reality: the log joined with actuals by key, per role and version."""

from __future__ import annotations

from datetime import date, datetime, timezone

import numpy as np
import pyarrow as pa
import pytest
from sklearn import metrics as skm

from paraguas.monitoring.outcomes import join_actuals, metric_status, performance_checks
from paraguas.prediction import ACTUALS_SCHEMA, prediction_batch

AT = datetime(2026, 1, 1, tzinfo=timezone.utc)
DAY = date(2026, 1, 1)


def scored(
    keys: list[str], rain: np.ndarray, *, role: str = "champion", version: int = 1
) -> pa.Table:
    batch = prediction_batch(
        model="rain",
        version=version,
        role=role,
        keys=keys,
        times=[DAY] * len(keys),
        scored_at=AT,
        labels=(rain >= 0.5).astype(np.int64),
        scores=np.column_stack([1 - rain, rain]),
        classes=[0, 1],
    )
    return pa.Table.from_batches([batch])


def actual(keys: list[str], labels: list[str]) -> pa.Table:
    rows = len(keys)
    return pa.table(
        {
            "key": keys,
            "time": pa.array([AT] * rows, ACTUALS_SCHEMA.field("time").type),
            "label": labels,
            "value": pa.array([float(x) if x.isdigit() else None for x in labels], pa.float64()),
            "arrived_at": pa.array([AT] * rows, ACTUALS_SCHEMA.field("arrived_at").type),
            "batch": ["b"] * rows,
            "row": list(range(rows)),
        },
        schema=ACTUALS_SCHEMA,
    )


def test_metrics_are_scikit_learns_on_the_labelled_rows_and_coverage_counts_the_rest() -> None:
    rng = np.random.default_rng(0)
    keys = [f"k{i}" for i in range(200)]
    rain = rng.random(200)
    truth = (rng.random(200) < rain).astype(int)
    known = keys[:150]  # a quarter of the labels have not arrived
    joined = join_actuals(
        "binary", scored(keys, rain), actual(known, [str(t) for t in truth[:150]])
    )
    assert [(g.role, g.version, g.mature) for g in joined] == [("champion", 1, 200)]
    group = joined[0]
    assert group.coverage == pytest.approx(0.75)
    checks = {
        c.subject: c
        for c in performance_checks(
            "binary", group, primary="roc_auc", reference={"roc_auc": 0.99}, span="d"
        )
    }
    assert checks["label_coverage"].value == pytest.approx(0.75)
    assert checks["roc_auc"].value == pytest.approx(skm.roc_auc_score(truth[:150], rain[:150]))
    assert checks["f1"].value == pytest.approx(skm.f1_score(truth[:150], rain[:150] >= 0.5))
    # against a holdout ROC AUC of 0.99, a realised ~0.75 is far more than 10 % worse
    assert checks["roc_auc"].status == "alert"
    assert checks["roc_auc"].threshold == pytest.approx(0.99 * 0.9)
    assert checks["f1"].status == "ok" and checks["f1"].threshold is None


def test_champion_and_challenger_are_measured_apart_on_the_same_keys() -> None:
    keys = ["a", "b", "c", "d"]
    table = pa.concat_tables(
        [
            scored(keys, np.array([0.9, 0.8, 0.2, 0.1])),
            scored(keys, np.array([0.1, 0.2, 0.8, 0.9]), role="challenger", version=2),
        ]
    )
    joined = join_actuals("binary", table, actual(keys, ["1", "1", "0", "0"]))
    accuracy = {
        g.role: next(
            c.value
            for c in performance_checks("binary", g, primary="f1", reference={}, span="d")
            if c.subject == "accuracy"
        )
        for g in joined
    }
    assert accuracy == {"champion": 1.0, "challenger": 0.0}


def test_an_actual_naming_an_unknown_class_is_counted_not_scored() -> None:
    joined = join_actuals(
        "binary", scored(["a", "b"], np.array([0.9, 0.1])), actual(["a", "b"], ["1", "snow"])
    )
    assert joined[0].unknown_labels == 1 and joined[0].labelled.tolist() == [True, False]


def test_no_labels_yet_reports_only_coverage() -> None:
    joined = join_actuals("binary", scored(["a"], np.array([0.9])), actual([], []))
    checks = performance_checks("binary", joined[0], primary="f1", reference={}, span="d")
    assert [(c.subject, c.value, c.status) for c in checks] == [("label_coverage", 0.0, "warn")]


@pytest.mark.parametrize(
    ("metric", "value", "holdout", "status"),
    [
        ("f1", 0.80, 0.80, "ok"),
        ("f1", 0.75, 0.80, "warn"),  # 6.25 % worse
        ("f1", 0.70, 0.80, "alert"),  # 12.5 % worse
        ("rmse", 10.4, 10.0, "ok"),
        ("rmse", 10.6, 10.0, "warn"),
        ("rmse", 11.5, 10.0, "alert"),
        ("f1", None, 0.8, "ok"),
        ("f1", 0.1, None, "ok"),
    ],
)
def test_the_primary_metric_is_judged_against_the_holdout(
    metric: str, value: float | None, holdout: float | None, status: str
) -> None:
    assert metric_status(metric, value, holdout)[0] == status


def test_a_handful_of_labelled_rows_is_reported_not_judged() -> None:
    keys = [f"k{i}" for i in range(30)]
    rain = np.full(30, 0.9)  # always "rain"; it never rained: f1 0 against a holdout 0.8
    table = scored(keys, rain)
    for labelled, status in ((19, "ok"), (20, "alert")):
        joined = join_actuals("binary", table, actual(keys[:labelled], ["0"] * labelled))
        checks = performance_checks(
            "binary", joined[0], primary="accuracy", reference={"accuracy": 0.8}, span="d"
        )
        accuracy = next(c for c in checks if c.subject == "accuracy")
        assert (accuracy.value, accuracy.status) == (0.0, status)
    assert "not judged on 19 rows" not in accuracy.detail
