from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

from tests.conftest import weather_table

from .runner import Run

SPEC = """
import paraguas as pg
from sklearn.linear_model import LogisticRegression

spec = pg.ModelSpec(
    name="rain_tomorrow", task="binary", target="rain_tomorrow",
    features=["humidity", "pressure", "wind"], key="date", time="date",
    data=pg.Parquet("data/weather.parquet"), estimator=lambda: LogisticRegression(max_iter=500),
)
"""


def _declare(project: Path) -> None:
    (project / "models").mkdir()
    (project / "models" / "rain_tomorrow.py").write_text(SPEC)
    (project / "data").mkdir()
    pq.write_table(weather_table(200), project / "data" / "weather.parquet")


def test_train_prints_metrics_and_the_decision(cli: Run, project: Path) -> None:
    _declare(project)
    result = cli("train", "rain_tomorrow", "--as-of", "2025-06-01", "--reason", "first fit")
    assert result.code == 0, result.err
    assert "Trained rain_tomorrow version 1" in result.out
    assert "naive baseline" in result.out and "Decision: champion" in result.out
    listed = json.loads(cli("versions", "rain_tomorrow", "--json").out)
    assert listed[0]["aliases"] == ["champion"]
    assert listed[0]["lineage"]["as_of"] == "2025-06-01"
    assert listed[0]["reason"] == "first fit"


def test_train_json_for_scripts(cli: Run, project: Path) -> None:
    _declare(project)
    result = cli("train", "rain_tomorrow", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["version"]["version"] == 1 and data["promoted"] is True
    assert data["metric"] == "f1" and 0 <= data["metrics"]["f1"] <= 1
    assert set(data["seconds"]) == {"read", "split", "fit", "evaluate", "profile", "register"}


def test_train_an_undeclared_model(cli: Run, project: Path) -> None:
    _declare(project)
    result = cli("train", "rain_tomorow")
    assert result.code == 1
    assert "not declared" in result.err and "Did you mean 'rain_tomorrow'" in result.err
    assert result.out == ""


def test_train_with_a_bad_date(cli: Run, project: Path) -> None:
    _declare(project)
    result = cli("train", "rain_tomorrow", "--as-of", "01/06/2025")
    assert result.code == 2 and "--as-of" in result.err
