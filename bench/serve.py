"""Real-time service benchmark: ``paraguas serve`` against MLflow's ``mlflow models serve``.

Issue 6 asks, on the same machine in the same run, with the same scikit-learn model
(a ``HistGradientBoostingClassifier`` on 20 features) and single-record requests:

- at 16 concurrent connections, at least 4x MLflow's requests per second with a p99 latency at
  most a third of MLflow's, paraguas logging every prediction and scoring a challenger in shadow;
- at one connection, paraguas' time per request within 3x the floor of this stack: the raw
  in-process ``predict_proba`` of one record plus the round trip of an empty FastAPI endpoint on
  the same uvicorn.

Everything is generated from a seed in a temporary folder, deleted afterwards: a paraguas project
whose champion and challenger are trained by ``paraguas.training.train``; the champion's bytes
are saved as an MLflow model by the benchmark's own environment (``.venv-bench``, MLflow never in
the main one). Each server runs as its users start it (``paraguas serve``; ``mlflow models serve
--env-manager local``), with its defaults; ``wrk`` (Debian's) loads it over loopback. Client and
server share the machine's cores, for every server alike. Writes its section of
``bench/RESULTS.md``; raw numbers go to ``bench/out/serve/``.

Usage: ``make bench`` (every benchmark), ``.venv/bin/python bench/run.py --only serve``, or
``.venv/bin/python bench/serve.py [--runs 3] [--seconds 15] [--connections 16]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from run import (
    BENCH,
    QUIET_ENV,
    machine,
    mlflow_python,
    num,
    paraguas_commit,
    shell,
    shown,
    update_section,
    write_project,
)

HEADING = "## Real-time service: paraguas serve vs MLflow's server"
MODEL = "serving"
FEATURES = [f"f{index:02d}" for index in range(20)]
DAY = date(2026, 6, 1)  # the requests' day; training data ends before it
SEED = 0
TRAIN_ROWS, TRAIN_DAYS = 20_000, 100
RECORDS = 200  # distinct request bodies, cycled by the load generator
RPS_TARGET, P99_TARGET, FLOOR_TARGET = 4.0, 1 / 3, 3.0
TRUSTED = ["sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"]
SPEC = f'''"""The benchmark's model: 20 float features, a key, a day."""

from sklearn.ensemble import HistGradientBoostingClassifier

import paraguas as pg

