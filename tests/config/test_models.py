from __future__ import annotations

from pathlib import Path

import pytest

from paraguas.config import load_specs
from paraguas.errors import ConfigError, SpecError
from paraguas.spec import ImportedEstimator

PY_SPEC = """
import paraguas as pg
from sklearn.linear_model import LogisticRegression

spec = pg.ModelSpec(
    name="rain_tomorrow", task="binary", target="rain", features=["humidity"],
    data=pg.Parquet("data/weather.parquet"), estimator=lambda: LogisticRegression(),
)
"""

YAML_SPEC = """
name: fraud
task: binary
target: is_fraud
features: [amount, merchant]
key: transaction_id
time: day
data: {csv: data/transactions.csv, delimiter: ";"}
estimator:
  class: sklearn.ensemble.HistGradientBoostingClassifier
  params: {max_iter: 50}
metric: roc_auc
split: {holdout: 30d}
"""


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_specs_are_found_in_python_and_yaml_files(tmp_path: Path) -> None:
    folder = project(
        tmp_path,
        {"models/rain.py": PY_SPEC, "models/fraud.yaml": YAML_SPEC, "models/_draft.py": "boom("},
    )
    specs = load_specs(folder)
    assert sorted(specs) == ["fraud", "rain_tomorrow"]
    fraud = specs["fraud"]
    assert isinstance(fraud.estimator, ImportedEstimator)
    assert fraud.new_estimator().max_iter == 50
    assert fraud.metric == "roc_auc" and fraud.split.holdout == "30d"
    # data paths are relative to the project folder
    assert fraud.data.describe()["path"] == str(folder / "data" / "transactions.csv")
    assert specs["rain_tomorrow"].data.describe()["path"] == str(
        folder / "data" / "weather.parquet"
    )


def test_specs_declared_in_the_project_file(tmp_path: Path) -> None:
    import yaml

    inline = yaml.safe_load(YAML_SPEC)
    project(tmp_path, {"specs/rain.py": PY_SPEC})
    specs = load_specs(tmp_path, [inline, "specs/rain.py"])
    assert sorted(specs) == ["fraud", "rain_tomorrow"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            YAML_SPEC.replace("target:", "targt:"),
            r"'targt' is not a spec field.*Did you mean 'target'",
        ),
        (YAML_SPEC.replace("target: is_fraud\n", ""), "the field 'target' is required"),
        (
            YAML_SPEC.replace("HistGradientBoostingClassifier", "HistGradientBoostingClasifier"),
            "Did you mean 'HistGradientBoostingClassifier'",
        ),
        (
            YAML_SPEC.replace('{csv: data/transactions.csv, delimiter: ";"}', "data.csv"),
            "expected a mapping",
        ),
        (YAML_SPEC.replace("task: binary", "task: binari"), "Did you mean 'binary'"),
        (YAML_SPEC.replace("max_iter: 50", "max_iters: 50"), "bad params"),
        ("name: [unclosed", "cannot be read as YAML at line"),
    ],
)
def test_yaml_spec_errors_name_the_file_and_field(tmp_path: Path, text: str, message: str) -> None:
    project(tmp_path, {"models/fraud.yaml": text})
    with pytest.raises(SpecError, match=message) as caught:
        load_specs(tmp_path)
    assert "fraud.yaml" in str(caught.value)


def test_python_spec_errors_give_the_line(tmp_path: Path) -> None:
    project(tmp_path, {"models/rain.py": "x = 1\n\nraise ValueError('oops')\n"})
    with pytest.raises(SpecError, match=r"rain.py failed at line 3: ValueError: oops"):
        load_specs(tmp_path)
    project(tmp_path, {"models/rain.py": PY_SPEC.replace("spec = ", "rain = ")})
    with pytest.raises(SpecError, match="It defines 'rain'; name it spec"):
        load_specs(tmp_path)


def test_a_model_declared_twice_is_an_error(tmp_path: Path) -> None:
    project(tmp_path, {"models/a.py": PY_SPEC, "models/b.py": PY_SPEC})
    with pytest.raises(SpecError, match="declared twice"):
        load_specs(tmp_path)


def test_a_bad_models_entry(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"models\[0\] is 42"):
        load_specs(tmp_path, [42])
