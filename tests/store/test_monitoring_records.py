"""Monitoring results in the metadata store: a run replaces its day, history reads back in order."""

from __future__ import annotations

from datetime import date, datetime, timezone

from paraguas.store import MetadataStore, MonitoringResult

AT = datetime(2026, 1, 10, 6, 0, tzinfo=timezone.utc)


def result(
    day: date, subject: str, value: float | None, *, window: int = 7, kind: str = "drift"
) -> MonitoringResult:
    return MonitoringResult(
        model="rain",
        day=day,
        window_days=window,
        kind=kind,
        subject=subject,
        method="wasserstein_normed",
        version=3,
        role="champion",
        value=value,
        threshold=0.1,
        status="alert" if value is not None and value >= 0.1 else "ok",
        detail="why",
        extra={"p_value": 0.001, "drifted": ["a"]},
    )


def test_a_run_replaces_its_day_and_window_and_keeps_the_others(metadata: MetadataStore) -> None:
    first, second = date(2026, 1, 8), date(2026, 1, 9)
    with metadata.transaction() as tx:
        assert tx.monitoring.replace_run("rain", first, 7, [result(first, "a", 0.2)], AT) == 0
        tx.monitoring.replace_run("rain", second, 7, [result(second, "a", 0.05)], AT)
        tx.monitoring.replace_run("rain", second, 30, [result(second, "a", 0.5, window=30)], AT)
    with metadata.transaction() as tx:
        rerun = [result(second, "a", 0.07), result(second, "b", None)]
        assert tx.monitoring.replace_run("rain", second, 7, rerun, AT) == 1
    with metadata.transaction(write=False) as tx:
        week = tx.monitoring.results("rain", window_days=7)
        assert [(r.day, r.subject, r.value) for r in week] == [
            (first, "a", 0.2),
            (second, "a", 0.07),
            (second, "b", None),
        ]
        assert tx.monitoring.results("rain", start=second, window_days=30)[0].value == 0.5
        assert tx.monitoring.days("rain") == [first, second]
        assert tx.monitoring.results("other") == []
    stored = week[0]
    assert stored.extra == {"p_value": 0.001, "drifted": ["a"]}
    assert stored.status == "alert" and stored.threshold == 0.1 and stored.detail == "why"
    assert stored.computed_at == AT


def test_results_filter_by_kind_and_date_range(metadata: MetadataStore) -> None:
    days = [date(2026, 1, d) for d in (1, 2, 3)]
    with metadata.transaction() as tx:
        for day in days:
            tx.monitoring.replace_run(
                "rain",
                day,
                7,
                [result(day, "a", 0.01), result(day, "f1", 0.8, kind="performance")],
                AT,
            )
    with metadata.transaction(write=False) as tx:
        found = tx.monitoring.results("rain", start=days[1], end=days[2], kinds=("performance",))
    assert [(r.day, r.kind) for r in found] == [(days[1], "performance"), (days[2], "performance")]


def test_last_runs_reads_only_the_days_a_decision_needs(metadata: MetadataStore) -> None:
    days = [date(2026, 1, d) for d in (1, 8, 15, 22)]
    with metadata.transaction() as tx:
        for day in days:
            tx.monitoring.replace_run(
                "rain",
                day,
                7,
                [result(day, "a", 0.01), result(day, "f1", 0.8, kind="performance")],
                AT,
            )
    with metadata.transaction(write=False) as tx:
        two = tx.monitoring.last_runs("rain", end=date(2026, 1, 20), runs=2, kinds=("performance",))
        none = tx.monitoring.last_runs("rain", end=date(2025, 12, 31), runs=2)
        every_kind = tx.monitoring.last_runs("rain", end=days[-1], runs=1)
    assert [(r.day, r.kind) for r in two] == [(days[1], "performance"), (days[2], "performance")]
    assert none == []
    assert sorted(r.kind for r in every_kind) == ["drift", "performance"]
