"""The benchmarks of bench/RESULTS.md, each rewriting only its own section of it.

``registry``: paraguas against MLflow on this machine, in one run. Each side runs in its own
process and virtual environment (MLflow only ever in ``.venv-bench``), in a fresh temporary
folder per round; the sides alternate over the rounds so that noise hits both.

``predict``: batch scoring by ``paraguas predict`` against the raw ``predict_proba`` of its model
(``bench/predict.py``, which can also be run alone, with more options).

``drift``: ``dataset_drift`` against Evidently 0.7's ``DataDriftPreset``, and on wide data
(``bench/drift.py``, which can also be run alone, with more options; Evidently only ever in
``.venv-bench-evidently``).

``serve``: ``paraguas serve`` against MLflow's ``mlflow models serve`` under ``wrk``, and against
the floor of its stack (``bench/serve.py``, which can also be run alone, with more options; MLflow
only ever in ``.venv-bench``).

Usage: ``make bench`` (all) or ``.venv/bin/python bench/run.py
[--only registry|predict|drift|cycle|serve|demo] [--rounds 5]``.

``PARAGUAS_BENCH_MLFLOW_PYTHON`` may name the Python of an existing environment with the pins of
``bench/requirements-mlflow.txt`` installed, instead of creating ``.venv-bench``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
REQUIREMENTS = BENCH / "requirements-mlflow.txt"
VENV = ROOT / ".venv-bench"
STAMP = VENV / ".installed-mlflow"
HEADING = "## Registry: register, alias, load vs MLflow"
SIDES = {"paraguas": "registry_paraguas.py", "mlflow": "registry_mlflow.py"}
# Nothing in either worker may reach the network.
QUIET_ENV = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
    "GIT_PYTHON_REFRESH": "quiet",
}

# (kind label, paraguas op, MLflow op, what MLflow calls, target ratio MLflow/paraguas)
ROWS = [
    ("register", "register", "register", "`log_model` + `register_model` in a run", 10.0),
    ("move alias", "alias", "alias", "`set_registered_model_alias`", 1.0),
    ("load champion", "load", "load_sklearn", "`mlflow.sklearn.load_model`", 2.0),
    ("load champion", "load", "load_pyfunc", "`mlflow.pyfunc.load_model`", 2.0),
]
PARAGUAS_CALLS = {
    "register": "`Registry.register`",
    "alias": "`Registry.promote`",
    "load": "`Registry.load`",
}
KIND_LABELS = {
    "logreg": "StandardScaler + LogisticRegression",
    "hgb": "HistGradientBoostingClassifier(max_iter=100)",
}


BENCHMARKS = ("registry", "predict", "drift", "cycle", "serve", "demo")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=BENCHMARKS, help="run this benchmark alone")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=100, help="timed alias moves and loads")
    parser.add_argument("--register-repeats", type=int, default=10)
    parser.add_argument("--kinds", default="logreg,hgb")
    parser.add_argument("--results", type=Path, default=BENCH / "RESULTS.md")
    parser.add_argument("--out", type=Path, default=BENCH / "out" / "registry")
    args = parser.parse_args()
    if args.only in (None, "registry"):
        registry(args)
    if args.only in (None, "predict"):
        predict(args)
    if args.only in (None, "drift"):
        drift(args)
    if args.only in (None, "cycle"):
        cycle(args)
    if args.only in (None, "demo"):
        demo(args)
    if args.only in (None, "serve"):
        serve(args)


def _own_process(script: str, what: str, args: argparse.Namespace) -> None:
    """Run ``bench/<script>`` in a process of its own (each times and allocates a lot, or starts
    servers), writing its section of the results."""
    command = [sys.executable, str(BENCH / script), f"--results={args.results}"]
    if subprocess.run(command, check=False).returncode != 0:
        raise SystemExit(f"The {what} benchmark (bench/{script}) failed; see above.")


def predict(args: argparse.Namespace) -> None:
    """The batch scoring benchmark."""
    _own_process("predict.py", "batch scoring", args)


def cycle(args: argparse.Namespace) -> None:
    """The daily cycle's overhead for many small models."""
    _own_process("cycle.py", "cycle", args)


def demo(args: argparse.Namespace) -> None:
    """`paraguas demo` end to end, a fresh process per run."""
    _own_process("demo.py", "demo", args)


def serve(args: argparse.Namespace) -> None:
    """The real-time service benchmark (it starts the servers)."""
    _own_process("serve.py", "real-time service", args)


def drift(args: argparse.Namespace) -> None:
    """The drift benchmark (it starts a process per side and round)."""
    _own_process("drift.py", "drift", args)


