"""A cycle killed with SIGKILL at any moment, then run again, leaves the stores exactly as an
uninterrupted cycle does: no duplicate predictions, no lost decision, no second version.

The kills are placed by watching the metadata store from outside, as an operator's ``kill -9``
would land: right after each step's journal entry commits (so inside the next step), right
after the retrained version is registered (before its step is journaled), and once while the
process is still starting."""

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


# What to wait for before the SIGKILL: a query on the metadata store that returns a row once
# the moment has come, or a number of seconds after the start.
MOMENTS: dict[str, str | float] = {
    "while starting": 1.0,
    "after monitor": "select 1 from cycle_steps where day = :day and step = 'monitor'",
    "after decide": "select 1 from cycle_steps where day = :day and step = 'decide'",
    "after registering": (
        "select 1 from model_versions where json_extract(lineage, '$.trigger') = 'cycle:' || :day"
    ),
    "after retrain": "select 1 from cycle_steps where day = :day and step = 'retrain'",
    "after judge": "select 1 from cycle_steps where day = :day and step = 'judge'",
}


def _reached(database: Path, query: str, day: str) -> bool:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=0.1) as db:
            return db.execute(query, {"day": day}).fetchone() is not None
    except sqlite3.OperationalError:  # a writer holds the file for a moment: look again
        return False


def _cycle(folder: Path, day: str, *, kill: str | float | None = None) -> bool:
    """Run the cycle of ``day``; with ``kill``, SIGKILL it at that moment. True if it was
    killed (a moment that never comes lets the cycle finish)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARAGUAS_")}
    command = [str(SCRIPT), "--project", str(folder), "cycle", "--date", day]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    database = folder / ".paraguas" / "paraguas.db"
    if isinstance(kill, float):
        time.sleep(kill)
    elif kill is not None:
        while process.poll() is None and not _reached(database, kill, day):
            time.sleep(0.005)
    killed = kill is not None and process.poll() is None
    if killed:
        os.kill(process.pid, signal.SIGKILL)
    _, err = process.communicate(timeout=120)
    if kill is None:
        assert process.returncode == 0, err
    return killed


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


@pytest.mark.parametrize("moment", list(MOMENTS))
def test_a_killed_cycle_run_again_ends_as_an_uninterrupted_one(
    tmp_path: Path, moment: str, reference: dict[str, Any]
) -> None:
    folder = _project(tmp_path / "killed")
    killed = []
    for day in DAYS:
        killed.append(_cycle(folder, day, kill=MOMENTS[moment]))
        _cycle(folder, day)
    assert all(killed), f"the cycle finished before the kill {moment}: {killed}"
    assert _state(folder) == reference
