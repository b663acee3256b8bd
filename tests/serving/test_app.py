from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from paraguas.project import Project
from paraguas.serving import Service

from .conftest import NAME, RECORD


def service(client: TestClient) -> Service:
    found = client.app.state.service  # type: ignore[attr-defined]
    assert isinstance(found, Service)
    return found


def test_one_record_is_answered_by_the_champion_and_logged(
    client: TestClient, project: Project
) -> None:
    response = client.post(f"/v1/models/{NAME}/predict", json=RECORD)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["model"], body["version"], body["role"]) == (NAME, 1, "champion")
    assert body["key"] == "2025-06-01" and body["prediction"] in (0, 1)
    assert set(body["scores"]) == {"0", "1"}
    assert abs(sum(body["scores"].values()) - 1) < 1e-12
    assert len(body["prediction_id"]) == 32

    service(client).drain()
    logged = project.predictions.read(NAME).to_pylist()
    assert [(r["prediction_id"], r["role"], r["version"]) for r in logged] == [
        (body["prediction_id"], "champion", 1)
    ]
    assert logged[0]["scores"] == [body["scores"]["0"], body["scores"]["1"]]
    assert logged[0]["label"] == str(body["prediction"])


def test_a_list_of_records_gets_a_list_of_answers(client: TestClient) -> None:
    records = [RECORD, {**RECORD, "date": "2025-06-02", "humidity": 20}]
    response = client.post(f"/v1/models/{NAME}/predict", json=records)
    assert response.status_code == 200, response.text
    answers = response.json()["predictions"]
    assert [a["key"] for a in answers] == ["2025-06-01", "2025-06-02"]
    assert len({a["prediction_id"] for a in answers}) == 2


