"""A cycle killed with SIGKILL at any moment, then run again, leaves the stores exactly as an
uninterrupted cycle does: no duplicate predictions, no lost decision, no second version."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds
import pytest

from tests.cli.test_training_cmds import SPEC, _declare

SCRIPT = Path(sys.executable).parent / "paraguas"
DAYS = ("2025-06-01", "2025-06-02")


def _project(folder: Path) -> Path:
    done = subprocess.run([SCRIPT, "init", folder], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    _declare(folder)
    (folder / "models" / "rain_tomorrow.py").write_text(
        SPEC.replace(
            "estimator=lambda: LogisticRegression(max_iter=500),",
            "estimator=lambda: LogisticRegression(max_iter=500), "
            "retraining=pg.Retraining(on_drift=False, every='1d'),",
        )
    )
    return folder


def _cycle(folder: Path, day: str, *, kill_after: float | None = None) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARAGUAS_")}
    command = [str(SCRIPT), "--project", str(folder), "cycle", "--date", day]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    if kill_after is not None:
        time.sleep(kill_after)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
    _, err = process.communicate(timeout=120)
    if kill_after is None:
        assert process.returncode == 0, err


def _state(folder: Path) -> dict[str, Any]:
    """Everything the cycle writes, without what legitimately differs (times, ids, hashes)."""
    with sqlite3.connect(folder / ".paraguas" / "paraguas.db") as db:
        versions = db.execute(
            "select version, json_extract(lineage, '$.trigger') from model_versions order by version"
        ).fetchall()
        decisions = db.execute("select day, action, reason from decisions order by id").fetchall()
        steps = db.execute("select day, step from cycle_steps order by day, step").fetchall()
        results = db.execute("select day, count(*) from monitoring_results group by day").fetchall()
        aliases = db.execute("select alias, version from model_aliases order by alias").fetchall()
        locks = db.execute("select count(*) from cycle_locks").fetchone()
    log = folder / ".paraguas" / "data" / "predictions"
    rows = ds.dataset(log, format="parquet", partitioning="hive").to_table(
        columns=["key", "role", "version"]
    )
    predictions = sorted(zip(*(rows[c].to_pylist() for c in rows.column_names), strict=True))
    verified = subprocess.run(
        [SCRIPT, "--project", str(folder), "audit", "verify", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    return {
        "versions": versions,
        "decisions": decisions,
        "steps": steps,
        "results": results,
        "aliases": aliases,
        "locks": locks,
        "predictions": predictions,
        "audit": json.loads(verified.stdout)["ok"],
    }


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The stores after the same cycles, never interrupted."""
    clean = _project(tmp_path_factory.mktemp("clean"))
    for day in DAYS:
        _cycle(clean, day)
    state = _state(clean)
    assert state["locks"] == (0,) and state["audit"] is True
    assert [action for _, action, _ in state["decisions"]] == ["retrain", "retrain", "wait"]
    return state


# Killed while starting, while monitoring or training, while scoring (the process takes a few
# seconds to import and open the project, then runs its steps): wherever it lands, the re-run
# must end where the uninterrupted cycle did.
@pytest.mark.parametrize("kill_after", [1.5, 3.0, 4.5])
def test_a_killed_cycle_run_again_ends_as_an_uninterrupted_one(
    tmp_path: Path, kill_after: float, reference: dict[str, Any]
) -> None:
    killed = _project(tmp_path / "killed")
    for day in DAYS:
        _cycle(killed, day, kill_after=kill_after)
        _cycle(killed, day)
    assert _state(killed) == reference
