"""A real-time model has the batch models' lifecycle: what the service answered (the champion)
and scored in shadow (the challenger), with the actuals it was told, is the evidence the daily
cycle judges the challenger on — and the promotion it decides is what the service serves next."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta, timezone
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pytest
from fastapi.testclient import TestClient
from sklearn.dummy import DummyClassifier

from paraguas.cli.app import main
from paraguas.lifecycle import run_day
from paraguas.project import open_project
from paraguas.registry import CHALLENGER, CHAMPION
from paraguas.serving import create_app

from .conftest import NAME, SPEC
from .test_app import service

RECORDS = 40  # one a day (the key is the date): the shadow's paired rows


def test_the_cycle_judges_the_challenger_on_what_the_service_scored(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project_dir / "models" / "rain_tomorrow.py").write_text(
        SPEC.replace(
            "estimator=lambda: LogisticRegression(max_iter=500),",
            "estimator=lambda: LogisticRegression(max_iter=500), "
            "retraining=pg.Retraining(on_drift=False), "
            f"promotion=pg.Promotion(shadow_days=1, min_rows={RECORDS}),",
        )
    )
    # The challenger always says rain; it rains every day of the test: it is truly better.
    always = DummyClassifier(strategy="constant", constant=1).fit(np.zeros((2, 3)), [0, 1])
    first = datetime.now(timezone.utc).date()  # the shadow starts the day the alias is set
    days = [first + timedelta(days=i) for i in range(RECORDS)]
    rng = np.random.default_rng(7)
    with open_project(project_dir) as project:
        challenger = project.registry.register(NAME, always, format="joblib", reason="test")
        project.registry.set_challenger(NAME, challenger.version, reason="shadow it")
        with TestClient(create_app(project, refresh=0)) as client:
            answered = []
            for day in days:
                record = {
                    "date": day.isoformat(),
                    "humidity": float(rng.uniform(20, 100)),
                    "pressure": float(rng.normal(1013, 8)),
                    "wind": 3.0,
                }
                answer = client.post(f"/v1/models/{NAME}/predict", json=record)
                assert answer.status_code == 200, answer.text
                answered.append(answer.json())
            told = client.post(
                f"/v1/models/{NAME}/actuals",
                json=[{"date": day.isoformat(), "rain_tomorrow": 1} for day in days],
            )
            assert told.status_code == 200, told.text
            service(client).drain()
        assert {a["version"] for a in answered} == {1}
        champion_said_rain = sum(int(a["prediction"]) for a in answered)
        assert 0 < champion_said_rain < RECORDS  # so the champion is wrong on some days

        logged = project.predictions.read(NAME)
        online = pc.equal(logged["role"], CHALLENGER)
        assert logged.num_rows == 2 * RECORDS and pc.sum(online).as_py() == RECORDS

        judged_on = days[-1] + timedelta(days=1)
        evening = datetime.combine(judged_on, time(20), tzinfo=timezone.utc)
        spec = project.spec(NAME)
        cycle = run_day(spec, project.monitor, judged_on, now=lambda: evening)
        assert "judge" in cycle.ran
        with project.metadata.transaction(write=False) as tx:
            decided = tx.lifecycle.decisions(NAME)
        assert [(d.day, d.action) for d in decided] == [(judged_on, "keep"), (judged_on, "promote")]
        evidence = decided[-1].evidence["comparison"]
        assert (evidence["rows"], evidence["metric"]) == (RECORDS, "f1")
        assert evidence["challenger"] == 1.0  # "always rain" when it rains every day
        hits = champion_said_rain  # the champion's F1: hits / (hits + misses / 2), no false alarm
        assert np.isclose(evidence["champion"], 2 * hits / (2 * hits + (RECORDS - hits)))
        assert project.registry.alias(NAME, CHAMPION).version == challenger.version  # type: ignore[union-attr]
        assert project.registry.alias(NAME, CHALLENGER) is None

        # An auditor traces a prediction the service made to the evidence that promoted v3.
        capsys.readouterr()
        assert (
            main(["--project", str(project_dir), "why", NAME, days[0].isoformat(), "--json"]) == 0
        )
        traced = json.loads(capsys.readouterr().out)
        assert [(a["role"], a["version"]) for a in traced["answers"]] == [
            ("champion", 1),
            ("challenger", challenger.version),
        ]
        assert traced["answers"][0]["prediction_id"] == answered[0]["prediction_id"]
        shadowed = traced["versions"][1]
        assert shadowed["promoted_because"]["evidence"]["comparison"]["rows"] == RECORDS
        assert shadowed["role_given"]["reason"] == "shadow it"
        assert traced["actuals"][-1]["label"] == "1" and traced["audit"]["ok"]

        # The service that starts next answers with the promoted version.
        with TestClient(create_app(project, refresh=0)) as client:
            again = client.post(f"/v1/models/{NAME}/predict", json=record)
            assert again.json()["version"] == challenger.version
