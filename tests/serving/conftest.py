"""A trained project for the service: ``rain_tomorrow`` with version 1 champion and version 2
registered (trained on more days), copied fresh for each test; a client on its app."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from paraguas.cli.app import main
from paraguas.project import Project, open_project
from tests.conftest import weather_table

NAME = "rain_tomorrow"
SPEC = """
import paraguas as pg
from sklearn.linear_model import LogisticRegression

spec = pg.ModelSpec(
    name="rain_tomorrow", task="binary", target="rain_tomorrow",
    features=["humidity", "pressure", "wind"], key="date", time="date",
    data=pg.Parquet("data/weather.parquet"), estimator=lambda: LogisticRegression(max_iter=500),
)
"""
RECORD = {"date": "2025-06-01", "humidity": 80.0, "pressure": 1002.5, "wind": 3.0}


def _cli(*args: object) -> None:
    assert main([str(arg) for arg in args]) == 0, args


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template project, trained once per session (tests work on copies)."""
    folder = tmp_path_factory.mktemp("serving") / "proj"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PARAGUAS_ACTOR", "tester")
        _cli("init", folder)
        (folder / "models").mkdir()
        (folder / "models" / "rain_tomorrow.py").write_text(SPEC)
        (folder / "data").mkdir()
        pq.write_table(weather_table(200), folder / "data" / "weather.parquet")
        _cli("--project", folder, "train", NAME, "--as-of", "2025-04-01")
        _cli("--project", folder, "train", NAME, "--as-of", "2025-06-01")
    return folder


@pytest.fixture
def project_dir(trained: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "proj"
    shutil.copytree(trained, folder)
    return folder


@pytest.fixture
def project(project_dir: Path) -> Iterator[Project]:
    with open_project(project_dir) as opened:
        yield opened


@pytest.fixture
def client(project: Project) -> Iterator[TestClient]:
    """The real app on the project, started (models loaded) and stopped (log flushed)."""
    from paraguas.serving import create_app

    app = create_app(project, refresh=0)
    with TestClient(app) as started:
        yield started
