"""Build the umbrella example's data from the Seattle daily weather shipped in ``vega_datasets``.

The bank gives away umbrellas on rainy days and needs, each evening, tomorrow's chance of rain.
The data and features are :mod:`paraguas.demo.weather`'s (the same as ``paraguas demo``'s);
nothing is downloaded: the data ships inside the package.

Writes ``data/weather.parquet`` (one row per day, features known that evening) and
``data/actuals.csv`` (what really happened: did it rain the next day), beside this file.
"""

from __future__ import annotations

from pathlib import Path

from paraguas.demo.weather import features, seattle

HERE = Path(__file__).resolve().parent


def main() -> None:
    table = features(seattle())
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
