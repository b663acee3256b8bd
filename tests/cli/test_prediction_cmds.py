from __future__ import annotations

import json
from pathlib import Path

from .runner import Run
from .test_training_cmds import _declare


def test_train_predict_actuals_and_look_at_the_log(cli: Run, project: Path) -> None:
    _declare(project)
    assert cli("train", "rain_tomorrow", "--as-of", "2025-05-01").code == 0
    result = cli("predict", "rain_tomorrow", "--date", "2025-06-01")
    assert result.code == 0, result.err
    assert "Scored 1 rows of 2025-06-01 with champion v1" in result.out

    shown = json.loads(cli("predictions", "rain_tomorrow", "--json").out)
    assert shown["date"] == "2025-06-01" and shown["total"] == 1
    row = shown["rows"][0]
    assert (row["key"], row["version"], row["role"]) == ("2025-06-01", 1, "champion")
    assert "champion" in cli("predictions", "rain_tomorrow").out

    actuals = project / "actuals.csv"
    actuals.write_text("date,rain_tomorrow\n2025-06-01,1\n2025-06-02,0\n")
    recorded = cli("actuals", "rain_tomorrow", str(actuals), "--arrived-at", "2025-06-03", "--json")
    assert recorded.code == 0, recorded.err
    assert json.loads(recorded.out)["rows"] == 2


def test_predict_with_rejects_points_at_them(cli: Run, project: Path) -> None:
    _declare(project)
    assert cli("train", "rain_tomorrow").code == 0
    day = project / "day.csv"
    day.write_text("date,humidity,pressure,wind\n2025-06-01,50,1000,3\n2025-06-01,x,1000,3\n")
    result = cli("predict", "rain_tomorrow", "--date", "2025-06-01", "--input", str(day))
    assert result.code == 0, result.err
    assert "1 rows rejected" in result.out and "--rejects" in result.out
    rejects = cli("predictions", "rain_tomorrow", "--rejects", "--json")
    assert "humidity" in json.loads(rejects.out)["rows"][0]["reason"]


def test_predict_errors(cli: Run, project: Path) -> None:
    _declare(project)
    result = cli("predict", "rain_tomorrow", "--date", "2025-06-01")
    assert result.code == 1 and "paraguas train rain_tomorrow" in result.err
    missing = cli("predict", "rain_tomorrow", "--date", "2025-06-01", "--input", "nope.csv")
    assert missing.code == 1 and "does not exist" in missing.err
    assert cli("predictions", "rain_tomorrow").out.startswith("No predictions")
