"""Drift benchmark: ``dataset_drift`` against Evidently 0.7's ``DataDriftPreset``.

The monitoring flow compares every column of a window with the training data. The targets, on
this 2-core machine:

- 25 columns (20 numeric, 5 categorical), 1,000,000 reference and 1,000,000 current rows:
  ``dataset_drift(..., mode="evidently")`` at least 100x faster than Evidently's
  ``Report([DataDriftPreset()])``, at most half its peak memory, and for every column the same
  method and the same statistic (to 1e-9) as Evidently;
- 500,000 rows x 800 numeric columns against a reference sample of 50,000 rows, paraguas mode:
  under 60 s.

Each side runs in a fresh process per round, in its own environment: Evidently only ever in
``.venv-bench-evidently`` (made from ``bench/requirements-evidently.txt``; Evidently 0.7 needs
pandas 2), paraguas in the main ``.venv``. Both generate the same seeded data (checked by a
digest) and are timed around the call alone; peak memory is the process's ``ru_maxrss`` from
``wait4``. Before the timed rounds, small edge cases (reference of 1,000 and 1,001 values, 1 to 6
distinct values, missing values, a category never seen in the reference, a constant column) go
through both, column by column, to check that the choice of test follows Evidently's.

Usage: ``.venv/bin/python bench/run.py --only drift`` or ``.venv/bin/python bench/drift.py
[--rows 1000000] [--rounds 3] [--wide-rows 500000] [--wide-columns 800]``.
``PARAGUAS_BENCH_EVIDENTLY_PYTHON`` may name the Python of an existing environment with the pins
of ``bench/requirements-evidently.txt``, instead of creating ``.venv-bench-evidently``.

This module is imported by the Evidently worker too: at the top, only the standard library and
NumPy.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import warnings
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from run import BENCH, ROOT, machine, num, paraguas_commit, shell, shown, update_section

HEADING = "## Drift: dataset_drift vs Evidently DataDriftPreset"
REQUIREMENTS = BENCH / "requirements-evidently.txt"
VENV = ROOT / ".venv-bench-evidently"
STAMP = VENV / ".installed-evidently"
SEED = 0
TOLERANCE = 1e-9
SPEED_TARGET, MEMORY_TARGET, WIDE_TARGET_S = 100.0, 0.5, 60.0
# Nothing in either worker may reach the network (Evidently sends usage data unless told not to).
QUIET_ENV = {"DO_NOT_TRACK": "1", "PYTHONWARNINGS": "ignore"}
# Evidently's names of its tests, and ours
METHODS = {
    "K-S p_value": "ks",
    "chi-square p_value": "chi_square",
    "Z-test p_value": "z_test",
    "Wasserstein distance (normed)": "wasserstein_normed",
    "Jensen-Shannon distance": "jensen_shannon",
}
NUMERIC = [f"n{i:02d}" for i in range(20)]
CATEGORICAL = [f"c{i}" for i in range(5)]
# numeric columns moved in the current data, by this many of their scale units
SHIFTS = {"n00": 0.5, "n01": 0.3, "n02": 0.15, "n03": 0.1, "n04": 0.05, "n05": 0.02}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows a side, 25 columns")
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes per side")
    parser.add_argument("--wide-rows", type=int, default=500_000)
    parser.add_argument("--wide-columns", type=int, default=800)
    parser.add_argument("--wide-sample", type=int, default=50_000, help="reference rows")
    parser.add_argument("--wide-rounds", type=int, default=3)
    parser.add_argument("--results", type=Path, default=BENCH / "RESULTS.md")
    parser.add_argument("--out", type=Path, default=BENCH / "out" / "drift")
    parser.add_argument(
        "--worker", choices=("evidently", "paraguas", "wide"), help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--task", choices=("table", "cases"), default="table", help=argparse.SUPPRESS
    )
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        WORKERS[args.worker](args)
        return

    args.out.mkdir(parents=True, exist_ok=True)
    load_before, busy_before, started = os.getloadavg(), busy_seconds(), time.monotonic()
    pythons = {"evidently": evidently_python(), "paraguas": sys.executable}
    summary: dict[str, Any] = {"rows": args.rows, "rounds": args.rounds}
    summary["cases"] = compare_cases(pythons, args)
    summary["table"] = table_rounds(pythons, args)
    summary["wide"] = wide_rounds(args)
    elapsed = time.monotonic() - started
    summary["load"] = [load_before, os.getloadavg()]
    summary["busy"] = {"elapsed": elapsed, "cpu": busy_seconds() - busy_before}
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    section = render(summary, args)
    update_section(args.results, HEADING, section)
    print(section)


# the workload ------------------------------------------------------------------------------------


def table(rows: int, seed: int = SEED) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Reference and current columns: 20 numeric (6 moved, 2 with 1% missing, one with 4
    values) and 5 categorical (2 moved, one with missing values and a new category)."""
    sides: list[dict[str, np.ndarray]] = []
    for side in (0, 1):
        columns: dict[str, np.ndarray] = {}
        for i, name in enumerate(NUMERIC):
            rng = np.random.default_rng([seed, side, i])
            shift = SHIFTS.get(name, 0.0) * side
            if name == "n19":  # a rating: 4 values, counted as categories
                values = rng.choice([1.0, 2.0, 3.0, 4.0], rows, p=[0.1, 0.2, 0.3, 0.4])
            elif i % 4 == 0:
                values = rng.normal(shift, 1.0, rows)
            elif i % 4 == 1:
                values = np.exp(rng.normal(shift, 0.5, rows))
            elif i % 4 == 2:
                values = rng.uniform(shift, 1.0 + shift, rows)
            else:  # counts: ties, but many values
                values = rng.poisson(10.0 * (1 + shift), rows).astype(np.float64)
            if name in ("n07", "n11"):
                values[rng.random(rows) < 0.01] = np.nan
            columns[name] = values
        for j, name in enumerate(CATEGORICAL):
            rng = np.random.default_rng([seed, side, 100 + j])
            k = (3, 12, 2, 50, 8)[j]
            labels = [f"{name}_{v:02d}" for v in range(k)]
            weights = 1.0 / np.arange(1, k + 1) if name == "c3" else np.ones(k)
            if side and name == "c1":
                weights = np.linspace(1.0, 2.0, k)
            if side and name == "c2":
                weights = np.array([1.0, 1.1])
            if side and name == "c4":  # 1% of a category the reference never had
                labels.append(f"{name}_new")
                weights = np.append(weights, weights.sum() / 99)
            if name == "c4":
                labels.append(None)  # type: ignore[arg-type]
                weights = np.append(weights, weights.sum() / 49)
            codes = rng.choice(len(labels), rows, p=weights / weights.sum())
            columns[name] = np.array(labels, dtype=object)[codes]
        sides.append(columns)
    return sides[0], sides[1]


