"""The umbrella example monitored over 2015: stored results for every run, and a report that a
real browser opens, draws and reads without fetching anything."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.examples.test_umbrella import run, umbrella  # noqa: F401 (the umbrella fixture)

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser


def test_monitoring_2015_stores_results_and_draws_a_report(
    umbrella: Path,  # noqa: F811
    browser: Browser,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = ["--project", str(umbrella)]
    run(capsys, *project, "train", "rain_tomorrow", "--as-of", "2014-12-31")
    run(
        capsys,
        *project,
        "predict",
        "rain_tomorrow",
        "--date",
        "2015-01-01",
        "--until",
        "2015-03-31",
    )
    actuals = umbrella / "data" / "actuals.csv"
    run(capsys, *project, "actuals", "rain_tomorrow", str(actuals), "--arrived-at", "2015-02-15")
    report = umbrella / "report.html"
    _, out = run(
        capsys,
        *project,
        "monitor",
        "rain_tomorrow",
        "--date",
        "2015-02-01",
        "--until",
        "2015-03-29",
        "--every",
        "14",
        "--html",
        str(report),
        "--json",
    )
    runs = json.loads(out)
    assert [r["day"] for r in runs] == [
        "2015-02-01",
        "2015-02-15",
        "2015-03-01",
        "2015-03-15",
        "2015-03-29",
    ]
    assert all(r["window_days"] == 30 and r["rows"] == 30 for r in runs)
    coverage = [
        next(c["value"] for c in r["checks"] if c["subject"] == "label_coverage") for r in runs
    ]
    # actuals arrived on 2015-02-15: the first run knew none, the later ones all that were mature
    assert coverage[0] == 0.0 and coverage[2:] == [1.0, 1.0, 1.0]
    assert 0 < coverage[1] <= 1

    import sqlite3

    with sqlite3.connect(umbrella / ".paraguas" / "paraguas.db") as db:
        stored = dict(db.execute("select day, count(*) from monitoring_results group by day"))
    assert set(stored) == {r["day"] for r in runs}
    assert stored["2015-03-29"] == len(runs[-1]["checks"])

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        requests: list[str] = []
        errors: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(report.as_uri(), wait_until="load")
        assert page.title().startswith("rain_tomorrow · monitoring 2015-03-29")
        assert page.locator("table.drift tbody tr").count() == 13  # the model's features
        charts = page.locator("svg")
        assert charts.count() >= 13
        for index in range(charts.count()):
            box = charts.nth(index).bounding_box()
            assert box is not None and box["width"] > 50 and box["height"] > 30
        assert requests == [report.as_uri()] and errors == []
    finally:
        context.close()
