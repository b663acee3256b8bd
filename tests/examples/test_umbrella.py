"""The umbrella example runs out of the box: prepare its data, train, predict a day, actuals."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from paraguas.cli.app import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "umbrella"


@pytest.fixture
def umbrella(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    pytest.importorskip("vega_datasets")
    folder = tmp_path / "umbrella"
    folder.mkdir()
    for name in ("paraguas.yaml", "prepare.py", "models"):
        source = EXAMPLE / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, folder / name)
    loader = importlib.util.spec_from_file_location("umbrella_prepare", folder / "prepare.py")
    assert loader is not None and loader.loader is not None
    prepare = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(prepare)
    prepare.main()
    for name in [n for n in __import__("os").environ if n.startswith("PARAGUAS_")]:
        monkeypatch.delenv(name)
    return folder


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    assert code == 0, err
    return code, out


def test_the_target_is_tomorrows_precipitation(umbrella: Path) -> None:
    import pyarrow.parquet as pq
    from vega_datasets import data

    table = pq.read_table(umbrella / "data" / "weather.parquet").to_pandas()
    raw = data.seattle_weather()
    rained = (raw["precipitation"] > 0).astype(int).to_numpy()
    assert len(table) == len(raw) - 1
    assert (table["rain_tomorrow"].to_numpy() == rained[1:]).all()
    assert (table["rain_today"].to_numpy() == rained[:-1]).all()


def test_train_predict_and_actuals_out_of_the_box(
    umbrella: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = ["--project", str(umbrella)]
    _, out = run(capsys, *project, "train", "rain_tomorrow", "--as-of", "2014-12-31", "--json")
    trained = json.loads(out)
    assert (
        trained["promoted"]
        and trained["version"]["lineage"]["data_fingerprint"]["time_max"] <= "2014-12-31"
    )
    assert trained["metrics"]["roc_auc"] > 0.7  # real weather is hard; a useful model is not
    run(capsys, *project, "predict", "rain_tomorrow", "--date", "2015-01-05")
    _, out = run(capsys, *project, "predictions", "rain_tomorrow", "--json")
    rows = json.loads(out)["rows"]
    assert [(r["key"], r["version"], r["role"]) for r in rows] == [("2015-01-05", 1, "champion")]
    _, out = run(
        capsys,
        *project,
        "actuals",
        "rain_tomorrow",
        str(umbrella / "data" / "actuals.csv"),
        "--json",
    )
    assert json.loads(out)["rows"] == 1460


def test_backtest_compares_policies_on_the_umbrella(
    umbrella: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = ["--project", str(umbrella)]
    actuals = str(umbrella / "data" / "actuals.csv")
    run(capsys, *project, "actuals", "rain_tomorrow", actuals, "--arrived-at", "2012-01-01")
    period = ["--from", "2015-01-01", "--to", "2015-01-14", "--every", "7d"]
    _, out = run(capsys, *project, "backtest", "rain_tomorrow", *period, "--json")
    table = {row["policy"]: row for row in json.loads(out)}
    assert set(table) == {"never", "every 7d", "spec"}
    assert all(row["rows"] == 14 and row["metric"] == "f1" for row in table.values())
    assert table["never"]["retrains"] == 0 and table["every 7d"]["retrains"] >= 1
    _, models = run(capsys, *project, "models", "--json")
    assert json.loads(models) == []  # replayed in scratch stores: the project is untouched
    _, shown = run(
        capsys, *project, "backtest", "rain_tomorrow", "--from", "2015-01-01", "--to", "2015-01-03"
    )
    assert "days below floor" in shown and "never" in shown
