"""Fuzz the API from its own OpenAPI document (schemathesis): no input gives a 5xx."""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from paraguas.project import Project
from paraguas.serving import create_app


def test_no_generated_request_gets_a_server_error(project: Project) -> None:
    app = create_app(project, refresh=0)
    with TestClient(app, raise_server_exceptions=False) as client:
        schema = schemathesis.openapi.from_dict(client.get("/openapi.json").json())
        operations = [found.ok() for found in schema.get_all_operations()]
        assert "/v1/models/rain_tomorrow/predict" in {op.path for op in operations}
        failures: list[str] = []

        for operation in operations:

            @settings(
                max_examples=40,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy())
            def call(case: Any) -> None:
                sent = case.as_transport_kwargs(base_url="http://testserver")
                sent.pop("cookies", None)
                response = client.request(**sent)
                if response.status_code >= 500:
                    failures.append(f"{case.as_curl_command()} -> {response.status_code}")

            call()
        assert failures == []
