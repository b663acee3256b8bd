"""The real server: uvicorn in a subprocess, stopped with SIGTERM, loses no prediction."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import httpx
import pytest

from paraguas.project import open_project

from .conftest import NAME, RECORD


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is a POSIX signal")
@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_writes_every_prediction_before_the_server_exits(
    project_dir: Path, workers: int
) -> None:
    with open_project(project_dir) as project:
        project.registry.set_challenger(NAME, 2, reason="shadow it")
    port = _free_port()
    command = [
        sys.executable,
        "-c",
        "from paraguas.cli.app import entry_point; entry_point()",
        "--project",
        str(project_dir),
        "serve",
        "--port",
        str(port),
        "--refresh",
        "0",
        "--flush-seconds",
        "3600",  # nothing is written before shutdown: the SIGTERM flush must write it all
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    environ = {**os.environ, "PARAGUAS_ACTOR": "tester"}
    server = subprocess.Popen(command, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        ready = threading.Event()
        with httpx.Client(base_url=base, timeout=10) as client:
            for _ in range(600):  # the subprocess imports scikit-learn and loads the models
                try:
                    if client.get("/readyz").status_code == 200:
                        ready.set()
                        break
                except httpx.TransportError:
                    pass
                assert server.poll() is None, server.communicate()[1].decode()
                ready.wait(0.05)
            assert ready.is_set(), "the server did not become ready in 30 s"
            answered = [
                client.post(f"/v1/models/{NAME}/predict", json={**RECORD, "wind": float(i)})
                for i in range(40)
            ]
        assert [r.status_code for r in answered] == [200] * 40
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=60)
        # uvicorn shuts down gracefully, then re-raises the signal it caught.
        assert server.returncode in (0, -signal.SIGTERM), err.decode()
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()

    with open_project(project_dir) as project:
        table = project.predictions.read(NAME)
    roles = Counter(table["role"].to_pylist())
    assert roles == {"champion": 40, "challenger": 40}
    ids = {r.json()["prediction_id"] for r in answered}
    assert {row["prediction_id"] for row in table.to_pylist() if row["role"] == "champion"} == ids
