"""The HTML report: parsed back with the standard library and checked as a reader would."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from datetime import date, timedelta
from html.parser import HTMLParser
from itertools import pairwise

import numpy as np
import pytest

from paraguas.monitoring.html import render_html
from paraguas.monitoring.results import Check, Histogram, Report
from paraguas.monitoring.svg import SVG_NS, nice_ticks, tick_format

DAY = date(2026, 3, 1)
HOSTILE = '<script>alert("x")</script>&"\'<img src=x onerror=alert(1)>'
OUR_TAGS = set(
    [
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "main",
        "header",
        "div",
        "p",
        "h1",
        "h2",
        "h3",
        "span",
        "ul",
        "li",
        "dl",
        "dt",
        "dd",
        "nav",
        "a",
        "section",
        "b",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "br",
        "figure",
        "figcaption",
        "footer",
        "svg",
        "desc",
        "rect",
        "path",
        "text",
        "circle",
    ]
)
OUR_ATTRIBUTES = set(
    [
        "lang",
        "charset",
        "name",
        "content",
        "id",
        "class",
        "data-status",
        "data-kind",
        "href",
        "aria-label",
        "aria-hidden",
        "style",
        "xmlns",
        "viewbox",
        "width",
        "height",
        "role",
        "font-size",
        "font-family",
        "x",
        "y",
        "fill",
        "text-anchor",
        "dominant-baseline",
        "d",
        "stroke",
        "stroke-width",
        "stroke-dasharray",
        "stroke-linejoin",
        "paint-order",
        "cx",
        "cy",
        "r",
    ]
)


def generated_report(features: int = 50, days: int = 30, seed: int = 0) -> Report:
    """A full report from seeded data: numeric and categorical features, drift, quality, volume,
    fairness, and ``days`` of performance history for a champion and a challenger."""
    rng = np.random.default_rng(seed)
    checks: list[Check] = []
    histograms: list[Histogram] = []
    importance: dict[str, float] = {}
    for i in range(features):
        name = f"feature_{i:02d}"
        if i % 7 != 6:  # a few features without a known importance
            importance[name] = float(rng.exponential(0.1))
        statistic = float(rng.exponential(0.08))
        status = "alert" if statistic > 0.2 else "warn" if statistic > 0.15 else "ok"
        checks.append(
            Check(
                "drift",
                name,
                "psi" if i % 5 else "chi_square",
                statistic,
                0.2,
                status,
                3,
                extra={"p_value": float(rng.uniform(0, 0.2))},
            )
        )
        if i % 5:
            reference = rng.normal(0, 1, 5000)
            current = rng.normal(statistic, 1, 500)
            edges = np.quantile(reference, np.linspace(0.1, 0.9, 9))
            ref_counts = np.bincount(np.searchsorted(edges, reference), minlength=10)
            cur_counts = np.bincount(np.searchsorted(edges, current), minlength=10)
            bounds = ["-inf", *(f"{e:.3g}" for e in edges), "inf"]
            labels = tuple(f"({a}, {b}]" for a, b in pairwise(bounds))
            histograms.append(
                Histogram(
                    name,
                    "numeric",
                    labels,
                    tuple(float(e) for e in edges),
                    tuple(int(n) for n in ref_counts),
                    tuple(int(n) for n in cur_counts),
                    reference_missing=int(rng.integers(0, 50)),
                    current_missing=int(rng.integers(0, 5)),
                )
            )
        else:
            categories = tuple(f"city_{k}" for k in range(20))
            histograms.append(
                Histogram(
                    name,
                    "categorical",
                    categories,
                    (),
                    tuple(int(n) for n in rng.integers(10, 1000, 20)),
                    tuple(int(n) for n in rng.integers(1, 100, 20)),
                )
            )
    checks += [
        Check("dataset_drift", "dataset", "share_drifted", 0.12, 0.5, "ok", 3),
        Check("domain", "dataset", "roc_auc", 0.58, 0.7, "ok", 3, extra={"top": ["feature_03"]}),
        Check("volume", "rows", "row_count", 10_000, 5_000, "ok", 3),
        Check("quality", "feature_01", "missing_share", 0.31, 0.2, "alert", 3),
        Check("quality", "feature_02", "missing_share", None, 0.2, "error", 3, detail="absent"),
        Check("fairness", "roc_auc", "max_gap", 0.04, 0.1, "ok", 3, extra={"segment": "city"}),
    ]
    history: list[tuple[date, Check]] = []
    metrics = {"roc_auc": (0.85, 0.75), "log_loss": (0.4, 0.5), "brier": (0.12, 0.2)}
    for back in range(days, 0, -1):
        day = DAY - timedelta(days=back)
        for metric, (level, _) in metrics.items():
            for role, version, shift in (("champion", 3, 0.0), ("challenger", 4, 0.01)):
                value = level + shift + float(rng.normal(0, 0.01))
                estimate = value + float(rng.normal(0, 0.005))
                history.append(
                    (day, Check("estimate", metric, "cbpe", estimate, None, "ok", version, role))
                )
                if back > 3:  # actuals arrive three days late
                    check = Check("performance", metric, metric, value, None, "ok", version, role)
                    history.append((day, check))
    for metric, (level, threshold) in metrics.items():
        checks.append(Check("estimate", metric, "cbpe", level, threshold, "ok", 3))
    return Report(
        model="rain_tomorrow",
        day=DAY,
        window_days=7,
        mode="batch",
        champion=3,
        challenger=4,
        rows=10_000,
        checks=tuple(checks),
        histograms=tuple(histograms),
        importance=importance,
        history=tuple(history),
    )


def empty_report() -> Report:
    return Report("rain_tomorrow", DAY, 7, "batch", 3, None, 0, ())


class Page(HTMLParser):
    """The parts of a page the tests look at: elements with their attributes, and all text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.open: list[str] = []
        self.cells: list[list[str]] = []  # the text of each <td>, per row of the drift table
        self.in_drift = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        self.elements.append((tag, attributes))
        if tag == "table" and "drift" in attributes.get("class", "").split():
            self.in_drift = True
        if self.in_drift and tag == "tr":
            self.cells.append([])
        if self.in_drift and tag == "td":
            self.cells[-1].append("")
        if tag not in ("br", "meta", "path", "rect", "circle"):
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.in_drift = False
        if self.open and self.open[-1] == tag:
            self.open.pop()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self.in_drift and self.cells and self.cells[-1] and "td" in self.open:
            self.cells[-1][-1] += data

    def find(self, tag: str, **attributes: str) -> list[dict[str, str]]:
        return [
            attrs
            for name, attrs in self.elements
            if name == tag and all(attrs.get(k.rstrip("_")) == v for k, v in attributes.items())
        ]

    @property
    def drift_rows(self) -> list[list[str]]:
        return [row for row in self.cells if row]


