"""API keys by hash, with roles: 401 without a known key, 403 without the role; the keys
configured in paraguas.yaml (serve.keys) or PARAGUAS_SERVE_KEYS, the variable winning."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from paraguas.cli.app import main
from paraguas.config import PROJECT_FILE, load_settings
from paraguas.project import Project
from paraguas.serving import ApiKeys, create_app, hash_key
from paraguas.serving.app import from_environment

from .conftest import NAME, RECORD

ACTUAL = {"date": "2025-06-01", "rain_tomorrow": 1}
PREDICT, ACTUALS = f"/v1/models/{NAME}/predict", f"/v1/models/{NAME}/actuals"


def _post(client: TestClient, url: str, key: str | None, body: object) -> int:
    headers = {"authorization": f"Bearer {key}"} if key else {}
    return client.post(url, json=body, headers=headers).status_code


def test_roles_decide_who_scores_and_who_records(project: Project, tmp_path: Path) -> None:
    text = f"{hash_key('scorer')}:predict, {hash_key('clerk')}:actuals,{hash_key('boss')}:admin"
    keys = ApiKeys.of(load_settings(tmp_path, {"PARAGUAS_SERVE_KEYS": text}).serve.keys)
    with TestClient(create_app(project, refresh=0, keys=keys)) as client:
        anonymous = client.post(PREDICT, json=RECORD)
        assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
        assert client.post(PREDICT, json=RECORD, headers={"x-api-key": "guess"}).status_code == 401
        assert _post(client, PREDICT, "scorer", RECORD) == 200
        assert _post(client, ACTUALS, "scorer", ACTUAL) == 403
        assert _post(client, ACTUALS, "clerk", ACTUAL) == 200
        assert _post(client, PREDICT, "clerk", RECORD) == 403
        assert _post(client, PREDICT, "boss", RECORD) == _post(client, ACTUALS, "boss", ACTUAL)
        assert _post(client, ACTUALS, "boss", ACTUAL) == 200
        # Reading the models and the health checks needs no key.
        assert client.get("/v1/models").status_code == client.get("/readyz").status_code == 200


def test_keys_in_the_project_file_protect_the_service(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (project_dir / PROJECT_FILE).open("a", encoding="utf-8") as file:
        file.write(
            "serve:\n  keys:\n"
            f"    - {{sha256: {hash_key('scorer')}, roles: [predict], name: web shop}}\n"
            f"    - {{sha256: {hash_key('clerk').upper()}, roles: [actuals]}}\n"
        )
    monkeypatch.setenv("PARAGUAS_PROJECT", str(project_dir))
    monkeypatch.delenv("PARAGUAS_SERVE_KEYS", raising=False)
    monkeypatch.setenv("PARAGUAS_SERVE_REFRESH", "0")
    with TestClient(from_environment()) as client:
        assert _post(client, PREDICT, None, RECORD) == 401
        assert _post(client, PREDICT, "web shop", RECORD) == 401  # the name is not the key
        assert _post(client, PREDICT, "scorer", RECORD) == 200
        assert _post(client, ACTUALS, "scorer", ACTUAL) == 403
        assert _post(client, ACTUALS, "clerk", ACTUAL) == 200

    # The variable replaces the file's keys; set but empty, it is ignored.
    monkeypatch.setenv("PARAGUAS_SERVE_KEYS", f"{hash_key('ops')}:admin")
    with TestClient(from_environment()) as client:
        assert _post(client, PREDICT, "scorer", RECORD) == 401
        assert _post(client, PREDICT, "ops", RECORD) == 200
    monkeypatch.setenv("PARAGUAS_SERVE_KEYS", " ")
    with TestClient(from_environment()) as client:
        assert _post(client, PREDICT, None, RECORD) == 401
        assert _post(client, PREDICT, "scorer", RECORD) == 200


def test_serve_refuses_other_machines_without_keys(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, project: Project
) -> None:
    monkeypatch.delenv("PARAGUAS_SERVE_KEYS", raising=False)
    code = main(["--project", str(project.settings.project_dir), "serve", "--host", "0.0.0.0"])
    assert code == 2
    assert "no API key is configured" in capsys.readouterr().err


def test_serve_listens_beyond_loopback_with_keys_in_the_project_file(project_dir: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    with (project_dir / PROJECT_FILE).open("a", encoding="utf-8") as file:
        file.write(f"serve:\n  keys:\n    - {{sha256: {hash_key('ops')}, roles: [admin]}}\n")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PARAGUAS_")}
    paraguas = Path(sys.executable).with_name("paraguas")
    command = [str(paraguas), "--project", str(project_dir), "serve", "--host", "0.0.0.0"]
    server = subprocess.Popen(
        [*command, "--port", "0"], stdout=subprocess.PIPE, text=True, env=environ
    )
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        assert "on http://0.0.0.0:0 (API keys required" in first, first
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=60)
