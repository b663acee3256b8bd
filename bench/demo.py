"""The demo end to end: `paraguas demo` timed as a user runs it, against its 2-minute target.

Runs the command (a fresh process each time, into a fresh temporary folder) ``--runs`` times,
with ``/usr/bin/time``-like accounting of wall time, CPU time and peak memory, and the load of
the machine before and after. Writes its section of ``bench/RESULTS.md``.

Usage: ``.venv/bin/python bench/demo.py [--runs 3]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from run import machine, paraguas_commit, update_section  # noqa: E402

HEADING = "## The demo: paraguas demo, end to end"
TARGET_S = 120.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--results", type=Path, default=BENCH / "RESULTS.md")
    args = parser.parse_args()
    when = datetime.now(timezone.utc)
    load_before = os.getloadavg()
    runs = [one_run(i) for i in range(args.runs)]
    summary = {"when": when, "runs": runs, "load": (load_before, os.getloadavg())}
    update_section(args.results, HEADING, render(summary))
    print(f"[demo] wrote {args.results}")


def one_run(index: int) -> dict[str, Any]:
    paraguas = Path(sys.executable).with_name("paraguas")
    with tempfile.TemporaryDirectory(prefix="paraguas-bench-demo-") as folder:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(
            [str(paraguas), "demo", str(Path(folder) / "umbrella"), "--json"],
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"paraguas demo failed ({done.returncode}):\n{done.stderr[-3000:]}")
    told = json.loads(done.stdout)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    events = [m["event"] for m in told["moments"]]
    result = {
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_mib": after.ru_maxrss / 1024,
        "cycles": told["cycles"],
        "promotions": events.count("promote"),
        "audit_ok": told["audit"]["ok"],
    }
    print(f"[demo] run {index + 1}: {wall:.1f} s wall, {cpu:.1f} CPU-s", flush=True)
    return result


def render(s: dict[str, Any]) -> str:
    walls = [r["wall_s"] for r in s["runs"]]
    cpus = [r["cpu_s"] for r in s["runs"]]
    median = statistics.median(walls)
    met = "yes" if median < TARGET_S else "**no**"
    first = s["runs"][0]
    (b1, b5, b15), (a1, a5, a15) = s["load"]
    lines = [
        HEADING,
        "",
        f"Run on {s['when']:%a %b %d %H:%M:%S UTC %Y} by `bench/demo.py`.",
        "",
        "Machine and software:",
        "",
        *[f"- {line}" for line in machine()],
        f"- load average (1, 5, 15 min) before the runs {b1:.2f}, {b5:.2f}, {b15:.2f}, after "
        f"them {a1:.2f}, {a5:.2f}, {a15:.2f} (the machine is shared: other work may run "
        "meanwhile)",
        f"- Python {platform.python_version()}, scikit-learn {metadata.version('scikit-learn')}, "
        f"pyarrow {metadata.version('pyarrow')}; paraguas {metadata.version('paraguas')} "
        f"({paraguas_commit()})",
        "",
        "| target | measured | met |",
        "| --- | --- | --- |",
        f"| `paraguas demo` in under 2 minutes on 2 cores | median {median:.0f} s wall over "
        f"{len(walls)} runs ({min(walls):.0f} to {max(walls):.0f} s), "
        f"{statistics.median(cpus):.0f} CPU-s | {met} |",
        "",
        f"Each run: {first['cycles']} daily cycles (181 in Seattle, 639 in Mumbai), "
        f"{first['promotions']} promotion(s), audit chain "
        f"{'intact' if first['audit_ok'] else 'BROKEN'}; peak memory "
        f"{max(r['peak_mib'] for r in s['runs']):.0f} MiB.",
        "",
        "### Method",
        "",
        "- `paraguas demo DIR --json` in a fresh process and a fresh temporary folder, as a "
        "user runs it (`make demo`): building the data, the first training, every daily cycle, "
        "the report and the audit check. Wall time from start to exit; CPU time of the "
        "process (user + system).",
        "- The demo is one process; its models run on one OpenMP thread, and pyarrow's threads "
        "add a little (CPU time exceeds wall time by a few percent).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