@pytest.fixture(scope="module")
def full() -> tuple[Report, str]:
    report = generated_report()
    return report, render_html(report)


def test_the_page_is_a_whole_document_with_a_title(full: tuple[Report, str]) -> None:
    report, text = full
    assert text.startswith("<!DOCTYPE html>")
    title = re.search(r"<title>(.*?)</title>", text)
    assert title is not None
    assert title.group(1) == "rain_tomorrow · monitoring 2026-03-01 · alert"
    assert report.status == "alert"


def test_drift_rows_follow_importance_with_unknown_importance_last(
    full: tuple[Report, str],
) -> None:
    report, text = full
    rows = Page(text).drift_rows
    assert len(rows) == 50
    names = [row[0].strip() for row in rows]
    known = [n for n in names if n in report.importance]
    assert known == sorted(report.importance, key=lambda n: -report.importance[n])
    assert names[: len(known)] == known  # every feature of unknown importance comes after
    assert set(names[len(known) :]) == {f"feature_{i:02d}" for i in range(6, 50, 7)}


def test_the_drift_row_shows_method_statistic_threshold_p_value_and_status() -> None:
    check = Check("drift", "humidity", "psi", 0.3141, 0.2, "alert", 3, extra={"p_value": 1e-5})
    report = replace(empty_report(), checks=(check,), importance={"humidity": 0.5})
    (row,) = Page(render_html(report)).drift_rows
    assert [cell.strip() for cell in row] == [
        "humidity",
        "0.5",
        "psi",
        "0.314",
        "0.2",
        "1.00e-05",
        "alert",
    ]


