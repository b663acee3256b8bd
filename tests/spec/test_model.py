from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import pytest
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.svm import SVC

from paraguas.errors import InvalidNameError, SpecError
from paraguas.spec import ImportedEstimator, ModelSpec, Split, parse_days


@dataclasses.dataclass(frozen=True)
class FakeSource:
    path: str = "data/weather.parquet"

    def describe(self) -> Mapping[str, Any]:
        return {"kind": "fake", "path": self.path}


def make(**changes: Any) -> ModelSpec:
    fields: dict[str, Any] = {
        "name": "rain_tomorrow",
        "task": "binary",
        "target": "rain_tomorrow",
        "features": ["precipitation", "temp_max"],
        "data": FakeSource(),
        "estimator": lambda: HistGradientBoostingClassifier(max_iter=20),
        "key": "date",
        "time": "date",
    }
    fields.update(changes)
    return ModelSpec(**fields)


def test_a_minimal_spec_gets_sensible_defaults() -> None:
    spec = make(key=None, time=None)
    assert spec.metric == "f1" and spec.split == Split(0.2) and spec.seed == 0
    assert spec.columns == ("precipitation", "temp_max", "rain_tomorrow")
    assert make(task="regression", estimator=LinearRegression).metric == "rmse"
    assert make(task="multiclass").metric == "f1_macro"


def test_columns_list_key_time_features_and_target_once() -> None:
    assert make().columns == ("date", "precipitation", "temp_max", "rain_tomorrow")


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"name": "Rain"}, InvalidNameError, "lowercase"),
        ({"task": "binay"}, SpecError, "Did you mean 'binary'"),
        ({"features": []}, SpecError, "non-empty list"),
        ({"features": ["a", "a"]}, SpecError, "listed twice: a"),
        ({"features": ["rain_tomorrow"]}, SpecError, "would see the answer"),
        ({"estimator": HistGradientBoostingClassifier()}, SpecError, "function returning"),
        ({"data": "data/weather.parquet"}, SpecError, "pg.Parquet"),
        ({"metric": "recal"}, SpecError, "Did you mean 'recall'"),
        ({"metric": "rmse"}, SpecError, "not a binary metric"),
    ],
)
def test_spec_errors_name_the_field_and_the_fix(
    changes: dict[str, Any], error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        make(**changes)


@pytest.mark.parametrize("holdout", [1.5, 0, True, None, "ninety days"])
def test_split_holdout_must_be_a_fraction_or_duration(holdout: Any) -> None:
    with pytest.raises(SpecError, match="holdout"):
        Split(holdout)


def test_estimators_are_fresh_and_seeded() -> None:
    spec = make(estimator=lambda: RandomForestClassifier(n_estimators=3), seed=7)
    first, second = spec.new_estimator(), spec.new_estimator()
    assert first is not second and first.random_state == 7
    explicit = make(estimator=lambda: RandomForestClassifier(random_state=3)).new_estimator()
    assert explicit.random_state == 3  # a seed the data scientist chose is kept


def test_classifiers_must_give_probabilities() -> None:
    with pytest.raises(SpecError, match="predict_proba"):
        make(estimator=lambda: SVC()).new_estimator()
    with pytest.raises(SpecError, match="no fit/predict"):
        make(estimator=lambda: object()).new_estimator()


def test_the_spec_hash_follows_the_declaration() -> None:
    base = make()
    assert base.spec_hash == make().spec_hash
    assert base.spec_hash != make(features=["precipitation"]).spec_hash
    assert (
        base.spec_hash
        != make(estimator=lambda: HistGradientBoostingClassifier(max_iter=21)).spec_hash
    )
    assert base.spec_hash != make(data=FakeSource("other.parquet")).spec_hash
    assert base.describe()["estimator"]["params"]["max_iter"] == 20


def test_imported_estimators_build_from_a_path_and_params() -> None:
    factory = ImportedEstimator("sklearn.linear_model.LogisticRegression", {"C": 0.5})
    model = factory()
    assert isinstance(model, LogisticRegression) and model.C == 0.5
    assert make(estimator=factory).new_estimator().C == 0.5


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("LogisticRegression", "not an import path"),
        ("sklearn.linear_modl.LogisticRegression", "cannot be imported"),
        ("sklearn.linear_model.LogisticRegresion", "Did you mean 'LogisticRegression'"),
    ],
)
def test_imported_estimator_errors(path: str, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        ImportedEstimator(path)()


def test_bad_params_are_named() -> None:
    with pytest.raises(SpecError, match="bad params"):
        ImportedEstimator("sklearn.linear_model.LogisticRegression", {"nope": 1})()


@pytest.mark.parametrize(("text", "days"), [("90d", 90), ("2w", 14), (" 7D ", 7)])
def test_durations(text: str, days: int) -> None:
    assert parse_days(text, "x") == days


@pytest.mark.parametrize("text", ["", "d", "0d", "3m", "1.5d", "-2d"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(SpecError, match="not a duration"):
        parse_days(text, "window")
