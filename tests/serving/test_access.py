"""API keys by hash, with roles: 401 without a known key, 403 without the role."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from paraguas.cli.app import main
from paraguas.errors import ConfigError
from paraguas.project import Project
from paraguas.serving import ApiKeys, create_app, hash_key

from .conftest import NAME, RECORD

ACTUAL = {"date": "2025-06-01", "rain_tomorrow": 1}


def test_roles_decide_who_scores_and_who_records(project: Project) -> None:
    keys = ApiKeys.parse(
        f"{hash_key('scorer')}:predict, {hash_key('clerk')}:actuals,{hash_key('boss')}:admin"
    )
    with TestClient(create_app(project, refresh=0, keys=keys)) as client:
        predict, actuals = f"/v1/models/{NAME}/predict", f"/v1/models/{NAME}/actuals"
        anonymous = client.post(predict, json=RECORD)
        assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
        assert client.post(predict, json=RECORD, headers={"x-api-key": "guess"}).status_code == 401

        def post(url: str, key: str, body: object) -> int:
            headers = {"authorization": f"Bearer {key}"}
            return client.post(url, json=body, headers=headers).status_code

        assert post(predict, "scorer", RECORD) == 200
        assert post(actuals, "scorer", ACTUAL) == 403
        assert post(actuals, "clerk", ACTUAL) == 200
        assert post(predict, "clerk", RECORD) == 403
        assert post(predict, "boss", RECORD) == post(actuals, "boss", ACTUAL) == 200
        # Reading the models and the health checks needs no key.
        assert client.get("/v1/models").status_code == client.get("/readyz").status_code == 200


def test_keys_are_configured_by_hash_with_known_roles() -> None:
    digest = hash_key("k")
    assert ApiKeys.parse(f"{digest.upper()}:predict+actuals").roles == {
        digest: frozenset({"predict", "actuals"})
    }
    assert not ApiKeys.parse("")
    with pytest.raises(ConfigError, match="entry 1 does not start with a sha256"):
        ApiKeys.parse("my-secret-key:predict")
    with pytest.raises(ConfigError, match=r"entry 2 has roles \['write'\]"):
        ApiKeys.parse(f"{digest}:predict,{digest}:write")


def test_serve_refuses_other_machines_without_keys(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, project: Project
) -> None:
    monkeypatch.delenv("PARAGUAS_SERVE_KEYS", raising=False)
    code = main(["--project", str(project.settings.project_dir), "serve", "--host", "0.0.0.0"])
    assert code == 2
    assert "no API key is configured" in capsys.readouterr().err