def test_missing_numbers_show_as_a_dash() -> None:
    checks = (
        Check("drift", "a", "psi", math.nan, None, "error", 3, detail="all missing"),
        Check("drift", "b", "psi", None, 0.2, "error", 3, extra={"p_value": None}),
    )
    rows = Page(render_html(replace(empty_report(), checks=checks))).drift_rows
    assert [[c.strip() for c in row[3:6]] for row in rows] == [["—", "—", "—"], ["—", "0.2", "—"]]
    assert "nan" not in "".join("".join(row) for row in rows).lower()


def test_status_counts_and_the_overall_badge(full: tuple[Report, str]) -> None:
    report, text = full
    page = Page(text)
    counts = re.findall(
        r'data-status="(\w+)"><span class="badge s-\w+">\w+</span> <span class="n">(\d+)</span>',
        text,
    )
    expected = {
        s: sum(c.status == s for c in report.checks) for s in ("ok", "warn", "alert", "error")
    }
    assert {status: int(n) for status, n in counts} == expected
    assert page.find("span", id="overall")[0]["class"] == "badge big s-alert"


def test_hostile_names_are_escaped_everywhere() -> None:
    report = Report(
        model=HOSTILE,
        day=DAY,
        window_days=1,
        mode=HOSTILE,
        champion=1,
        challenger=None,
        rows=3,
        checks=(
            Check(
                "drift",
                HOSTILE,
                HOSTILE,
                0.1,
                0.2,
                "ok",
                1,
                detail=HOSTILE,
                extra={HOSTILE: HOSTILE},
            ),
            Check("quality", HOSTILE, "missing_share", 0.0, 0.1, "ok", 1, detail=HOSTILE),
            Check("performance", HOSTILE, HOSTILE, 0.8, 0.7, "ok", 1, role=HOSTILE),
            Check("fairness", HOSTILE, "gap", 0.1, 0.2, "warn", 1, extra={"segment": [HOSTILE]}),
            Check(HOSTILE, HOSTILE, HOSTILE, 1.0, None, "ok", 1),
        ),
        histograms=(
            Histogram(HOSTILE, "categorical", (HOSTILE, "b"), (), (1, 2), (2, 1)),
            Histogram("x", "numeric", (HOSTILE, "(0, inf)"), (0.0,), (1, 2), (2, 1)),
        ),
        importance={HOSTILE: 1.0},
        history=(
            (DAY - timedelta(days=1), Check("performance", HOSTILE, "m", 0.7, None, "ok", 1)),
        ),
    )
    text = render_html(report)
    page = Page(text)
    assert "<script" not in text.lower()
    assert not page.find("script")
    assert [tag for tag, _ in page.elements].count("title") >= 2  # the page and its charts
    visible = "".join(page.text)
    assert visible.count(HOSTILE) >= 10  # shown to the reader as text, never run
    # Nothing broke out of a text node or an attribute value: only our own tags and attributes.
    assert {tag for tag, _ in page.elements} <= OUR_TAGS
    assert {key for _, attrs in page.elements for key in attrs} <= OUR_ATTRIBUTES


def test_a_month_of_fifty_features_stays_under_a_megabyte(full: tuple[Report, str]) -> None:
    _, text = full
    size = len(text.encode("utf-8"))
    assert size < 1_000_000, f"{size:,} bytes"


def test_nothing_is_loaded_from_the_network(full: tuple[Report, str]) -> None:
    _, text = full
    page = Page(text)
    assert re.findall(r"https?://[^\s\"'<>]+", text) == [SVG_NS] * text.count(SVG_NS)
    for tag, attrs in page.elements:
        for key in ("src", "href", "srcset", "action", "data"):
            assert not attrs.get(key, "#").split("#")[0], (tag, attrs)
    assert "url(" not in text and "@import" not in text
    assert not page.find("link") and not page.find("script") and not page.find("img")


def test_every_chart_is_labelled_for_screen_readers(full: tuple[Report, str]) -> None:
    report, text = full
    charts = Page(text).find("svg")
    assert len(charts) == len(report.histograms) + 3  # one per histogram and per metric
    assert all(c["role"] == "img" and c["aria-label"] and c["viewbox"] for c in charts)
    assert text.count('<svg xmlns="http://www.w3.org/2000/svg"') == len(charts)