spec = pg.ModelSpec(
    name="{MODEL}",
    task="binary",
    target="label",
    features={FEATURES!r},
    key="id",
    time="day",
    data=pg.Parquet("train.parquet"),
    estimator=lambda: HistGradientBoostingClassifier(max_iter=100, random_state={SEED}),
    split=pg.Split("20d"),
)
'''
# wrk sends each connection's requests in turn from a pool of bodies, and prints its summary as
# JSON (latencies in microseconds). Non-2xx answers are counted by wrk as errors.status.
WRK_SCRIPT = """
local bodies = {}
for line in io.lines(os.getenv("WRK_BODIES")) do bodies[#bodies + 1] = line end
local path = os.getenv("WRK_PATH")
local headers = {["Content-Type"] = "application/json"}
local next_body = 0

request = function()
  next_body = next_body % #bodies + 1
  return wrk.format("POST", path, headers, bodies[next_body])
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "mean_us": %f, "max_us": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p99_us": %d, "p999_us": %d}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency.mean, latency.max, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9)))
end
"""
SERVERS = ("paraguas", "mlflow", "mlflow-omp1", "empty")
MLFLOW_OPTIONS = ("--env-manager", "local", "--host", "127.0.0.1", "--port")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs per server and load")
    parser.add_argument("--seconds", type=int, default=15, help="length of one timed run")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of untimed load first")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temporary folder")
    parser.add_argument("--results", type=Path, default=BENCH / "RESULTS.md")
    parser.add_argument("--out", type=Path, default=BENCH / "out" / "serve")
    parser.add_argument("--save-mlflow", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.save_mlflow:  # run by .venv-bench's Python
        save_mlflow_model(*args.save_mlflow)
        return

    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    say(f"paraguas {metadata.version('paraguas')} real-time service benchmark, {stamp}")
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("This benchmark needs wrk on PATH: apt-get install -y wrk (Debian).")
    load_before = os.getloadavg()
    folder = Path(tempfile.mkdtemp(prefix="paraguas-bench-serve-", dir=args.workdir))
    try:
        summary = run(folder, wrk, args)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    summary["load"] = [load_before, os.getloadavg()]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    section = render(summary, args)
    update_section(args.results, HEADING, section)
    print(section)


def run(folder: Path, wrk: str, args: argparse.Namespace) -> dict[str, Any]:
    say(f"project, training data and models in {folder}")
    make_project(folder)
    trained = train_models(folder)
    bodies = write_bodies(folder)
    python = mlflow_python()
    say("saving the champion as an MLflow model (in .venv-bench)")
    subprocess.run(
        [python, __file__, "--save-mlflow", str(folder / "champion.skops"), str(folder / "mlflow")],
        check=True,
        env={**os.environ, **QUIET_ENV},
        cwd=BENCH,
    )
    summary: dict[str, Any] = {
        "versions": versions(python),
        "trained": trained,
        "records": RECORDS,
    }
    raw = RawCall(folder)
    summary["raw"] = {"default_threads": [raw.median(2, one_thread=False) for _ in range(3)]}
    args.out.mkdir(parents=True, exist_ok=True)
    with servers(folder, python, args.out) as started:
        summary["runs"] = load_runs(started, bodies, wrk, args, raw)
        summary["raw"]["one_thread"] = [r["median_s"] for r in summary["runs"].pop("raw@1")]
        summary["counters"] = paraguas_counters(started["paraguas"].url)
    summary["logged"] = logged_rows(folder)  # the server has stopped: its log is all written
    return summary


# the workload ------------------------------------------------------------------------------------


def make_project(folder: Path) -> None:
    """A project with one model spec, and its training data: seeded rows on 100 earlier days."""
    write_project(
        folder,
        name="bench-serve",
        model=MODEL,
        spec=SPEC,
        features=FEATURES,
        rows=TRAIN_ROWS,
        days=TRAIN_DAYS,
        before=DAY,
        seed=SEED,
    )


def train_models(folder: Path) -> dict[str, Any]:
    """Version 1 (data up to 20 days before the requests) as champion, version 2 (all of it) as
    challenger; the champion's bytes also go to ``champion.skops`` for MLflow."""
    from paraguas.project import open_project
    from paraguas.training import train

    with open_project(folder) as project:
        first = train(
            project.spec(MODEL), project.registry, as_of=DAY - timedelta(days=21), reason="bench"
        )
        if not first.promoted:
            raise SystemExit(f"The benchmark model did not become champion: {first.decision}")
        second = train(project.spec(MODEL), project.registry, reason="bench")
        project.registry.set_challenger(MODEL, second.version.version, reason="bench")
        champion = project.registry.alias(MODEL, "champion")
        assert champion is not None
        if champion.artifact.format != "skops":
            raise SystemExit(f"The champion is stored as {champion.artifact.format}, not skops.")
        (folder / "champion.skops").write_bytes(
            project.artifacts.get_bytes(champion.artifact.sha256)
        )
        model = project.registry.load(MODEL)
    return {
        "champion": first.version.version,
        "challenger": second.version.version,
        "roc_auc": round(float(first.metrics["roc_auc"]), 4),
        "n_iter": int(model.n_iter_),
    }


def records() -> list[dict[str, Any]]:
    """The requests' records: seeded features, a key and the day."""
    import numpy as np

    values = np.random.default_rng([SEED, 2]).normal(size=(RECORDS, len(FEATURES)))
    return [
        {
            "id": index,
            "day": DAY.isoformat(),
            **{name: float(values[index, column]) for column, name in enumerate(FEATURES)},
        }
        for index in range(RECORDS)
    ]


def write_bodies(folder: Path) -> dict[str, Path]:
    """One request body per line: paraguas gets the record (with its key and day), MLflow the
    features in its ``dataframe_records`` form, the empty endpoint the record."""
    found = {}
    for server, body in (
        ("paraguas", lambda record: record),
        ("mlflow", lambda record: {"dataframe_records": [{f: record[f] for f in FEATURES}]}),
        ("mlflow-omp1", lambda record: {"dataframe_records": [{f: record[f] for f in FEATURES}]}),
        ("empty", lambda record: record),
    ):
        path = folder / f"bodies-{server}.jsonl"
        path.write_text(
            "".join(json.dumps(body(record)) + "\n" for record in records()), encoding="utf-8"
        )
        found[server] = path
    return found


def save_mlflow_model(source: Path, target: Path) -> None:
    """In ``.venv-bench``: the champion's skops bytes as an MLflow model whose pyfunc returns
    ``predict_proba``, with a signature inferred from the records (so MLflow checks them too)."""
    import mlflow.sklearn
    import pandas as pd
    import skops.io
    from mlflow.models import infer_signature

    model = skops.io.load(source, trusted=TRUSTED)
    sample = pd.DataFrame([{f: r[f] for f in FEATURES} for r in records()])
    signature = infer_signature(sample, model.predict_proba(sample))
    mlflow.sklearn.save_model(
        model,
        target,
        serialization_format="skops",
        skops_trusted_types=TRUSTED,
        signature=signature,
        pyfunc_predict_fn="predict_proba",
    )


class RawCall:
    """The champion's own ``predict_proba`` on one record, in this process, timed between the
    servers' runs so that it meets the same neighbours on the machine."""

    def __init__(self, folder: Path) -> None:
        import numpy as np
        import pandas as pd

        from paraguas.project import open_project

        with open_project(folder) as project:
            self.model = project.registry.load(MODEL)
        record = records()[0]
        self.frame = pd.DataFrame(
            [[record[f] for f in FEATURES]], columns=FEATURES, dtype=np.float64
        )

    def median(self, seconds: float, *, one_thread: bool = True) -> float:
        """The median time of back-to-back calls for ``seconds``, on one OpenMP thread (as the
        service scores) or with scikit-learn's default pool."""
        from threadpoolctl import threadpool_limits

        limits = threadpool_limits(limits=1) if one_thread else None
        try:
            times: list[float] = []
            until = time.perf_counter() + seconds
            while time.perf_counter() < until:
                started = time.perf_counter()
                self.model.predict_proba(self.frame)
                times.append(time.perf_counter() - started)
        finally:
            if limits is not None:
                limits.restore_original_limits()
        return statistics.median(times[len(times) // 10 :])  # the first calls warm up


# the servers -------------------------------------------------------------------------------------


class Server:
    """One server process, its URL and how to load it."""

    def __init__(self, name: str, process: subprocess.Popen[bytes], port: int, path: str) -> None:
        self.name = name
        self.process = process
        self.url = f"http://127.0.0.1:{port}"
        self.path = path

    def cpu_seconds(self) -> float:
        """User + system CPU of the server's processes (MLflow's CLI starts uvicorn as a child),
        all their threads, so far."""
        total = 0.0
        for pid in descendants(self.process.pid):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
            except OSError:
                continue  # ended meanwhile
            after = fields.rsplit(")", 1)[1].split()
            total += (int(after[11]) + int(after[12])) / os.sysconf("SC_CLK_TCK")
        return total


def descendants(root: int) -> list[int]:
    """``root`` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text(encoding="utf-8")
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


@contextmanager
def servers(folder: Path, mlflow: str, out: Path) -> Iterator[dict[str, Server]]:
    """The three servers, started one after the other and ready; stopped with SIGTERM."""
    env = {**os.environ, **QUIET_ENV}
    ports = {name: free_port() for name in SERVERS}
    paraguas = str(Path(sys.executable).with_name("paraguas"))
    mlflow_cli, port = str(Path(mlflow).with_name("mlflow")), str(ports["mlflow"])
    port1 = str(ports["mlflow-omp1"])
    commands = {
        "paraguas": (
            [paraguas, "--project", str(folder), "serve", "--port", str(ports["paraguas"])],
            f"/v1/models/{MODEL}/predict",
            "/readyz",
        ),
        "mlflow": (
            [mlflow_cli, "models", "serve", "-m", str(folder / "mlflow"), *MLFLOW_OPTIONS, port],
            "/invocations",
            "/ping",
        ),
        # Not a target: MLflow told to keep OpenMP to one thread, as paraguas does by itself.
        "mlflow-omp1": (
            [mlflow_cli, "models", "serve", "-m", str(folder / "mlflow"), *MLFLOW_OPTIONS, port1],
            "/invocations",
            "/ping",
        ),
        "empty": (
            [sys.executable, str(BENCH / "serve_floor.py"), str(ports["empty"])],
            "/empty",
            "/healthz",
        ),
    }
    # As in an activated environment: MLflow starts `uvicorn` from PATH.
    path = f"{Path(mlflow).parent}{os.pathsep}{env.get('PATH', '')}"
    extra = {"mlflow": {"PATH": path}, "mlflow-omp1": {"PATH": path, "OMP_NUM_THREADS": "1"}}
    started: dict[str, Server] = {}
    try:
        for name, (command, path, ready) in commands.items():
            say(f"starting {name}: {' '.join(command)}")
            log = (out / f"{name}.log").open("wb")
            process = subprocess.Popen(
                command,
                env={**env, **extra.get(name, {})},
                cwd=folder,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            started[name] = Server(name, process, ports[name], path)
            wait_ready(started[name], ready, out / f"{name}.log")
        yield started
    finally:
        for server in started.values():
            server.process.send_signal(signal.SIGTERM)
        for server in started.values():
            try:
                server.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.process.kill()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_ready(server: Server, path: str, log: Path, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
            raise SystemExit(f"The {server.name} server stopped; end of {log}:\n{tail}")
        try:
            with urllib.request.urlopen(server.url + path, timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise SystemExit(f"The {server.name} server was not ready after {timeout:.0f} s; see {log}.")


# loading -----------------------------------------------------------------------------------------


def load_runs(
    started: dict[str, Server],
    bodies: dict[str, Path],
    wrk: str,
    args: argparse.Namespace,
    raw: RawCall,
) -> dict[str, Any]:
    """Every (server, connections) pair: a warm-up, then ``args.runs`` timed runs, the pairs
    interleaved and their order rotating from run to run so that noise hits all alike."""
    script = args.out / "post.lua"
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    pairs = [
        ("paraguas", args.connections),
        ("mlflow", args.connections),
        ("paraguas", 1),
        ("mlflow", 1),
        ("empty", 1),
        ("mlflow-omp1", args.connections),
        ("raw", 1),
    ]
    say("checking every server's answer")
    for name, server in started.items():
        check_answer(server, bodies[name])
    for name, connections in pairs[:-1]:
        say(f"warm-up: {name}, {connections} connection(s), {args.warmup} s")
        load(started[name], bodies[name], wrk, script, connections, args.warmup)
        settle(started)
    found: dict[str, list[dict[str, Any]]] = {f"{n}@{c}": [] for n, c in pairs}
    for run_ in range(args.runs):
        order = pairs[run_ % len(pairs) :] + pairs[: run_ % len(pairs)]
        for name, connections in order:
            if name == "raw":
                median = raw.median(min(args.seconds, 5))
                found["raw@1"].append({"median_s": median})
                say(f"run {run_ + 1}/{args.runs} raw predict_proba: {median * 1e3:.2f} ms")
                continue
            result = load(started[name], bodies[name], wrk, script, connections, args.seconds)
            found[f"{name}@{connections}"].append(result)
            say(
                f"run {run_ + 1}/{args.runs} {name} x{connections}: "
                f"{result['rps']:,.0f} req/s, p50 {result['p50_us'] / 1e3:.2f} ms, "
                f"p99 {result['p99_us'] / 1e3:.2f} ms, server CPU {result['server_cpu']:.1f} s, "
                f"wrk CPU {result['wrk_cpu']:.1f} s, others {result['others_cpu']:.1f} s"
            )
            settle(started)
    return found


def load(
    server: Server, bodies: Path, wrk: str, script: Path, connections: int, seconds: int
) -> dict[str, Any]:
    """One ``wrk`` run against ``server``; its summary, with the CPU each side used."""
    command = [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    command += ["-s", str(script), server.url + server.path]
    env = {**os.environ, "WRK_BODIES": str(bodies), "WRK_PATH": server.path}
    machine_before, server_before = busy_seconds(), server.cpu_seconds()
    children_before = children_seconds()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = process.communicate()
    server_cpu = server.cpu_seconds() - server_before
    machine_cpu = busy_seconds() - machine_before
    wrk_cpu = children_seconds() - children_before  # wrk, reaped by communicate()
    if process.returncode != 0:
        raise SystemExit(f"wrk failed ({process.returncode}): {stderr.decode(errors='replace')}")
    line = stdout.decode().strip().splitlines()[-1]
    result: dict[str, Any] = json.loads(line)
    result.update(
        rps=result["requests"] / (result["duration_us"] / 1e6),
        connections=connections,
        server_cpu=server_cpu,
        wrk_cpu=wrk_cpu,
        others_cpu=max(machine_cpu - server_cpu - wrk_cpu, 0.0),
        errors=sum(result[k] for k in ("connect", "read", "write", "status", "timeout")),
    )
    if result["errors"]:
        raise SystemExit(f"{server.name}: {result['errors']} failed requests: {result}")
    return result


def children_seconds() -> float:
    """User + system CPU of this process' reaped children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def check_answer(server: Server, bodies: Path) -> None:
    body = bodies.read_text(encoding="utf-8").splitlines()[0].encode()
    request = urllib.request.Request(
        server.url + server.path, data=body, headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            say(f"{server.name} answers: {answer.read()[:200].decode()}")
    except urllib.error.HTTPError as exc:
        raise SystemExit(
            f"{server.name} refuses the request: {exc.read()[:2000].decode()}"
        ) from exc


def settle(started: dict[str, Server], timeout: float = 120.0) -> None:
    """Wait until paraguas' shadow queue is empty, so that no server's run pays for another's
    leftover work."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if paraguas_counters(started["paraguas"].url).get("paraguas_shadow_queued", 0) == 0:
            return
        time.sleep(0.2)
    raise SystemExit("paraguas' shadow queue did not drain within two minutes.")


def paraguas_counters(url: str) -> dict[str, float]:
    """The series of paraguas' ``/metrics`` without labels (shadow and log counters), and the
    predict requests answered with 200."""
    with urllib.request.urlopen(url + "/metrics", timeout=10) as answer:
        text = answer.read().decode()
    found = {"answered": 0.0}
    for line in text.splitlines():
        if line.startswith("#") or not line:
            continue
        name, value = line.rsplit(" ", 1)
        if "{" not in name:
            found[name] = float(value)
        elif name.startswith("paraguas_requests_total{") and 'route="predict"' in name:
            found["answered"] += float(value) if 'status="200"' in name else 0.0
    return found


def logged_rows(folder: Path) -> dict[str, int]:
    """Rows in the prediction log, by role, once the server has stopped."""
    from paraguas.project import open_project

    with open_project(folder) as project:
        roles = project.predictions.read(MODEL, columns=["role"])["role"].to_pylist()
    return {role: roles.count(role) for role in sorted(set(roles))}


def busy_seconds() -> float:
    """CPU seconds every process of the machine has used since boot (``/proc/stat``)."""
    fields = Path("/proc/stat").read_text(encoding="utf-8").splitlines()[0].split()[1:]
    ticks = [int(value) for value in fields]
    idle = ticks[3] + ticks[4]  # idle and iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


# rendering ---------------------------------------------------------------------------------------


def render(summary: dict[str, Any], args: argparse.Namespace) -> str:
    runs = {pair: [spread_of(r, key) for key in STATS] for pair, r in summary["runs"].items()}
    stats = {pair: dict(zip(STATS, values, strict=True)) for pair, values in runs.items()}
    busy = f"@{args.connections}"
    ours, theirs = stats[f"paraguas{busy}"], stats[f"mlflow{busy}"]
    rps_ratio = ours["rps"]["median"] / theirs["rps"]["median"]
    rps_worst = ours["rps"]["min"] / theirs["rps"]["max"]
    p99_ratio = ours["p99_us"]["median"] / theirs["p99_us"]["median"]
    p99_worst = ours["p99_us"]["max"] / theirs["p99_us"]["min"]
    raw = statistics.median(summary["raw"]["one_thread"]) * 1e6
    empty = stats["empty@1"]["p50_us"]["median"]
    alone = stats["paraguas@1"]
    floor_ratio = alone["p50_us"]["median"] / (raw + empty)
    floor_worst = alone["p50_us"]["max"] / (raw + empty)
    mean_ratio = alone["mean_us"]["median"] / (raw + stats["empty@1"]["mean_us"]["median"])
    ours_v, theirs_v = summary["versions"]["paraguas"], summary["versions"]["mlflow"]
    counters, logged = summary["counters"], summary["logged"]
    machine_cpu = [r["others_cpu"] for rs in summary["runs"].values() for r in rs]
    available = args.seconds * (os.cpu_count() or 1)
    load = summary["load"]
    lines = [HEADING, ""]
    lines += [
        f"Run on {shell('date')} by `bench/serve.py` (`make bench`, or `bench/run.py --only serve`)."
    ]
    lines += ["", "Machine and software:", ""]
    lines += [f"- {item}" for item in machine()]
    lines += [
        "- load average (1, 5, 15 min) before the run "
        + ", ".join(f"{x:.2f}" for x in load[0])
        + ", after it "
        + ", ".join(f"{x:.2f}" for x in load[1])
        + f"; during the timed runs other processes used {pct(statistics.median(machine_cpu) / available)} "
        f"of the machine's CPU (median over runs; at most {pct(max(machine_cpu) / available)}): "
        "the machine is shared, and the rounds interleave the servers so that this hits all alike",
        f"- Python {ours_v['python']}, scikit-learn {ours_v['scikit-learn']} and numpy "
        f"{ours_v['numpy']} on both sides; FastAPI {ours_v['fastapi']}, Starlette "
        f"{ours_v['starlette']} and uvicorn {ours_v['uvicorn']} on both sides (MLflow's: "
        f"{theirs_v['fastapi']}, {theirs_v['starlette']}, {theirs_v['uvicorn']}), no uvloop nor httptools",
        f"- paraguas {ours_v['paraguas']} ({paraguas_commit()})",
        f"- MLflow {theirs_v['mlflow']} with pandas {theirs_v['pandas']} (in `.venv-bench`, from "
        "`bench/requirements-mlflow.txt`)",
        f"- load generator: {summary['versions']['wrk']} (`-t1`), on the same machine",
        "",
        "| target | measured | met |",
        "| --- | --- | --- |",
        f"| {args.connections} connections, single-record requests: paraguas (champion answering, "
        "challenger in shadow, every prediction logged) ≥ 4x MLflow's requests per second "
        f"| {rps_ratio:.1f}x ({num(ours['rps']['median'])} vs {num(theirs['rps']['median'])} req/s; "
        f"worst pairing {rps_worst:.1f}x) | {met(rps_ratio >= RPS_TARGET)} |",
        f"| the same load: paraguas' p99 latency ≤ 1/3 of MLflow's "
        f"| {p99_ratio:.2f} ({ms(ours['p99_us']['median'])} vs {ms(theirs['p99_us']['median'])} ms; "
        f"worst pairing {p99_worst:.2f}) | {met(p99_ratio <= P99_TARGET)} |",
        "| one connection: paraguas' time per request ≤ 3x the floor (raw `predict_proba` of one "
        "record + the round trip of an empty FastAPI endpoint) "
        f"| {floor_ratio:.2f}x (p50 {ms(alone['p50_us']['median'])} ms vs {ms(raw)} + "
        f"{ms(empty)} ms; slowest run {floor_worst:.2f}x; by mean times {mean_ratio:.2f}x) "
        f"| {met(floor_ratio <= FLOOR_TARGET)} |",
        "",
        *threads_note(stats, summary, args),
        f"### Requests per second and latency ({args.runs} runs of {args.seconds} s each)",
        "",
        "Median over runs, with the range of the runs in brackets; latencies in milliseconds as "
        "wrk measures them (send to last byte). *Server CPU* is the CPU time of the server's "
        "processes (every thread) per request; *wrk CPU* the load generator's share of the run.",
        "",
        "| server | connections | requests/s | p50 | p90 | p99 | p99.9 | server CPU ms / request | wrk CPU |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for pair, found in stats.items():
        name, connections = pair.split("@")
        cpu = [r["server_cpu"] / r["requests"] * 1e3 for r in summary["runs"][pair]]
        wrk = [r["wrk_cpu"] / (r["duration_us"] / 1e6) for r in summary["runs"][pair]]
        lines.append(
            f"| {LABELS[name]} | {connections} | {num(found['rps']['median'])} "
            f"({num(found['rps']['min'])}\N{EN DASH}{num(found['rps']['max'])}) "
            + " ".join(
                f"| {ranged(found[key])}" for key in ("p50_us", "p90_us", "p99_us", "p999_us")
            )
            + f" | {num(statistics.median(cpu))} | {pct(statistics.median(wrk))} of a core |"
        )
    answered = int(counters["answered"])
    lines += [
        "",
        "### The floor",
        "",
        f"- raw `model.predict_proba(frame)` on one record (a 1-row DataFrame of 20 float64 "
        f"columns, as the service gives the model), one OpenMP thread: {ms(raw)} ms (median over "
        f"rounds of each round's median of back-to-back calls for {min(args.seconds, 5)} s, the "
        "rounds taken between the servers' runs; range "
        f"{ranged_list(summary['raw']['one_thread'])}); with scikit-learn's default threads, "
        f"before the runs: {ms(statistics.median(summary['raw']['default_threads']) * 1e6)} ms",
        f"- empty endpoint (FastAPI on uvicorn, reading the body and answering `{{}}`, as "
        f"`paraguas serve` runs its app), one connection: p50 {ranged(stats['empty@1']['p50_us'])} ms, "
        f"{num(stats['empty@1']['rps']['median'])} requests/s",
        "",
        "### Shadow scoring and the log",
        "",
        f"Over the whole run (warm-ups and one check request included) paraguas answered "
        f"{answered:,} predict requests, in {int(counters.get('paraguas_model_calls_total', 0)):,} "
        "calls of the champion; the challenger repeated "
        f"{int(counters.get('paraguas_shadow_done_total', 0)):,} of these calls in shadow, in "
        f"{int(counters.get('paraguas_shadow_batches_total', 0)):,} calls of its own, dropped "
        f"{int(counters.get('paraguas_shadow_dropped_total', 0)):,} and failed on "
        f"{int(counters.get('paraguas_shadow_failed_total', 0)):,}. After the server stopped, the "
        f"prediction log held {logged.get('champion', 0):,} champion and "
        f"{logged.get('challenger', 0):,} challenger rows: "
        + (
            "one of each for every answered request."
            if logged.get("champion") == logged.get("challenger") == answered
            else "**not** one of each for every answered request."
        ),
        "",
    ]
    lines += method(summary, args)
    return "\n".join(lines) + "\n"


def threads_note(
    stats: dict[str, dict[str, dict[str, float]]], summary: dict[str, Any], args: argparse.Namespace
) -> list[str]:
    """How much of the gap is MLflow's thread pool: its server with OpenMP held to one thread."""
    tuned = stats.get(f"mlflow-omp1@{args.connections}")
    if tuned is None:
        return []
    ours = stats[f"paraguas@{args.connections}"]
    raw = summary["raw"]
    untuned = stats[f"mlflow@{args.connections}"]
    return [
        "MLflow's server leaves scikit-learn's OpenMP pool at its default, one thread per core "
        "(the raw call on one record takes "
        f"{ms(statistics.median(raw['default_threads']) * 1e6)} ms so here, against "
        f"{ms(statistics.median(raw['one_thread']) * 1e6)} ms on one thread; paraguas holds each "
        "of its scoring threads to one). Started with `OMP_NUM_THREADS=1`, MLflow serves "
        f"{num(tuned['rps']['median'])} requests/s at {args.connections} connections (against "
        f"{num(untuned['rps']['median'])}) with a p99 of {ms(tuned['p99_us']['median'])} ms: "
        f"paraguas' requests/s are {ours['rps']['median'] / tuned['rps']['median']:.1f}x that, "
        f"its p99 {ours['p99_us']['median'] / tuned['p99_us']['median']:.2f} of it. Not a "
        "target (the issue compares with MLflow's server as it is started); it shows how much "
        "of the gap the thread pool explains. The rest is per request: paraguas validates and "
        "scores the records of concurrent requests in one call, MLflow each request alone.",
        "",
    ]


def method(summary: dict[str, Any], args: argparse.Namespace) -> list[str]:
    trained = summary["trained"]
    return [
        "### Method",
        "",
        f"- Model: `HistGradientBoostingClassifier(max_iter=100)` on {len(FEATURES)} seeded "
        f"standard-normal features, trained by `paraguas.training.train` on {TRAIN_ROWS:,} rows "
        f"over {TRAIN_DAYS} days: version {trained['champion']} (holdout ROC AUC "
        f"{trained['roc_auc']}, {trained['n_iter']} iterations) is champion, version "
        f"{trained['challenger']} (trained on 20 more days) challenger. MLflow serves the "
        "champion's own bytes: `.venv-bench` loads them with skops and saves them with "
        "`mlflow.sklearn.save_model(serialization_format='skops', pyfunc_predict_fn="
        "'predict_proba', signature=...)` (the signature inferred from the records, so that MLflow "
        "checks its inputs as paraguas does); both answer the same probabilities.",
        f"- Servers, as their users start them, default options: `paraguas --project DIR serve "
        "--port P` (uvicorn, one process, its access log on; the champion's answer, the "
        "challenger's shadow scoring and the prediction log, flushed every second, all on) and "
        "`mlflow models serve -m DIR --env-manager local --port P` (uvicorn, one worker, its "
        "access log on), started one after the other and left running (a third, MLflow again with "
        "`OMP_NUM_THREADS=1`, for comparison only); each server's output "
        f"goes to a file in `{shown(args.out)}/`.",
        f"- Requests: {RECORDS} seeded records, each a single-record request, cycled by each "
        "connection: to paraguas `POST /v1/models/NAME/predict` with the record (20 features, "
        'its key and day); to MLflow `POST /invocations` with `{"dataframe_records": [record]}` '
        "(the 20 features).",
        f"- Load: `wrk -t1 -cN -dT` with a Lua script for the bodies and the percentiles, on "
        f"loopback; first a {args.warmup} s warm-up of every (server, connections) pair, then "
        f"{args.runs} rounds of {args.seconds} s runs of every pair, the order of the pairs "
        "rotating from round to round. Between runs the benchmark waits for paraguas' shadow "
        "queue to be empty, so that no run pays for another's leftover work. A non-2xx answer "
        "or a socket error stops the benchmark.",
        "- The floor: the champion loaded in the benchmark's own process, its `predict_proba` timed "
        "on one record with `threadpoolctl` holding OpenMP to one thread (the service does the "
        "same in each of its scoring threads); the empty endpoint is `bench/serve_floor.py`.",
        "- CPU: each server's processes from `/proc/PID/stat` (MLflow's command starts uvicorn as "
        "a child), wrk's from `getrusage(RUSAGE_CHILDREN)`, the whole machine's from `/proc/stat`.",
        f"- Raw numbers: `{shown(args.out)}/summary.json` (not committed).",
        "",
    ]


STATS = ("rps", "p50_us", "p90_us", "p99_us", "p999_us", "mean_us")
LABELS = {
    "paraguas": "paraguas serve",
    "mlflow": "mlflow models serve",
    "mlflow-omp1": "mlflow models serve, `OMP_NUM_THREADS=1` (not a target)",
    "empty": "empty endpoint",
}


def spread_of(runs: list[dict[str, Any]], key: str) -> dict[str, float]:
    values = [float(run[key]) for run in runs]
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def ranged(value: dict[str, float]) -> str:
    """Microseconds as milliseconds: median (min to max)."""
    return f"{ms(value['median'])} ({ms(value['min'])}\N{EN DASH}{ms(value['max'])})"


def ranged_list(seconds: list[float]) -> str:
    return f"{ms(min(seconds) * 1e6)}\N{EN DASH}{ms(max(seconds) * 1e6)} ms"


def ms(microseconds: float) -> str:
    return num(microseconds / 1e3)


def pct(share: float) -> str:
    return f"{share:.0%}"


def met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def versions(mlflow: str) -> dict[str, Any]:
    ours = {"python": platform.python_version()}
    for package in ("paraguas", "scikit-learn", "numpy", "fastapi", "uvicorn", "starlette"):
        ours[package] = metadata.version(package)
    code = (
        "import json, platform; from importlib import metadata; print(json.dumps({'python': "
        "platform.python_version(), **{p: metadata.version(p) for p in ('mlflow', "
        "'scikit-learn', 'numpy', 'fastapi', 'uvicorn', 'starlette', 'pandas')}}))"
    )
    theirs = json.loads(shell(mlflow, "-c", code))
    wrk = shell("sh", "-c", "wrk --version 2>&1 | head -1 || true").split(" [")[0]
    return {"paraguas": ours, "mlflow": theirs, "wrk": wrk}


def say(message: str) -> None:
    print(f"[serve] {message}", flush=True)


if __name__ == "__main__":
    main()