def test_bad_records_get_a_422_naming_each_field(client: TestClient) -> None:
    records: list[Any] = [
        {**RECORD, "humidity": "abc"},
        RECORD,
        {"date": "2025-06-03", "humidity": 50, "pressure": 1000, "wind": True},
        "not an object",
    ]
    response = client.post(f"/v1/models/{NAME}/predict", json=records)
    assert response.status_code == 422
    detail = {tuple(d["loc"]): d["msg"] for d in response.json()["detail"]}
    assert detail == {("body", 3): "expected an object of feature: value, got 'not an object'"}

    response = client.post(f"/v1/models/{NAME}/predict", json=records[:3])
    detail = {tuple(d["loc"]): d["msg"] for d in response.json()["detail"]}
    assert detail == {
        ("body", 0, "humidity"): "'abc' is not a number",
        ("body", 2, "wind"): "'true' is not a number",
    }

    text = '[{"date": "2025-06-01", "humidity": NaN, "pressure": Infinity, "wind": 1}]'
    response = client.post(
        f"/v1/models/{NAME}/predict", content=text, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    detail = {tuple(d["loc"]): d["msg"] for d in response.json()["detail"]}
    assert detail == {
        ("body", 0, "humidity"): "missing value (it was never missing in training)",
        ("body", 0, "pressure"): "inf is not finite",
    }

    missing = {"date": "2025-06-01", "humidity": 1.0, "presure": 1000.0, "wind": 2.0}
    response = client.post(f"/v1/models/{NAME}/predict", json=missing)
    assert response.status_code == 422
    detail = {tuple(d["loc"]): d["msg"] for d in response.json()["detail"]}
    assert detail[("body", 0, "pressure")] == "missing field: a feature the model needs"
    assert "Did you mean 'pressure'?" in detail[("body", 0, "presure")]
    assert "pressure" in response.json()["error"]


def test_bad_bodies(client: TestClient) -> None:
    post = client.post
    url = f"/v1/models/{NAME}/predict"
    assert (
        post(url, content=b"{nope", headers={"content-type": "application/json"}).status_code == 422
    )
    assert post(url, json=[]).status_code == 422
    assert post(url, json={**RECORD, "date": "someday"}).json()["detail"] == [
        {
            "loc": ["body", 0, "date"],
            "msg": "'someday' is not a date (YYYY-MM-DD) or an ISO 8601 time",
            "type": "value_error",
        }
    ]


def test_unknown_model_is_a_404_with_a_hint(client: TestClient) -> None:
    response = client.post("/v1/models/rain_tomorow/predict", json=RECORD)
    assert response.status_code == 404
    assert "Did you mean 'rain_tomorrow'?" in response.json()["error"]
    assert client.get("/v1/models/nope").status_code == 404
    assert client.post("/v1/models/../predict", json=RECORD).status_code == 404


def test_health_readiness_and_models(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "ready": True,
        "models": {NAME: "champion v1 loaded and verified"},
    }
    listed = client.get("/v1/models").json()["models"]
    assert [(m["name"], m["champion"], m["challenger"]) for m in listed] == [(NAME, 1, None)]
    one = client.get(f"/v1/models/{NAME}").json()
    assert one["input_schema"]["features"] == ["humidity", "pressure", "wind"]
    assert [(v["version"], v["served_as"]) for v in one["versions"]] == [(1, "champion"), (2, None)]


def test_actuals_are_recorded_like_the_cli_does(client: TestClient, project: Project) -> None:
    response = client.post(
        f"/v1/models/{NAME}/actuals",
        json=[
            {"date": "2025-06-01", "rain_tomorrow": 1},
            {"date": "2025-06-02", "rain_tomorrow": 0},
        ],
    )
    assert response.status_code == 200, response.text
    assert response.json()["rows"] == 2
    latest = project.actuals.latest(NAME)
    assert latest.column("key").to_pylist() == ["2025-06-01", "2025-06-02"]
    assert latest.column("label").to_pylist() == ["1", "0"]
    bad = client.post(f"/v1/models/{NAME}/actuals", json={"date": "2025-06-01", "rain": 1})
    assert bad.status_code == 422
    assert {tuple(d["loc"]) for d in bad.json()["detail"]} == {
        ("body", 0, "rain_tomorrow"),
        ("body", 0, "rain"),
    }


def test_limits_on_bytes_and_records(project: Project) -> None:
    from paraguas.serving import Limits, create_app

    app = create_app(project, refresh=0, limits=Limits(max_body_bytes=2_000, max_records=3))
    with TestClient(app) as client:
        url = f"/v1/models/{NAME}/predict"
        assert client.post(url, json=[RECORD] * 3).status_code == 200
        many = client.post(url, json=[RECORD] * 4)
        assert many.status_code == 413 and "at most 3" in many.json()["error"]
        big = client.post(
            url,
            content=json.dumps([RECORD] * 30).encode(),
            headers={"content-type": "application/json"},
        )
        assert big.status_code == 413 and "at most 2000" in big.json()["error"]
        assert (
            client.post(
                f"/v1/models/{NAME}/actuals", json=[{"date": "2025-06-01", "rain_tomorrow": 1}] * 4
            ).status_code
            == 413
        )


def test_a_model_without_champion_is_not_served_yet(tmp_path: Any, trained: Any) -> None:
    import shutil

    from paraguas.project import open_project
    from paraguas.serving import create_app

    folder = tmp_path / "fresh"
    shutil.copytree(trained, folder, ignore=shutil.ignore_patterns(".paraguas"))
    with open_project(folder) as fresh, TestClient(create_app(fresh, refresh=0)) as client:
        response = client.post(f"/v1/models/{NAME}/predict", json=RECORD)
        assert response.status_code == 503 and "paraguas train" in response.json()["error"]
        assert client.get("/readyz").json() == {"ready": True, "models": {NAME: "no champion"}}


def test_the_openapi_document_describes_each_models_input(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    body = document["paths"][f"/v1/models/{NAME}/predict"]["post"]["requestBody"]
    record, many = body["content"]["application/json"]["schema"]["oneOf"]
    assert record["required"] == ["humidity", "pressure", "wind"]
    assert record["properties"]["humidity"] == {"type": "number"}
    assert record["additionalProperties"] is False and "date" in record["properties"]
    assert many == {"type": "array", "items": record, "minItems": 1}
    assert "/v1/models/{name}/predict" in document["paths"]


def test_prometheus_metrics_count_requests_by_model_and_status(client: TestClient) -> None:
    url = f"/v1/models/{NAME}/predict"
    for _ in range(3):
        assert client.post(url, json=RECORD).status_code == 200
    assert client.post(url, json={**RECORD, "wind": "x"}).status_code == 422
    assert client.post("/v1/models/nope/predict", json=RECORD).status_code == 404
    text = client.get("/metrics").text
    lines = set(text.splitlines())
    assert f'paraguas_requests_total{{route="predict",model="{NAME}",status="200"}} 3' in lines
    assert f'paraguas_requests_total{{route="predict",model="{NAME}",status="422"}} 1' in lines
    assert 'paraguas_requests_total{route="predict",model="<unknown>",status="404"} 1' in lines
    assert f'paraguas_request_seconds_count{{route="predict",model="{NAME}"}} 4' in lines
    assert f'paraguas_prediction_score_count{{model="{NAME}"}} 3' in lines
    assert f'paraguas_prediction_score_bucket{{model="{NAME}",le="+Inf"}} 3' in lines
    assert f'paraguas_model_version{{model="{NAME}",role="champion"}} 1' in lines
    assert "# TYPE paraguas_request_seconds histogram" in lines


def test_the_last_monitoring_status_is_shown_and_exported(
    client: TestClient, project: Project
) -> None:
    from datetime import date, datetime, timezone

    from paraguas.store import MonitoringResult

    assert client.get(f"/v1/models/{NAME}").json()["monitoring"] is None
    common = {"model": NAME, "window_days": 7, "version": 1, "role": "champion", "value": 0.1}
    results = [
        MonitoringResult(
            **common, day=day, kind=kind, subject=s, method="psi", threshold=0.2, status=status
        )
        for day, kind, s, status in (
            (date(2025, 6, 1), "drift", "humidity", "alert"),
            (date(2025, 6, 2), "drift", "humidity", "warn"),
            (date(2025, 6, 2), "drift", "wind", "ok"),
            (date(2025, 6, 2), "performance", "f1", "ok"),
        )
    ]
    with project.metadata.transaction() as tx:
        for day in (date(2025, 6, 1), date(2025, 6, 2)):
            tx.monitoring.replace_run(
                NAME,
                day,
                7,
                [r for r in results if r.day == day],
                at=datetime(2025, 6, 3, tzinfo=timezone.utc),
            )
    assert client.get(f"/v1/models/{NAME}").json()["monitoring"] == {
        "day": "2025-06-02",
        "status": "warn",
        "checks": {"drift": "warn", "performance": "ok"},
    }
    lines = set(client.get("/metrics").text.splitlines())
    assert f'paraguas_monitoring_status{{model="{NAME}",kind="drift"}} 2' in lines
    assert f'paraguas_monitoring_status{{model="{NAME}",kind="performance"}} 0' in lines