def test_distributions_follow_the_drift_table(full: tuple[Report, str]) -> None:
    report, text = full
    page = Page(text)
    table = [row[0].strip() for row in page.drift_rows]
    figures = re.findall(
        r'<figure class="dist" id="dist-\d+"><figcaption><span class="feature">([^<]+)', text
    )
    assert figures == [name for name in table if name in {h.column for h in report.histograms}]
    # the drift table links each feature to its chart
    assert len(page.find("a", href="#dist-0")) == 1


def test_shares_are_per_side_so_different_sizes_compare() -> None:
    histogram = Histogram(
        "x", "numeric", ("(-inf, 0]", "(0, inf)"), (0.0,), (750_000, 250_000), (7_500, 2_500), 10, 0
    )
    text = render_html(replace(empty_report(), histograms=(histogram,)))
    tips = re.findall(r"<title>\(([^<]*?) · (reference|current): ([\d.]+%)</title>", text)
    assert sorted(tips) == sorted(
        [
            ("-inf, 0]", "reference", "75%"),
            ("-inf, 0]", "current", "75%"),
            ("0, inf)", "reference", "25%"),
            ("0, inf)", "current", "25%"),
        ]
    )
    assert (
        "reference: 1,000,000 values, 10 (0.00%) missing<br>current: 10,000 values, 0 (0%) missing"
        in text
    )


def test_many_categories_are_cut_to_the_largest() -> None:
    labels = tuple(f"c{i}" for i in range(30))
    counts = tuple(range(1, 31))
    histogram = Histogram("city", "categorical", labels, (), counts, counts)
    text = render_html(replace(empty_report(), histograms=(histogram,)))
    assert "19 others" in text
    assert "c29" in text and ">c0<" not in text


def test_performance_draws_one_line_per_role_and_dashes_estimates(full: tuple[Report, str]) -> None:
    _, text = full
    chart = re.search(r'<svg[^>]*aria-label="roc_auc over time".*?</svg>', text)
    assert chart is not None
    paths = re.findall(
        r'<path d="M[^"]*" fill="none" stroke="(#\w+)" stroke-width="2"( stroke-dasharray="6 4")?',
        chart.group(0),
    )
    # legend swatches and lines: champion and challenger, each measured and estimated
    assert sorted(set(paths)) == [
        ("#0969da", ""),
        ("#0969da", ' stroke-dasharray="6 4"'),
        ("#bf3989", ""),
        ("#bf3989", ' stroke-dasharray="6 4"'),
    ]
    assert "threshold 0.75" in chart.group(0)
    assert "2026-03-01 · champion, estimated v3: 0.85" in chart.group(0)


def test_an_empty_report_says_what_is_missing() -> None:
    text = render_html(empty_report())
    page = Page(text)
    visible = " ".join(page.text)
    assert not page.find("svg")
    for words in (
        "recorded no checks",
        "No drift checks",
        "No histograms",
        "No performance",
        "No data quality or volume checks",
    ):
        assert words in visible
    assert page.find("span", id="overall")[0]["class"] == "badge big s-ok"


def test_history_without_todays_checks_still_draws_the_chart() -> None:
    history = tuple(
        (DAY - timedelta(days=d), Check("performance", "mae", "mae", 1.0 + d, None, "ok", 2))
        for d in range(1, 4)
    )
    text = render_html(replace(empty_report(), history=history))
    assert len(Page(text).find("svg")) == 1
    assert "No performance check today" in text


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0, 0.37, [0.0, 0.1, 0.2, 0.3, 0.4]),
        (0.81, 0.86, [0.81, 0.82, 0.83, 0.84, 0.85, 0.86]),
        (5, 5, [4.4, 4.6, 4.8, 5.0, 5.2, 5.4, 5.6]),
    ],
)
def test_nice_ticks_cover_the_range_with_round_steps(
    low: float, high: float, expected: list[float]
) -> None:
    ticks = nice_ticks(low, high, 4 if high == 0.37 else 5)
    assert ticks == pytest.approx(expected)
    assert ticks[0] <= low and ticks[-1] >= high


def test_tick_labels_have_just_enough_decimals() -> None:
    assert [tick_format([0, 0.25, 0.5])(t) for t in (0, 0.25, 0.5)] == ["0.00", "0.25", "0.50"]
    assert tick_format([1000, 2000])(1000) == "1,000"
