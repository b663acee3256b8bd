"""The monitoring report opened as a person would: a file in a real (headless) Chromium."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from paraguas.monitoring.html import render_html
from paraguas.monitoring.results import Check, Histogram, Report
from tests.monitoring.test_html import HOSTILE, empty_report, generated_report

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, Request, Route

pytestmark = pytest.mark.browser


@dataclass
class Visit:
    """A page opened on a written report, with everything it asked for or complained about."""

    page: Page
    url: str
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def open(self) -> None:
        self.page.goto(self.url, wait_until="load")

    def assert_quiet(self) -> None:
        """Nothing but the file itself was loaded, nothing failed, nothing popped up."""
        assert self.requests == [self.url]
        assert self.blocked == []
        assert self.errors == []
        assert self.dialogs == []


@pytest.fixture
def visit(browser: Browser, tmp_path: Path) -> Iterator[Callable[..., Visit]]:
    contexts = []

    def open_report(report: Report, width: int = 1280) -> Visit:
        path = tmp_path / f"report-{len(contexts)}.html"
        path.write_text(render_html(report), encoding="utf-8")
        context = browser.new_context(viewport={"width": width, "height": 900})
        contexts.append(context)
        seen = Visit(context.new_page(), path.as_uri())

        def block(route: Route) -> None:  # any network request would be a bug: refuse it
            seen.blocked.append(route.request.url)
            route.abort()

        context.route("http*://**/*", block)
        seen.page.on("request", lambda request: seen.requests.append(_url(request)))
        seen.page.on("console", lambda message: _console(seen, message))
        seen.page.on("pageerror", lambda error: seen.errors.append(str(error)))
        seen.page.on("dialog", lambda dialog: _dialog(seen, dialog))
        seen.open()
        return seen

    yield open_report
    for context in contexts:
        context.close()


def _url(request: Request) -> str:
    return request.url


def _console(seen: Visit, message: ConsoleMessage) -> None:
    if message.type in ("error", "warning"):
        seen.errors.append(f"{message.type}: {message.text}")


def _dialog(seen: Visit, dialog: Dialog) -> None:
    seen.dialogs.append(dialog.message)
    dialog.dismiss()


def test_a_full_report_shows_its_tables_and_charts_and_loads_nothing(
    visit: Callable[..., Visit],
) -> None:
    report = generated_report()
    seen = visit(report)
    page = seen.page
    assert page.title() == "rain_tomorrow · monitoring 2026-03-01 · alert"
    assert page.locator("h1").inner_text() == "rain_tomorrow"
    assert page.locator("#overall").inner_text().lower() == "alert"
    assert page.locator("table.drift tbody tr").count() == 50
    assert page.locator("table.drift tbody tr").first.locator("td").first.inner_text() == max(
        report.importance, key=lambda name: report.importance[name]
    )
    charts = page.locator("svg")
    assert charts.count() == len(report.histograms) + 3
    for index in range(charts.count()):
        box = charts.nth(index).bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 50, index
    colours = page.locator("#overall").evaluate("e => getComputedStyle(e).backgroundColor")
    assert colours == "rgb(207, 34, 46)"  # the alert red, so the CSS applied
    seen.assert_quiet()


def test_a_link_in_the_drift_table_scrolls_to_the_feature_chart(
    visit: Callable[..., Visit],
) -> None:
    page = visit(generated_report()).page
    link = page.locator("table.drift tbody tr").nth(20).locator("a")
    name = link.inner_text()
    link.click()
    figure = page.locator(f"figure.dist:has(figcaption .feature:text-is('{name}'))")
    assert figure.is_visible()
    assert figure.evaluate("e => e.getBoundingClientRect().top") < 900


def test_on_a_phone_the_page_does_not_scroll_sideways(visit: Callable[..., Visit]) -> None:
    seen = visit(generated_report(), width=390)
    width = seen.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    seen.assert_quiet()


def test_an_empty_report_tells_the_reader_what_is_missing(visit: Callable[..., Visit]) -> None:
    seen = visit(empty_report())
    page = seen.page
    assert page.locator("svg").count() == 0
    for words in ("recorded no checks", "No drift checks", "No histograms", "No performance"):
        assert page.get_by_text(words).first.is_visible(), words
    seen.assert_quiet()


def test_hostile_names_are_shown_not_run(visit: Callable[..., Visit]) -> None:
    report = Report(
        model=HOSTILE,
        day=empty_report().day,
        window_days=7,
        mode="batch",
        champion=1,
        challenger=None,
        rows=10,
        checks=(Check("drift", HOSTILE, "psi", 0.3, 0.2, "alert", 1, detail=HOSTILE),),
        histograms=(Histogram(HOSTILE, "categorical", (HOSTILE, "b"), (), (1, 2), (2, 1)),),
        importance={HOSTILE: 1.0},
    )
    seen = visit(report)
    assert seen.page.locator("h1").inner_text() == HOSTILE
    assert seen.page.locator("table.drift tbody tr").count() == 1
    assert seen.page.locator("script, img").count() == 0
    seen.assert_quiet()  # in particular, no alert() dialog
