"""Build the umbrella example's data from the Seattle daily weather shipped in ``vega_datasets``.

The bank gives away umbrellas on rainy days and needs, each evening, tomorrow's chance of rain.
The target is derived from the next day's precipitation (``> 0``), not from the ``weather`` label,
which contradicts the measured precipitation on about 390 days. Nothing is downloaded: the data
ships inside the package.

Writes ``data/weather.parquet`` (one row per day, features known that evening) and
``data/actuals.csv`` (what really happened: did it rain the next day), beside this file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def weather() -> pd.DataFrame:
    from vega_datasets import data

    frame = data.seattle_weather()
    frame = frame.sort_values("date").reset_index(drop=True)
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    return frame


def features(frame: pd.DataFrame) -> pd.DataFrame:
    """What is known on the evening of each day: today's weather, recent days, the season."""
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
    # The answer, known only tomorrow: used to train, and delivered later as actuals.
    out["rain_tomorrow"] = (frame["precipitation"].shift(-1) > 0).astype("Int64")
    return out.iloc[:-1].reset_index(drop=True)  # the last day has no tomorrow in the data


def main() -> None:
    table = features(weather())
    folder = HERE / "data"
    folder.mkdir(exist_ok=True)
    table.to_parquet(folder / "weather.parquet", index=False)
    actuals = table[["date", "rain_tomorrow"]]
    actuals.to_csv(folder / "actuals.csv", index=False)
    print(
        f"wrote {len(table)} days ({table['date'].min()} to {table['date'].max()}) to "
        f"{folder / 'weather.parquet'}; rain tomorrow on {table['rain_tomorrow'].mean():.0%} of days"
    )


if __name__ == "__main__":
    main()
