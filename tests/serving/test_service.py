"""The service behind the routes: hot swap, shadow scoring, model errors, parity with batch."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date
from typing import Any

import numpy as np
import pyarrow.compute as pc
import pytest
from fastapi.testclient import TestClient

from paraguas.prediction.batch import predict_day
from paraguas.project import Project
from paraguas.serving import create_app

from .conftest import NAME, RECORD
from .test_app import service


def test_the_challenger_scores_in_shadow_and_both_go_to_the_log(project: Project) -> None:
    project.registry.set_challenger(NAME, 2, reason="shadow it")
    with TestClient(create_app(project, refresh=0)) as client:
        answers = [
            client.post(f"/v1/models/{NAME}/predict", json={**RECORD, "wind": w}).json()
            for w in range(5)
        ]
        assert {a["version"] for a in answers} == {1} and {a["role"] for a in answers} == {
            "champion"
        }
        assert client.get(f"/v1/models/{NAME}").json()["challenger"] == 2
        service(client).drain()
        assert service(client).shadow.done == 5
    table = project.predictions.read(NAME)
    roles = Counter(zip(table["role"].to_pylist(), table["version"].to_pylist(), strict=True))
    assert roles == {("champion", 1): 5, ("challenger", 2): 5}
    # The same records, keyed alike: the monitoring flow pairs them.
    assert sorted(set(table["key"].to_pylist())) == ["2025-06-01"]


class Broken:
    """A 'model' that fails on every record."""

    classes_ = np.array([0, 1])

    def predict(self, features: Any) -> Any:
        raise ValueError("broken on purpose")

    def predict_proba(self, features: Any) -> Any:
        raise ValueError("broken on purpose")


def test_a_failing_model_gives_a_500_with_an_error_id_and_the_server_keeps_serving(
    project: Project, caplog: pytest.LogCaptureFixture
) -> None:
    broken = project.registry.register(NAME, Broken(), format="joblib", reason="test")
    with TestClient(create_app(project, refresh=0)) as client:
        project.registry.set_challenger(NAME, broken.version, reason="fails in shadow")
        service(client).refresh()
        ok = client.post(f"/v1/models/{NAME}/predict", json=RECORD)
        assert ok.status_code == 200 and ok.json()["version"] == 1
        service(client).drain()
        assert service(client).shadow.failed == 1  # the caller never knew

        project.registry.promote(NAME, broken.version, reason="break it")
        service(client).refresh()
        failed = client.post(f"/v1/models/{NAME}/predict", json=RECORD)
        assert failed.status_code == 500
        error_id = failed.json()["error_id"]
        assert error_id in failed.json()["error"]
        assert any(error_id in r.getMessage() and r.exc_info for r in caplog.records)
        assert client.get("/healthz").status_code == 200

        project.registry.rollback(NAME, reason="fix it")
        service(client).refresh()
        again = client.post(f"/v1/models/{NAME}/predict", json=RECORD)
        assert again.status_code == 200 and again.json()["version"] == 1


def test_hot_swap_under_load_fails_no_request_and_names_who_answered(project: Project) -> None:
    with TestClient(create_app(project, refresh=0)) as client:
        answered: list[list[tuple[int, str]]] = [[] for _ in range(4)]
        failures: list[str] = []
        swapped = threading.Event()
        started = threading.Barrier(len(answered) + 1, timeout=30)

        def load(slot: list[tuple[int, str]]) -> None:
            for index in range(60):
                if index == 1:  # each thread has been answered once before the promotion
                    started.wait()
                if index == 30:  # ... and is answered again after the swap
                    swapped.wait(timeout=30)
                response = client.post(f"/v1/models/{NAME}/predict", json=RECORD)
                if response.status_code != 200:
                    failures.append(response.text)
                    continue
                body = response.json()
                slot.append((body["version"], body["prediction_id"]))

        threads = [threading.Thread(target=load, args=(slot,)) for slot in answered]
        for thread in threads:
            thread.start()
        started.wait()
        project.registry.promote(NAME, 2, reason="better")
        service(client).refresh()
        swapped.set()
        for thread in threads:
            thread.join()
        service(client).drain()

    assert failures == []
    for slot in answered:
        versions = [version for version, _ in slot]
        assert versions == sorted(versions)  # never back to the old one once swapped
        assert versions[-1] == 2
    everything = [pair for slot in answered for pair in slot]
    assert {version for version, _ in everything} == {1, 2}
    logged = project.predictions.read(NAME, columns=["prediction_id", "version"])
    by_id = dict(
        zip(logged["prediction_id"].to_pylist(), logged["version"].to_pylist(), strict=True)
    )
    assert {by_id[id_] for _, id_ in everything} == {1, 2}
    assert all(by_id[id_] == version for version, id_ in everything)


def test_the_background_refresh_picks_up_a_promotion(project: Project) -> None:
    with TestClient(create_app(project, refresh=0.05)) as client:
        assert client.post(f"/v1/models/{NAME}/predict", json=RECORD).json()["version"] == 1
        project.registry.promote(NAME, 2, reason="better")
        swapped = threading.Event()
        for _ in range(400):  # the refresh thread's interval is 50 ms: give it up to 20 s
            if client.get(f"/v1/models/{NAME}").json()["champion"] == 2:
                swapped.set()
                break
            swapped.wait(0.05)
        assert swapped.is_set()
        assert client.post(f"/v1/models/{NAME}/predict", json=RECORD).json()["version"] == 2


def test_the_service_and_batch_give_bit_identical_scores(project: Project) -> None:
    day = date(2025, 6, 1)
    spec = project.spec(NAME)
    run = predict_day(spec, project.registry, project.predictions, day=day)
    assert run.rows == 1
    row = (
        spec.data.read(["date", "humidity", "pressure", "wind"])
        .filter(pc.field("date") == day)
        .to_pylist()[0]
    )
    record = {**row, "date": day.isoformat()}
    with TestClient(create_app(project, refresh=0)) as client:
        answer = client.post(f"/v1/models/{NAME}/predict", json=record).json()
    batch = project.predictions.read(
        NAME, filter=pc.field("prediction_id") != answer["prediction_id"]
    )
    online = project.predictions.read(
        NAME, filter=pc.field("prediction_id") == answer["prediction_id"]
    )
    assert batch.num_rows == online.num_rows == 1
    assert batch["scores"].to_pylist() == online["scores"].to_pylist()
    assert list(answer["scores"].values()) == batch["scores"].to_pylist()[0]
    assert batch["label"].to_pylist() == online["label"].to_pylist()
    # A batch run of the day again replaces the batch file, never the service's part.
    predict_day(spec, project.registry, project.predictions, day=day)
    assert project.predictions.read(NAME).num_rows == 2


def test_every_thread_that_scores_holds_openmp_to_one_thread(project: Project) -> None:
    # OpenMP's thread count belongs to each calling thread: a limit set where the service
    # starts would leave the request and shadow threads with every core.
    from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

    found: list[int] = []
    with TestClient(create_app(project, refresh=0)) as client:

        def request_thread() -> None:
            service(client)._threads.here()
            found.append(_openmp_effective_n_threads())

        worker = threading.Thread(target=request_thread)
        worker.start()
        worker.join()
    assert found == [1]
