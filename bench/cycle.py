"""The daily cycle's own cost: one day of `run_day` for many small models, nothing to retrain.

Builds a project in a temporary folder (the embedded default: SQLite, local folders) with N
small models (logistic regressions on 3 features, one row a day), each trained once by a first
cycle. Then, for each of the next days, runs the whole cycle of every model (monitor, decide,
judge, score, each journaled) and times it; the score step is also timed alone, on the same
day, so that the cycle's own overhead (monitor + decide + journal, scoring excluded) can be
reported. Writes its section of ``bench/RESULTS.md``.

Usage: ``.venv/bin/python bench/cycle.py [--models 200] [--days 3]``.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from run import machine, paraguas_commit, update_section  # noqa: E402

HEADING = "## Daily cycle: overhead per model, and 200 models in a day"
START = date(2025, 1, 1)
TRAINED = START + timedelta(days=299)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=200)
    parser.add_argument("--days", type=int, default=3, help="timed days after the first")
    parser.add_argument("--results", type=Path, default=BENCH / "RESULTS.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="paraguas-bench-cycle-") as folder:
        summary = run(Path(folder), args)
    update_section(args.results, HEADING, render(summary, args))
    print(f"[cycle] wrote {args.results}")


def run(folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression

    import paraguas as pg
    from paraguas.lifecycle import run_day
    from paraguas.monitoring.flow import Monitor
    from paraguas.prediction import ActualsLog, PredictionLog
    from paraguas.prediction.batch import predict_day
    from paraguas.registry import Registry
    from paraguas.store import ArtifactStore, MetadataStore

    data = folder / "weather.parquet"
    pq.write_table(weather(400), data)
    metadata = MetadataStore.open(f"sqlite:///{folder / 'paraguas.db'}")
    registry = Registry(metadata, ArtifactStore(str(folder / "artifacts")), actor="bench")
    where = Monitor(
        registry, metadata, registry.audit, PredictionLog(folder / "p"), ActualsLog(folder / "a")
    )
    specs = [
        pg.ModelSpec(
            name=f"model_{i:03d}",
            task="binary",
            target="rain_tomorrow",
            features=["humidity", "pressure", "wind"],
            key="date",
            time="date",
            data=pg.Parquet(data),
            estimator=LogisticRegression,
            seed=i,
        )
        for i in range(args.models)
    ]
    now = datetime(2030, 1, 1, tzinfo=timezone.utc)
    began = time.perf_counter()
    for spec in specs:
        run_day(spec, where, TRAINED, now=lambda: now)
    first_day = time.perf_counter() - began
    say(f"{args.models} models trained by a first cycle in {first_day:.1f} s")
    per_model: list[float] = []
    scoring: list[float] = []
    totals: list[float] = []
    for offset in range(1, args.days + 1):
        day = TRAINED + timedelta(days=offset)
        began = time.perf_counter()
        for spec in specs:
            start = time.perf_counter()
            result = run_day(spec, where, day, now=lambda: now)
            per_model.append(time.perf_counter() - start)
            assert "retrain" not in result.ran, result
        totals.append(time.perf_counter() - began)
        for spec in specs:  # the score step alone, on the same day (it replaces the partition)
            start = time.perf_counter()
            predict_day(spec, registry, where.predictions, day=day)
            scoring.append(time.perf_counter() - start)
        say(f"day {day}: {totals[-1]:.1f} s for {args.models} models")
    metadata.close()
    cycle = statistics.median(per_model)
    score = statistics.median(scoring)
    return {
        "models": args.models,
        "days": args.days,
        "first_day_s": first_day,
        "cycle_median_s": cycle,
        "cycle_p90_s": float(np.percentile(per_model, 90)),
        "score_median_s": score,
        "overhead_median_s": cycle - score,
        "day_totals_s": totals,
        "when": datetime.now(timezone.utc),
    }


def weather(days: int) -> pa.Table:
    rng = np.random.default_rng(0)
    humidity = rng.uniform(20, 100, days)
    pressure = rng.normal(1013, 8, days)
    logit = 0.08 * (humidity - 60) - 0.15 * (pressure - 1013) + rng.normal(0, 1, days)
    return pa.table(
        {
            "date": pa.array([START + timedelta(days=i) for i in range(days)], pa.date32()),
            "humidity": humidity,
            "pressure": pressure,
            "wind": rng.gamma(2.0, 3.0, days),
            "rain_tomorrow": (logit > 0).astype(np.int64),
        }
    )


def render(s: dict[str, Any], args: argparse.Namespace) -> str:
    worst_day = max(s["day_totals_s"])
    median_day = statistics.median(s["day_totals_s"])
    overhead_met = "yes" if s["overhead_median_s"] < 0.5 else "**no**"
    day_met = "yes" if worst_day < 120 else "**no**"
    lines = [
        HEADING,
        "",
        f"Run on {s['when']:%a %b %d %H:%M:%S UTC %Y} by `bench/cycle.py`.",
        "",
        "Machine and software:",
        "",
        *[f"- {line}" for line in machine()],
        f"- Python {platform.python_version()}, scikit-learn {metadata.version('scikit-learn')}, "
        f"pyarrow {metadata.version('pyarrow')}; paraguas {metadata.version('paraguas')} "
        f"({paraguas_commit()})",
        "",
        "| target | measured | met |",
        "| --- | --- | --- |",
        f"| the cycle's own overhead per model and day, nothing to retrain (monitor + decide + "
        f"journal, scoring excluded) < 0.5 s | {s['overhead_median_s']:.3f} s (median cycle "
        f"{s['cycle_median_s']:.3f} s, p90 {s['cycle_p90_s']:.3f} s, less the median score step "
        f"{s['score_median_s']:.3f} s) | {overhead_met} |",
        f"| {s['models']} small models, one daily cycle each, < 2 minutes | worst of "
        f"{s['days']} days {worst_day:.1f} s (median {median_day:.1f} s) | {day_met} |",
        "",
        "### Method",
        "",
        f"- One process, the embedded default (SQLite store, local folders) in a temporary "
        f"folder; {s['models']} models, each a logistic regression on 3 features of 400 "
        "generated days (one row a day), trained by a first cycle as of day 299 "
        f"({s['first_day_s']:.0f} s for all, not part of the targets).",
        f"- Then {s['days']} days, each running `run_day` for every model: monitor (7-day "
        "window: quality, volume, drift of 3 features, prediction drift, domain classifier, "
        "performance), decide (keep: no drift), judge (no challenger), score (1 row), each "
        "step journaled. The score step alone is then timed again on the same day "
        "(`predict_day`, which replaces the partition) and its median subtracted from the "
        "cycle's median to give the overhead.",
        "- The machine is shared with other work; the spread is in the p90.",
        "",
    ]
    return "\n".join(lines)


def say(message: str) -> None:
    print(f"[cycle] {message}", flush=True)


if __name__ == "__main__":
    main()
