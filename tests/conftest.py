"""Fixtures shared by the whole suite: a metadata store on SQLite *and* PostgreSQL, stores, models.

PostgreSQL tests run against a real server (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``,
override with PARAGUAS_TEST_POSTGRES_URL). Elsewhere they skip when it is unreachable; with
``CI=true`` they fail loudly instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from paraguas.registry import Registry
from paraguas.store import ArtifactStore, MetadataStore

if TYPE_CHECKING:
    from paraguas.monitoring.flow import Monitor

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _pg_base_url() -> str:
    return os.environ.get("PARAGUAS_TEST_POSTGRES_URL", DEFAULT_PG_URL)


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The PostgreSQL server URL, checked reachable (skip or, under CI=true, fail if not)."""
    url = _pg_base_url()
    engine = create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        message = (
            f"PostgreSQL is not reachable at {make_url(url).render_as_string(hide_password=True)} "
            f"({type(exc).__name__}). Start it, or point PARAGUAS_TEST_POSTGRES_URL at a server."
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " CI=true makes the PostgreSQL tests mandatory.")
        pytest.skip(message + " These tests are mandatory when CI=true.")
    finally:
        engine.dispose()
    return url


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A PostgreSQL URL whose tables live in a schema of their own, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_server)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(pg_server).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'paraguas.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def metadata(store_url: str) -> Iterator[MetadataStore]:
    store = MetadataStore.open(store_url)
    yield store
    store.close()


@pytest.fixture
def artifacts(tmp_path: Path) -> ArtifactStore:
    return ArtifactStore(str(tmp_path / "artifacts"))


class FakeClock:
    """A clock that moves only when told to, one second per reading by default."""

    def __init__(self, start: datetime | None = None, step: timedelta = timedelta(seconds=1)):
        self.now = start or datetime(2026, 1, 1, tzinfo=timezone.utc)
        self.step = step

    def __call__(self) -> datetime:
        current = self.now
        self.now += self.step
        return current


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def registry(
    metadata: MetadataStore, artifacts: ArtifactStore, clock: FakeClock, tmp_path: Path
) -> Registry:
    return Registry(metadata, artifacts, actor="tester", clock=clock, code_dir=tmp_path)


def _training_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(300, 4))
    target = (features[:, 0] + 0.5 * features[:, 1] > 0).astype(int)
    return features, target


@pytest.fixture(scope="session")
def training_data() -> tuple[np.ndarray, np.ndarray]:
    return _training_data()


@pytest.fixture(scope="session")
def fitted_model(training_data: tuple[np.ndarray, np.ndarray]) -> Any:
    """A small fitted scikit-learn pipeline (scaler + logistic regression)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    features, target = training_data
    return make_pipeline(StandardScaler(), LogisticRegression()).fit(features, target)


# time-ordered data for training and scoring ---------------------------------------------------

START = date(2025, 1, 1)


def weather_table(days: int = 400, seed: int = 0) -> pa.Table:
    """One row per day: rain tomorrow depends on today's humidity and pressure."""
    rng = np.random.default_rng(seed)
    humidity = rng.uniform(20, 100, days)
    pressure = rng.normal(1013, 8, days)
    wind = rng.gamma(2.0, 3.0, days)
    logit = 0.08 * (humidity - 60) - 0.15 * (pressure - 1013) + rng.normal(0, 1, days)
    return pa.table(
        {
            "date": pa.array([START + timedelta(days=i) for i in range(days)], pa.date32()),
            "humidity": humidity,
            "pressure": pressure,
            "wind": wind,
            "city": rng.choice(["seattle", "portland", "vancouver"], days),
            "rain_tomorrow": (logit > 0).astype(np.int64),
        }
    )


@pytest.fixture
def weather_file(tmp_path: Path) -> Path:
    path = tmp_path / "weather.parquet"
    pq.write_table(weather_table(), path)
    return path


@pytest.fixture
def spec_fields(weather_file: Path) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression

    import paraguas as pg

    return {
        "name": "rain_tomorrow",
        "task": "binary",
        "target": "rain_tomorrow",
        "features": ["humidity", "pressure", "wind"],
        "key": "date",
        "time": "date",
        "data": pg.Parquet(weather_file),
        "estimator": lambda: LogisticRegression(max_iter=500),
    }


@pytest.fixture
def where(registry: Registry, metadata: MetadataStore, tmp_path: Path) -> Monitor:
    """A project's stores and logs, as the monitoring flow and the daily cycle use them."""
    from paraguas.monitoring.flow import Monitor
    from paraguas.prediction import ActualsLog, PredictionLog

    return Monitor(
        registry,
        metadata,
        registry.audit,
        PredictionLog(tmp_path / "predictions"),
        ActualsLog(tmp_path / "actuals"),
    )