def registry(args: argparse.Namespace) -> None:
    """The registry benchmark: both sides, alternating over the rounds."""
    pythons = {"paraguas": sys.executable, "mlflow": mlflow_python()}
    load_before = os.getloadavg()
    runs: dict[str, list[dict[str, Any]]] = {side: [] for side in SIDES}
    for round_ in range(args.rounds):
        order = list(SIDES) if round_ % 2 == 0 else list(reversed(SIDES))
        for side in order:
            print(f"round {round_ + 1}/{args.rounds}: {side}", flush=True)
            runs[side].append(run_worker(side, pythons[side], round_, args))
    check_same_sklearn(runs)

    summary = summarise(runs)
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    busy = (load_before, os.getloadavg())
    section = render(summary, busy, args)
    update_section(args.results, HEADING, section)
    print(section)


# environments -----------------------------------------------------------------------------------


def mlflow_python() -> str:
    """The Python of the MLflow environment, creating ``.venv-bench`` on first use."""
    given = os.environ.get("PARAGUAS_BENCH_MLFLOW_PYTHON")
    if given:
        return given
    python = VENV / "bin" / "python"
    wanted = REQUIREMENTS.read_text(encoding="utf-8")
    if python.exists() and STAMP.exists() and STAMP.read_text(encoding="utf-8") == wanted:
        return str(python)
    print(f"Creating {VENV.name} with {REQUIREMENTS.name} (once; takes a few minutes)", flush=True)
    # The same interpreter as the main venv, so that both sides run the same Python.
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-r", str(REQUIREMENTS)], check=True)
    STAMP.write_text(wanted, encoding="utf-8")
    return str(python)


def run_worker(side: str, python: str, round_: int, args: argparse.Namespace) -> dict[str, Any]:
    out = args.out / f"round{round_ + 1}-{side}.json"
    log = args.out / f"round{round_ + 1}-{side}.log"
    out.parent.mkdir(parents=True, exist_ok=True)
    command = [
        python,
        str(BENCH / SIDES[side]),
        f"--repeats={args.repeats}",
        f"--register-repeats={args.register_repeats}",
        f"--kinds={args.kinds}",
        f"--out={out}",
    ]
    with log.open("w", encoding="utf-8") as stderr:
        done = subprocess.run(
            command, env={**os.environ, **QUIET_ENV}, stdout=stderr, stderr=stderr, check=False
        )
    if done.returncode != 0:
        tail = "\n".join(log.read_text(encoding="utf-8").splitlines()[-20:])
        raise SystemExit(
            f"The {side} worker failed (exit {done.returncode}); end of {log}:\n{tail}"
        )
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


def check_same_sklearn(runs: dict[str, list[dict[str, Any]]]) -> None:
    found = {side: runs[side][0]["versions"]["scikit-learn"] for side in SIDES}
    if len(set(found.values())) != 1:
        raise SystemExit(
            f"The two sides ran different scikit-learn versions ({found}); the comparison needs "
            f"one. Pin scikit-learn=={found['paraguas']} in {REQUIREMENTS.relative_to(ROOT)}."
        )


# summarising ------------------------------------------------------------------------------------


