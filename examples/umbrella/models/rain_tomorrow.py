"""Will it rain tomorrow in Seattle? The umbrella campaign's model."""

from sklearn.ensemble import HistGradientBoostingClassifier

import paraguas as pg

spec = pg.ModelSpec(
    name="rain_tomorrow",
    task="binary",
    target="rain_tomorrow",
    features=[
        "precipitation",
        "temp_max",
        "temp_min",
        "wind",
        "temp_range",
        "rain_today",
        "rain_days_last_3",
        "rain_days_last_7",
        "precipitation_last_3",
        "temp_max_change",
        "wind_change",
        "season_sin",
        "season_cos",
    ],
    key="date",
    time="date",
    data=pg.Parquet("data/weather.parquet"),
    estimator=lambda: HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05),
    metric="f1",
    split=pg.Split(holdout="180d"),
    # Watch the last 30 days against the same days of the training years (weather has seasons:
    # a month always differs from the whole year); tomorrow's rain is known a day later;
    # compare the forecasts after wet and dry days.
    monitoring=pg.Monitoring(
        window="30d", every="7d", reference="season", label_delay="1d", segments=["rain_today"]
    ),
)