def kinds() -> dict[str, str]:
    return {**dict.fromkeys(NUMERIC, "numeric"), **dict.fromkeys(CATEGORICAL, "categorical")}


def digest(*sides: dict[str, np.ndarray]) -> str:
    """A hash of the generated values, so that both sides are known to compare the same data."""
    found = hashlib.sha256()
    for columns in sides:
        for name, values in columns.items():
            found.update(name.encode())
            if values.dtype == object:
                found.update(
                    "\x00".join(map(str, values[:: max(1, len(values) // 10_000)])).encode()
                )
            else:
                found.update(values.tobytes())
    return found.hexdigest()[:16]


def cases() -> list[tuple[str, str, np.ndarray, np.ndarray]]:
    """Small columns at the edges of Evidently's rules: (name, kind, reference, current)."""
    rng = np.random.default_rng([SEED, 7])
    found: list[tuple[str, str, np.ndarray, np.ndarray]] = []

    def with_values(count: int, rows: int, moved: bool) -> np.ndarray:
        p = np.linspace(1.0, 2.0, count) if moved else np.ones(count)
        return rng.choice(np.arange(count, dtype=np.float64) * 1.5, rows, p=p / p.sum())

    for rows in (1000, 1001):
        for distinct in (1, 2, 3, 5, 6):
            for moved in (False, True):
                reference = with_values(distinct, rows, False)
                current = with_values(distinct, 700, moved and distinct > 1)
                found.append(
                    (
                        f"num_{rows}_{distinct}v_{'moved' if moved else 'same'}",
                        "numeric",
                        reference,
                        current,
                    )
                )
        found.append(
            (
                f"num_{rows}_normal_moved",
                "numeric",
                rng.normal(size=rows),
                rng.normal(0.3, size=900),
            )
        )
        found.append(
            (f"num_{rows}_normal_same", "numeric", rng.normal(size=rows), rng.normal(size=20_000))
        )
        # 4 values in the reference, 2 more in the current: 6 distinct over both
        found.append(
            (
                f"num_{rows}_4+2v",
                "numeric",
                with_values(4, rows, False),
                np.concatenate([with_values(4, 500, False), [10.0, 11.0]]),
            )
        )
        labels = np.array(["a", "b", "c", "d"], dtype=object)
        found.append(
            (
                f"cat_{rows}_2v",
                "categorical",
                labels[rng.integers(0, 2, rows)],
                labels[rng.integers(0, 2, 800)],
            )
        )
        found.append(
            (
                f"cat_{rows}_3v_moved",
                "categorical",
                labels[rng.integers(0, 3, rows)],
                labels[rng.choice(3, 800, p=[0.2, 0.3, 0.5])],
            )
        )
        found.append(
            (
                f"cat_{rows}_new",
                "categorical",
                labels[rng.integers(0, 3, rows)],
                labels[rng.integers(0, 4, 800)],
            )
        )
        missing = labels[rng.integers(0, 3, rows + 40)]
        missing[rng.choice(rows + 40, 40, replace=False)] = None
        found.append(
            (f"cat_{rows}+40none", "categorical", missing, labels[rng.integers(0, 3, 600)])
        )
    # 1,001 rows of which 2 are missing: a reference of 999 present values
    gaps = rng.normal(size=1001)
    gaps[[3, 500]] = np.nan
    found.append(("num_1001rows_999present", "numeric", gaps, rng.normal(0.1, size=1200)))
    found.append(
        ("num_constant_reference", "numeric", np.full(2000, 3.0), rng.normal(3.0, 0.01, 500))
    )
    found.append(("num_one_value_each", "numeric", np.full(800, 1.0), np.full(300, 2.0)))
    return found


# workers (each in a fresh process) ---------------------------------------------------------------


def evidently_worker(args: argparse.Namespace) -> None:
    import pandas as pd
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    def report(reference: pd.DataFrame, current: pd.DataFrame, column_kinds: dict[str, str]) -> Any:
        definition = DataDefinition(
            numerical_columns=[c for c, k in column_kinds.items() if k == "numeric"],
            categorical_columns=[c for c, k in column_kinds.items() if k == "categorical"],
        )
        ref = Dataset.from_pandas(reference, data_definition=definition)
        cur = Dataset.from_pandas(current, data_definition=definition)
        return Report([DataDriftPreset()], include_tests=True).run(cur, ref)

    def columns_of(snapshot: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        found = snapshot.dict()
        drifted = {
            t["metric_config"]["params"]["column"]: t["status"] == "FAIL"
            for t in found["tests"]
            if t["metric_config"]["params"]["type"].endswith("ValueDrift")
        }
        columns, dataset = {}, {}
        for metric in found["metrics"]:
            config = metric["config"]
            if config["type"].endswith("ValueDrift"):
                columns[config["column"]] = {
                    "method": METHODS[config["method"]],
                    "value": float(metric["value"]),
                    "drifted": drifted[config["column"]],
                }
            elif config["type"].endswith("DriftedColumnsCount"):
                share = float(metric["value"]["share"])
                dataset = {"share": share, "drifted": share >= config["drift_share"]}
        return columns, dataset

    versions = {
        p: metadata.version(p) for p in ("evidently", "pandas", "numpy", "scipy", "scikit-learn")
    }
    if args.task == "cases":
        results = {}
        for name, kind, reference, current in cases():
            snapshot = report(
                pd.DataFrame({name: reference}), pd.DataFrame({name: current}), {name: kind}
            )
            results[name] = columns_of(snapshot)[0][name]
        write(args.output, {"columns": results, "versions": versions})
        return
    reference, current = table(args.rows)
    data_digest = digest(reference, current)
    frames = [pd.DataFrame(reference, copy=False), pd.DataFrame(current, copy=False)]
    del reference, current
    baseline, clock = rss_mib(), Contention()
    snapshot = report(frames[0], frames[1], kinds())
    seconds, others = clock.stop()
    columns, dataset = columns_of(snapshot)
    write(
        args.output,
        {"seconds": seconds, "others": others, "baseline_mib": baseline, "digest": data_digest}
        | {"columns": columns, "dataset": dataset, "versions": versions},
    )


def paraguas_worker(args: argparse.Namespace) -> None:
    import pandas as pd

    from paraguas.monitoring.drift import column_drift, dataset_drift

    versions = {p: metadata.version(p) for p in ("paraguas", "pandas", "numpy", "scipy")}
    if args.task == "cases":
        results = {}
        for name, kind, reference, current in cases():
            found = column_drift(name, reference, current, kind, mode="evidently")
            results[name] = {
                "method": found.method,
                "value": value_of(found),
                "drifted": found.drifted,
            }
        write(args.output, {"columns": results, "versions": versions})
        return
    reference, current = table(args.rows)
    data_digest = digest(reference, current)
    frames = [pd.DataFrame(reference, copy=False), pd.DataFrame(current, copy=False)]
    del reference, current
    baseline, clock = rss_mib(), Contention()
    result = dataset_drift(frames[0], frames[1], kinds(), mode="evidently")
    seconds, others = clock.stop()
    columns = {
        c.column: {
            "method": c.method,
            "value": value_of(c),
            "drifted": c.drifted,
            "status": c.status,
        }
        for c in result.columns
    }
    dataset = {"share": result.share, "drifted": result.drifted}
    write(
        args.output,
        {"seconds": seconds, "others": others, "baseline_mib": baseline, "digest": data_digest}
        | {"columns": columns, "dataset": dataset, "versions": versions},
    )


def wide_worker(args: argparse.Namespace) -> None:
    """500,000 rows x 800 columns against a 50,000-row reference sample, paraguas mode: 1 column
    in 20 moved by 0.3 standard deviations (should alert), 1 in 20 by 0.05 (at most warn)."""
    from paraguas.monitoring.drift import dataset_drift

    rng = np.random.default_rng([SEED, 800])
    reference = rng.standard_normal((args.wide_columns, args.wide_sample))
    current = rng.standard_normal((args.wide_columns, args.wide_rows))
    names = [f"x{i:03d}" for i in range(args.wide_columns)]
    current[0::20] += 0.3
    current[1::20] += 0.05
    baseline, clock = rss_mib(), Contention()
    result = dataset_drift(
        dict(zip(names, reference, strict=True)),
        dict(zip(names, current, strict=True)),
        dict.fromkeys(names, "numeric"),
    )
    seconds, others = clock.stop()
    statuses = [c.status for c in result.columns]
    write(
        args.output,
        {
            "seconds": seconds,
            "others": others,
            "baseline_mib": baseline,
            "status": result.status,
            "share": result.share,
            "statuses": {s: statuses.count(s) for s in sorted(set(statuses))},
            "moved_alerts": sum(c.status == "alert" for c in result.columns[0::20]),
            "small_moves_alerted": sum(c.status == "alert" for c in result.columns[1::20]),
            "small_moves_warned": sum(c.status == "warn" for c in result.columns[1::20]),
            "false_alerts": sum(
                c.status == "alert" for i, c in enumerate(result.columns) if i % 20 > 1
            ),
        },
    )


WORKERS = {"evidently": evidently_worker, "paraguas": paraguas_worker, "wide": wide_worker}


class Contention:
    """Times a call, and measures the share of the machine's CPU that other processes used
    meanwhile (``/proc/stat`` less this process's own ``getrusage``)."""

    def __init__(self) -> None:
        self.busy, self.own, self.started = busy_seconds(), own_seconds(), time.perf_counter()

    def stop(self) -> tuple[float, float]:
        wall = time.perf_counter() - self.started
        others = busy_seconds() - self.busy - (own_seconds() - self.own)
        return wall, max(others, 0.0) / (wall * (os.cpu_count() or 1))


def own_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def value_of(column: Any) -> float:
    """The value Evidently reports as its drift score: the p-value of a test, else the distance."""
    return float(column.p_value if column.p_value is not None else column.statistic)


def write(path: Path, found: dict[str, Any]) -> None:
    path.write_text(json.dumps(found, indent=1), encoding="utf-8")


def rss_mib() -> float:
    status = Path("/proc/self/status").read_text(encoding="utf-8")
    line = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


# running the workers -----------------------------------------------------------------------------


def evidently_python() -> str:
    """The Python of the Evidently environment, creating ``.venv-bench-evidently`` on first use."""
    given = os.environ.get("PARAGUAS_BENCH_EVIDENTLY_PYTHON")
    if given:
        return given
    python = VENV / "bin" / "python"
    wanted = REQUIREMENTS.read_text(encoding="utf-8")
    if python.exists() and STAMP.exists() and STAMP.read_text(encoding="utf-8") == wanted:
        return str(python)
    say(f"creating {VENV.name} from {REQUIREMENTS.name} (once; takes a few minutes)")
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", str(REQUIREMENTS)], check=True)
    STAMP.write_text(wanted, encoding="utf-8")
    return str(python)


def worker(
    python: str, role: str, output: Path, args: argparse.Namespace, task: str = "table"
) -> dict[str, Any]:
    """One worker process: its JSON, wall time, and peak RSS (``ru_maxrss`` from ``wait4``)."""
    command = [python, str(Path(__file__).resolve()), f"--worker={role}", f"--task={task}"]
    command += [f"--output={output}", f"--rows={args.rows}", f"--wide-rows={args.wide_rows}"]
    command += [f"--wide-columns={args.wide_columns}", f"--wide-sample={args.wide_sample}"]
    log = output.with_suffix(".log")
    started = time.perf_counter()
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command,
            env={**os.environ, **QUIET_ENV},
            cwd=BENCH,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        tail = "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-20:])
        raise SystemExit(f"The {role} worker failed; end of {log}:\n{tail}")
    found: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    found["process_s"] = time.perf_counter() - started
    found["peak_mib"] = usage.ru_maxrss / 1024
    return found


def compare_cases(pythons: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    say(f"edge cases: {len(cases())} columns through both")
    found = {
        side: worker(python, side, args.out / f"cases-{side}.json", args, "cases")
        for side, python in pythons.items()
    }
    return {"rows": compare(found["evidently"]["columns"], found["paraguas"]["columns"])}


def table_rounds(pythons: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    runs: dict[str, list[dict[str, Any]]] = {side: [] for side in pythons}
    for round_ in range(args.rounds):
        for side in list(pythons) if round_ % 2 == 0 else list(reversed(pythons)):
            run = worker(pythons[side], side, args.out / f"round{round_ + 1}-{side}.json", args)
            say(
                f"round {round_ + 1}/{args.rounds}, {side}: {run['seconds']:.2f} s, peak {run['peak_mib']:,.0f} MiB"
            )
            runs[side].append(run)
    digests = {run["digest"] for side in runs for run in runs[side]}
    if len(digests) != 1:
        raise SystemExit(f"The two sides generated different data (digests {digests}).")
    ours, theirs = runs["paraguas"], runs["evidently"]
    return {
        "seconds": {side: spread([r["seconds"] for r in runs[side]]) for side in runs},
        "others": {side: spread([r["others"] for r in runs[side]]) for side in runs},
        "peak_mib": {side: spread([r["peak_mib"] for r in runs[side]]) for side in runs},
        "baseline_mib": {side: spread([r["baseline_mib"] for r in runs[side]]) for side in runs},
        "columns": compare(theirs[0]["columns"], ours[0]["columns"]),
        "dataset": {"evidently": theirs[0]["dataset"], "paraguas": ours[0]["dataset"]},
        "versions": {side: runs[side][0]["versions"] for side in runs},
    }


def wide_rounds(args: argparse.Namespace) -> dict[str, Any]:
    runs = []
    for round_ in range(args.wide_rounds):
        run = worker(sys.executable, "wide", args.out / f"wide{round_ + 1}.json", args)
        say(
            f"wide round {round_ + 1}/{args.wide_rounds}: {run['seconds']:.1f} s, peak {run['peak_mib']:,.0f} MiB"
        )
        runs.append(run)
    return {
        "seconds": spread([r["seconds"] for r in runs]),
        "others": spread([r["others"] for r in runs]),
        "peak_mib": spread([r["peak_mib"] for r in runs]),
        "baseline_mib": spread([r["baseline_mib"] for r in runs]),
        "first": runs[0],
    }


def compare(theirs: dict[str, Any], ours: dict[str, Any]) -> list[dict[str, Any]]:
    """Per column: both methods and values, and whether they agree."""
    rows = []
    for name, their in theirs.items():
        our = ours[name]
        gap = abs(our["value"] - their["value"]) if np.isfinite(their["value"]) else 0.0
        if np.isfinite(their["value"]) != np.isfinite(our["value"]):
            gap = float("inf")
        rows.append(
            {
                "column": name,
                "evidently": their,
                "paraguas": our,
                "gap": gap,
                "agree": our["method"] == their["method"]
                and gap <= TOLERANCE
                and our["drifted"] == their["drifted"],
            }
        )
    return rows


def spread(values: list[float]) -> dict[str, Any]:
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "rounds": values,
    }


def busy_seconds() -> float:
    """CPU seconds every process of the machine has used since boot (``/proc/stat``)."""
    fields = Path("/proc/stat").read_text(encoding="utf-8").splitlines()[0].split()[1:]
    ticks = [int(value) for value in fields]
    return (sum(ticks[:8]) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


# rendering ---------------------------------------------------------------------------------------


def render(summary: dict[str, Any], args: argparse.Namespace) -> str:
    t, wide = summary["table"], summary["wide"]
    ours_s, theirs_s = t["seconds"]["paraguas"], t["seconds"]["evidently"]
    ours_m, theirs_m = t["peak_mib"]["paraguas"], t["peak_mib"]["evidently"]
    ratio = theirs_s["median"] / ours_s["median"]
    worst = theirs_s["min"] / ours_s["max"]
    memory = ours_m["median"] / theirs_m["median"]
    agree = all(row["agree"] for row in t["columns"])
    cases_agree = all(row["agree"] for row in summary["cases"]["rows"])
    worst_gap = max(row["gap"] for row in t["columns"] + summary["cases"]["rows"])
    ev, pg = t["versions"]["evidently"], t["versions"]["paraguas"]
    load, busy = summary["load"], summary["busy"]
    met = lambda ok: "yes" if ok else "**no**"  # noqa: E731
    lines = [
        HEADING,
        "",
        f"Run on {shell('date')} by `make bench` (`bench/drift.py`).",
        "",
        "Machine and software:",
        "",
        *[f"- {item}" for item in machine()],
        "- load average (1, 5, 15 min) before the run "
        + ", ".join(f"{x:.2f}" for x in load[0])
        + ", after it "
        + ", ".join(f"{x:.2f}" for x in load[1])
        + f"; the machine's processes used {busy['cpu']:,.0f} CPU s of the "
        f"{busy['elapsed'] * (os.cpu_count() or 1):,.0f} it had over the run (the machine is shared)",
        f"- Python {platform.python_version()}; paraguas {pg['paraguas']} ({paraguas_commit()}) with "
        f"numpy {pg['numpy']}, pandas {pg['pandas']}, scipy {pg['scipy']}",
        f"- Evidently {ev['evidently']} with numpy {ev['numpy']}, pandas {ev['pandas']} (Evidently 0.7 "
        f"does not run on pandas 3), scipy {ev['scipy']}, scikit-learn {ev['scikit-learn']} "
        "(in `.venv-bench-evidently`, from `bench/requirements-evidently.txt`)",
        "",
        "| target | measured | met |",
        "| --- | --- | --- |",
        f'| 25 columns x {args.rows:,} rows a side: `dataset_drift(mode="evidently")` ≥ '
        f"{SPEED_TARGET:g}x faster than `Report([DataDriftPreset()])` | {ratio:,.0f}x "
        f"({secs(ours_s['median'])} s vs {secs(theirs_s['median'])} s; worst pairing {worst:,.0f}x) "
        f"| {met(ratio >= SPEED_TARGET)} |",
        f"| peak RSS ≤ {MEMORY_TARGET:g}x Evidently's | {memory:.2f}x ({ours_m['median']:,.0f} vs "
        f"{theirs_m['median']:,.0f} MiB) | {met(memory <= MEMORY_TARGET)} |",
        f"| same method and statistic (to {TOLERANCE:g}) and verdict per column | "
        f"{sum(r['agree'] for r in t['columns'])} of {len(t['columns'])} columns, and "
        f"{sum(r['agree'] for r in summary['cases']['rows'])} of {len(summary['cases']['rows'])} "
        f"edge cases; largest gap {worst_gap:.1e} | {met(agree and cases_agree)} |",
        f"| {args.wide_rows:,} rows x {args.wide_columns} numeric columns vs a {args.wide_sample:,}-row "
        f"reference sample, paraguas mode, < {WIDE_TARGET_S:g} s | {secs(wide['seconds']['median'])} s "
        f"({secs(wide['seconds']['min'])}\N{EN DASH}{secs(wide['seconds']['max'])}), peak "
        f"{wide['peak_mib']['median']:,.0f} MiB | {met(wide['seconds']['max'] < WIDE_TARGET_S)} |",
        "",
        f"### 25 columns, {args.rows:,} reference and {args.rows:,} current rows",
        "",
        f"Seconds of the call and peak RSS of the process, over {args.rounds} rounds of fresh "
        "processes (median, min\N{EN DASH}max); *before the call* is the RSS with the data built and the "
        "libraries imported; *others' CPU* is the share of the machine's CPU that other processes "
        "used during the call (median over rounds, and the highest).",
        "",
        "| | call s | peak RSS MiB | RSS before the call MiB | added by the call MiB | others' CPU |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for side, label in (
        ("paraguas", '`dataset_drift(reference, current, kinds, mode="evidently")`'),
        (
            "evidently",
            "`Dataset.from_pandas` x2 + `Report([DataDriftPreset()], include_tests=True).run`",
        ),
    ):
        s, m, b = t["seconds"][side], t["peak_mib"][side], t["baseline_mib"][side]
        o = t["others"][side]
        lines.append(
            f"| {label} | {secs(s['median'])} ({secs(s['min'])}\N{EN DASH}{secs(s['max'])}) "
            f"| {m['median']:,.0f} ({m['min']:,.0f}\N{EN DASH}{m['max']:,.0f}) | {b['median']:,.0f} "
            f"| {m['median'] - b['median']:,.0f} | {o['median']:.0%} (max {o['max']:.0%}) |"
        )
    datasets = t["dataset"]
    lines += [
        "",
        f"Share of drifted columns: Evidently {datasets['evidently']['share']:.2f}, paraguas "
        f"{datasets['paraguas']['share']:.2f}; dataset drift: Evidently "
        f"{datasets['evidently']['drifted']}, paraguas {datasets['paraguas']['drifted']}.",
        "",
        "| column | method (both) | Evidently | paraguas | gap | drift (Evidently / paraguas) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    lines += [case_row(row) for row in t["columns"]]
    lines += [
        "",
        "### Edge cases: the choice of test",
        "",
        'One column at a time through `Report([DataDriftPreset()])` and `column_drift(mode="evidently")`: '
        "references of 1,000 and 1,001 values (the size rule), 1, 2, 3, 5 and 6 distinct values "
        "over both sides (z-test, chi-square, KS; Jensen-Shannon, Wasserstein), missing values, "
        "a category never seen in the reference, a constant reference.",
        "",
        "| column | method (both) | Evidently | paraguas | gap | drift (Evidently / paraguas) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    lines += [case_row(row) for row in summary["cases"]["rows"]]
    first = wide["first"]
    lines += [
        "",
        f"### Wide: {args.wide_rows:,} rows x {args.wide_columns} numeric columns, paraguas mode",
        "",
        f"`dataset_drift` (2 worker threads) of {args.wide_rows:,} current rows against a "
        f"{args.wide_sample:,}-row reference sample: {secs(wide['seconds']['median'])} s "
        f"({secs(wide['seconds']['min'])}\N{EN DASH}{secs(wide['seconds']['max'])}) over {args.wide_rounds} "
        f"fresh processes, peak RSS {wide['peak_mib']['median']:,.0f} MiB ("
        f"{wide['baseline_mib']['median']:,.0f} MiB before the call: the data and the libraries); "
        f"other processes used {wide['others']['median']:.0%} of the machine's CPU during the calls "
        f"(median; at most {wide['others']['max']:.0%}). "
        "One column in 20 moved by 0.3 "
        f"standard deviations: {first['moved_alerts']} of {len(range(0, args.wide_columns, 20))} "
        f"alert. One in 20 moved by 0.05: {first['small_moves_alerted']} alert, "
        f"{first['small_moves_warned']} warn. The others: {first['false_alerts']} false alerts. "
        f"Statuses: {', '.join(f'{k} {v}' for k, v in first['statuses'].items())}.",
        "",
        "### Method",
        "",
        f"- Data, seeded and generated alike on both sides (a digest checks it): {len(NUMERIC)} "
        "numeric columns (normal, log-normal, uniform, Poisson counts; n00\N{EN DASH}n05 moved by 0.5, 0.3, "
        "0.15, 0.1, 0.05 and 0.02 of their scale; 1% missing in n07 and n11; n19 a rating with 4 "
        f"values) and {len(CATEGORICAL)} categorical (3, 12, 2, 50 and 8 labels, as Python strings; "
        "c1 and c2 moved; c4 with 2% missing and, in the current data, 1% of a new label), one "
        "`DataFrame` a side. Evidently is told each column's type (`DataDefinition`).",
        "- Each round runs one fresh process per side, the sides alternating which goes first; each "
        "builds its data, then times its call alone with `time.perf_counter`. Evidently's call "
        "includes `include_tests=True`, which is how it reports each column's verdict.",
        "- Agreement: each column's method, Evidently's drift score (p-value or distance) against "
        "paraguas' `p_value` (or `statistic` for a distance), and the drift verdict.",
        f"- Raw numbers and worker logs: `{shown(args.out)}/` (not committed).",
        "",
    ]
    return "\n".join(lines) + "\n"


def case_row(row: dict[str, Any]) -> str:
    their, our = row["evidently"], row["paraguas"]
    method = (
        their["method"]
        if their["method"] == our["method"]
        else f"**{their['method']} / {our['method']}**"
    )
    gap = f"{row['gap']:.1e}" if row["gap"] <= TOLERANCE else f"**{row['gap']:.1e}**"
    drift = f"{their['drifted']} / {our['drifted']}"
    return f"| {row['column']} | {method} | {their['value']:.6g} | {our['value']:.6g} | {gap} | {drift} |"


def secs(value: float) -> str:
    return num(value)


def say(message: str) -> None:
    print(f"[drift] {message}", flush=True)


if __name__ == "__main__":
    warnings.simplefilter("ignore")  # Evidently's deprecations are not ours to fix
    if "--worker" not in " ".join(sys.argv):
        stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
        say(f"paraguas {metadata.version('paraguas')} drift benchmark, {stamp}")
    main()