def summarise(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Per side, kind and operation: the median of each round, then median and range over rounds."""
    summary: dict[str, Any] = {}
    for side, rounds in runs.items():
        kinds: dict[str, Any] = {}
        for kind in rounds[0]["kinds"]:
            ops = {}
            for op in rounds[0]["kinds"][kind]["times"]:
                per_round = [statistics.median(r["kinds"][kind]["times"][op]) for r in rounds]
                ops[op] = spread(per_round)
            first = {
                op: spread([r["kinds"][kind]["first_call"][op] for r in rounds])
                for op in rounds[0]["kinds"][kind]["first_call"]
            }
            kinds[kind] = {"ops": ops, "first_call": first}
        summary[side] = {
            "kinds": kinds,
            "import_s": spread([r["import_s"] for r in rounds]),
            "versions": rounds[0]["versions"],
        }
    return summary


def spread(values: list[float]) -> dict[str, Any]:
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "rounds": values,
    }


# rendering --------------------------------------------------------------------------------------


def render(
    summary: dict[str, Any],
    busy: tuple[tuple[float, ...], tuple[float, ...]],
    args: argparse.Namespace,
) -> str:
    ours, theirs = summary["paraguas"], summary["mlflow"]
    lines = [HEADING, ""]
    lines += [f"Run on {shell('date')} by `make bench` (`bench/run.py`)."]
    lines += ["", "Machine and software:", ""]
    lines += [f"- {item}" for item in machine()]
    lines.append(
        "- load average (1, 5, 15 min) before the run "
        + ", ".join(f"{x:.2f}" for x in busy[0])
        + ", after it "
        + ", ".join(f"{x:.2f}" for x in busy[1])
        + " (the machine is shared: other work may run meanwhile)"
    )
    lines += [
        f"- Python {ours['versions']['python']} (both sides); scikit-learn "
        f"{ours['versions']['scikit-learn']} and numpy {ours['versions']['numpy']} (both sides)",
        f"- paraguas {ours['versions']['paraguas']} ({paraguas_commit()}), skops "
        f"{ours['versions']['skops']}, SQLAlchemy {ours['versions']['SQLAlchemy']}",
        f"- MLflow {theirs['versions']['mlflow']}, SQLAlchemy {theirs['versions']['SQLAlchemy']} "
        "(in `.venv-bench`, from `bench/requirements-mlflow.txt`)",
        "",
        "Times are per call, in milliseconds: the median over rounds of each round's median, with "
        "the range of the round medians in brackets. *Ratio* is MLflow's median over paraguas'; "
        "*worst pairing* divides MLflow's fastest round by paraguas' slowest. A target is met "
        "when the median ratio reaches it.",
        "",
    ]
    for kind in ours["kinds"]:
        lines += [f"### {KIND_LABELS.get(kind, kind)}", ""]
        lines += [
            "| operation | paraguas | MLflow | ratio | worst pairing | target | met |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for label, our_op, their_op, their_call, target in ROWS:
            a = ours["kinds"][kind]["ops"][our_op]
            b = theirs["kinds"][kind]["ops"][their_op]
            ratio, worst = b["median"] / a["median"], b["min"] / a["max"]
            lines.append(
                f"| {label}: {PARAGUAS_CALLS[our_op]} vs {their_call} | {ms(a)} | {ms(b)} "
                f"| {ratio:.1f}x | {worst:.1f}x | ≥ {target:g}x | {'yes' if ratio >= target else '**no**'} |"
            )
        floor = ours["kinds"][kind]["ops"].get("deserialise")
        if floor:
            lines.append(
                "| of which deserialising alone: `skops.io.loads` of the champion's bytes "
                f"| {ms(floor)} | | | | | |"
            )
            load = ours["kinds"][kind]["ops"]["load"]["median"]
            sklearn = theirs["kinds"][kind]["ops"]["load_sklearn"]["median"]
            lines += [
                "",
                f"Both sides load with skops. Over the {num(floor['median'] * 1e3)} ms that "
                f"`skops.io.loads` takes here, `Registry.load` adds {num((load - floor['median']) * 1e3)} ms "
                f"(alias read, file read, sha256) and `mlflow.sklearn.load_model` adds "
                f"{num((sklearn - floor['median']) * 1e3)} ms; a 2x ratio needs MLflow's overhead to "
                "exceed the skops load plus twice paraguas' own.",
            ]
        lines.append("")
    lines += cold_costs(ours, theirs)
    lines += method(args)
    return "\n".join(lines) + "\n"


def cold_costs(ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    lines = [
        "### Once per process (excluded from the targets)",
        "",
        "Importing the library, and the first call of each operation in a fresh process (lazy "
        "imports, caches, the first database connection). Median over rounds, in milliseconds.",
        "",
        "| | paraguas | MLflow |",
        "| --- | --- | --- |",
        "| import (`paraguas.project` / `mlflow`, `mlflow.sklearn`, `mlflow.pyfunc`) "
        f"| {ms(ours['import_s'])} | {ms(theirs['import_s'])} |",
    ]
    kind = next(iter(ours["kinds"]))
    for _, our_op, their_op, their_call, _ in ROWS:
        a = ours["kinds"][kind]["first_call"][our_op]
        b = theirs["kinds"][kind]["first_call"][their_op]
        lines.append(
            f"| first call, {kind}: {PARAGUAS_CALLS[our_op]} / {their_call} | {ms(a)} | {ms(b)} |"
        )
    return [*lines, ""]


def method(args: argparse.Namespace) -> list[str]:
    return [
        "### Method",
        "",
        f"- {args.rounds} rounds; in each, one fresh process per side, the sides alternating "
        "which goes first. Each process works in a new temporary folder: paraguas a new project "
        "(a git repository, as a real project is, so lineage capture runs `git`) with its default "
        "SQLite metadata store and local artifact folder; MLflow a new SQLite tracking and "
        "registry database and a local artifact folder, telemetry off (`MLFLOW_DISABLE_TELEMETRY`, "
        "`DO_NOT_TRACK`), no network.",
        "- Models: `bench/workload.py` builds them identically on both sides from seed 0: "
        "`make_classification(n_samples=2000, n_features=20, n_informative=10)`, each version "
        "fitted on its own seeded 90% subsample so that every registration stores new bytes. "
        "Both sides save with skops (MLflow 3's default too); the tree model needs "
        "`TreePredictor` trusted: paraguas records it at registration, MLflow is passed "
        "`skops_trusted_types`.",
        "- Warm-up per model kind: 2 registrations, 6 alias moves, 3 loads per loader, untimed. "
        "Import time and first calls are excluded from the main tables (shown above): both "
        "sides are measured as long-lived processes.",
        f"- Timed per round and kind: {args.register_repeats} registrations, then "
        f"{args.repeats} alias moves (alternating between the two newest versions), then "
        f"{args.repeats} loads of the champion per loader; each call timed alone with "
        "`time.perf_counter`, garbage collector left on.",
        "- register: paraguas `Registry.register(name, model, params=, metrics=, tags=, "
        "reason=)` (skops bytes, sha256, content-addressed write, lineage, version row and "
        "audit event in one transaction) vs MLflow `start_run` + `log_params` + `log_metrics` + "
        "`mlflow.sklearn.log_model` + `mlflow.register_model(tags=)` with default options "
        "(no signature or input example; MLflow infers pip requirements).",
        "- move alias: paraguas `Registry.promote(name, version, reason=)` (alias row, alias "
        "history row and audit event in one transaction) vs `MlflowClient()."
        "set_registered_model_alias` on one long-lived client.",
        "- load champion: paraguas `Registry.load(name)` (reads the champion alias, reads the "
        'bytes, verifies sha256, skops load) vs `mlflow.sklearn.load_model("models:/NAME@champion")` '
        "and `mlflow.pyfunc.load_model(...)` (no hash check). After timing, each loaded model must "
        "predict exactly like the registered one.",
        f"- Raw per-call times and worker logs: `{shown(args.out)}/` (not committed).",
        "",
    ]


def shown(path: Path) -> str:
    path = path.resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def ms(value: dict[str, Any]) -> str:
    return f"{num(value['median'] * 1e3)} ({num(value['min'] * 1e3)}\N{EN DASH}{num(value['max'] * 1e3)})"


def num(x: float) -> str:
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def machine() -> list[str]:
    cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    meminfo = Path("/proc/meminfo").read_text(encoding="utf-8")
    kib = re.search(r"^MemTotal:\s*(\d+) kB", meminfo, re.MULTILINE)
    memory = f"{int(kib.group(1)) / 2**20:.1f} GiB" if kib else "unknown"
    return [
        f"{shell('nproc')} CPUs ({model.group(1) if model else 'unknown model'}), {memory} memory",
        f"{platform.system()} {platform.release()}",
    ]


def paraguas_commit() -> str:
    commit = shell("git", "-C", str(ROOT), "rev-parse", "--short", "HEAD")
    dirty = shell("git", "-C", str(ROOT), "status", "--porcelain", "--", "src")
    return f"commit {commit}{', with uncommitted changes in src/' if dirty else ''}"


def shell(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def write_project(
    folder: Path,
    *,
    name: str,
    model: str,
    spec: str,
    features: list[str],
    rows: int,
    days: int,
    before: date,
    seed: int,
) -> None:
    """A project with one model spec, and its training data in ``train.parquet``: ``rows``
    seeded rows of float ``features`` on the ``days`` days before ``before``, labelled by a
    noisy linear rule (the workload of the batch scoring and service benchmarks)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    (folder / "paraguas.yaml").write_text(f"name: {name}\n", encoding="utf-8")
    (folder / "models").mkdir()
    (folder / "models" / f"{model}.py").write_text(spec, encoding="utf-8")
    rng = np.random.default_rng([seed, 1])
    values = rng.normal(size=(rows, len(features)))
    weights = rng.normal(size=len(features))
    label = (values @ weights + rng.normal(scale=2.0, size=rows) > 0).astype(np.int64)
    first = before - timedelta(days=days)
    stamps = np.datetime64(first) + np.arange(rows) * days // rows
    table = {
        "id": pa.array(np.arange(rows, dtype=np.int64)),
        "day": pa.array(stamps.astype("datetime64[D]"), pa.date32()),
        **{feature: values[:, index] for index, feature in enumerate(features)},
        "label": label,
    }
    pq.write_table(pa.table(table), folder / "train.parquet")


def update_section(path: Path, heading: str, body: str) -> None:
    """Replace this benchmark's section of ``path`` (or add it), keeping the other sections."""
    if path.exists():
        text = path.read_text(encoding="utf-8")
    else:
        text = (
            "# paraguas benchmarks\n\nEach section is written by the benchmark it names "
            "(`make bench`); raw data goes to `bench/out/`, which is not committed.\n"
        )
    start = text.find(heading)
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + body
    else:
        end = text.find("\n## ", start + len(heading))
        text = text[:start] + body + ("" if end == -1 else "\n" + text[end + 1 :])
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    print(f"paraguas {metadata.version('paraguas')} benchmarks, {stamp}", flush=True)
    main()
