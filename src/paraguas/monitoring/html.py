"""The monitoring report as one self-contained HTML page a person would rather look at than read.

:func:`render_html` draws a :class:`~paraguas.monitoring.results.Report`: the verdict and what
needs attention, the drift table (by feature importance), each feature's distribution against
the reference, performance over time, data quality, volume and fairness. It computes nothing
but shares and orderings. The page loads nothing (inline CSS and SVG, no script), escapes every
text taken from the data, shows a missing number as "—", and says what is missing rather than
drawing an empty chart.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from html import escape
from itertools import pairwise
from typing import Any, Final

from paraguas.monitoring import svg
from paraguas.monitoring.report_style import CSS as _CSS
from paraguas.monitoring.results import STATUSES, Check, Histogram, Report, worst

__all__ = ["render_html"]

REFERENCE: Final = "#8c9eb5"
CURRENT: Final = "#e8772e"
ROLE_COLOURS: Final = {"champion": "#0969da", "challenger": "#bf3989"}
OTHER_ROLE: Final = "#57606a"
#: Categories drawn per column; the rest are summed into one bar.
MAX_CATEGORIES: Final = 12
#: Checks listed under "Needs attention" before the list is cut short.
MAX_ATTENTION: Final = 12
_SEVERITY: Final = {"alert": 0, "warn": 1, "error": 2, "ok": 3}
_KNOWN_KINDS: Final = (
    "drift",
    "dataset_drift",
    "domain",
    "quality",
    "volume",
    "performance",
    "estimate",
    "fairness",
)


def render_html(report: Report) -> str:
    """The whole report as one HTML document (a string); save it and open it anywhere."""
    order = _drift_order(report)
    title = f"{report.model} · monitoring {report.day.isoformat()} · {report.status}"
    sections = [
        _header(report),
        _attention(report),
        _drift(report, order),
        _distributions(report, order),
        _performance(report),
        _quality(report),
        _fairness(report),
        _other(report),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="paraguas">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(section for section in sections if section)
        + "\n<footer>Drawn by paraguas from the checks of this monitoring run; nothing on this"
        " page is recomputed. Hover a bar or a point to read its value.</footer>\n"
        "</main>\n</body>\n</html>\n"
    )


# header and summary -------------------------------------------------------------------------------


def _header(report: Report) -> str:
    start = report.day - timedelta(days=max(report.window_days, 1) - 1)
    window = (
        f"{report.window_days} days, {start.isoformat()} to {report.day.isoformat()}"
        if report.window_days > 1
        else f"1 day, {report.day.isoformat()}"
    )
    counts = {status: 0 for status in STATUSES}
    for check in report.checks:
        counts[check.status] = counts.get(check.status, 0) + 1
    chips = "".join(
        f'<li class="count{"" if n else " zero"}" data-status="{escape(status)}">'
        f'{_badge(status)} <span class="n">{n}</span></li>'
        for status, n in sorted(counts.items(), key=lambda item: _SEVERITY.get(item[0], 9))
    )
    challenger = "none" if report.challenger is None else f"v{report.challenger}"
    facts = [
        ("Window", window),
        ("Mode", report.mode),
        ("Champion", f"v{report.champion}"),
        ("Challenger", challenger),
        ("Rows", f"{report.rows:,}"),
        ("Checks", f"{len(report.checks):,}"),
    ]
    return (
        '<header class="top">\n<div>\n<p class="eyebrow">paraguas · monitoring report</p>\n'
        f'<h1>{escape(report.model)}</h1>\n<p class="sub">{escape(report.day.isoformat())}</p>\n'
        "</div>\n"
        f'<div class="verdict"><span class="label">Overall</span>'
        f'<span id="overall" class="badge big s-{escape(report.status)}">'
        f"{escape(report.status)}</span>\n"
        f'<ul class="counts" aria-label="checks per status">{chips}</ul></div>\n'
        "</header>\n"
        '<dl class="facts">'
        + "".join(f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in facts)
        + "</dl>\n"
        + _nav(report)
    )


def _nav(report: Report) -> str:
    kinds = {check.kind for check in report.checks}
    links = [("drift", "Drift"), ("distributions", "Distributions")]
    links += [("performance", "Performance"), ("quality", "Data quality & volume")]
    if "fairness" in kinds:
        links.append(("fairness", "Fairness"))
    if kinds - set(_KNOWN_KINDS):
        links.append(("other", "Other checks"))
    return (
        '<nav aria-label="sections">'
        + "".join(f'<a href="#{anchor}">{escape(text)}</a>' for anchor, text in links)
        + "</nav>"
    )


def _attention(report: Report) -> str:
    flagged = sorted(
        (check for check in report.checks if check.status != "ok"),
        key=lambda check: _SEVERITY[check.status],
    )
    if not report.checks:
        body = (
            '<p class="empty">This run recorded no checks, so there is no verdict to explain: '
            "was the window empty, or did the run stop early?</p>"
        )
    elif not flagged:
        body = f'<p class="good">All {len(report.checks)} checks are ok.</p>'
    else:
        items = "".join(
            f"<li>{_badge(check.status)} <span class=kind>{escape(_kind_name(check.kind))}</span>"
            f" <b>{escape(check.subject)}</b> {_measure(check)}"
            + (f' <span class="detail">{escape(check.detail)}</span>' if check.detail else "")
            + "</li>"
            for check in flagged[:MAX_ATTENTION]
        )
        more = len(flagged) - MAX_ATTENTION
        tail = f'<p class="muted">…and {more} more, in the tables below.</p>' if more > 0 else ""
        body = f'<ul class="attention">{items}</ul>{tail}'
    return f'<section id="attention"><h2>Needs attention</h2>{body}</section>'


# drift --------------------------------------------------------------------------------------------


def _drift_order(report: Report) -> list[Check]:
    """Drift checks by feature importance, most important first; unknown importance last."""
    drift = [check for check in report.checks if check.kind == "drift"]

    def key(check: Check) -> tuple[bool, float]:
        importance = _importance(report, check.subject)
        return (importance is None, -(importance or 0.0))

    return sorted(drift, key=key)


def _drift(report: Report, order: Sequence[Check]) -> str:
    cards = "".join(
        _card(check) for check in report.checks if check.kind in ("dataset_drift", "domain")
    )
    if not order:
        table = (
            '<p class="empty">No drift checks in this run: no feature was compared with the '
            "reference (no reference profile, or no feature data in the window).</p>"
        )
    else:
        anchors = _histogram_anchors(report, order)
        known = [v for v in (_importance(report, c.subject) for c in order) if v is not None]
        top = max([*known, 0.0])
        rows = "".join(_drift_row(report, check, top, anchors) for check in order)
        table = (
            '<div class="scroll"><table class="drift"><thead><tr><th>Feature</th>'
            '<th>Importance</th><th>Method</th><th class="num">Statistic</th>'
            '<th class="num">Threshold</th><th class="num">p-value</th><th>Status</th>'
            f"</tr></thead><tbody>{rows}</tbody></table></div>"
        )
        if not report.importance:
            table = (
                '<p class="muted">Feature importance was not stored with this version; '
                "features keep the order of the run.</p>" + table
            )
    cards = f'<div class="cards">{cards}</div>' if cards else ""
    return f'<section id="drift"><h2>Drift</h2>{cards}{table}</section>'


def _card(check: Check) -> str:
    name = "Dataset drift" if check.kind == "dataset_drift" else "Domain classifier"
    extra = _extras(check.extra)
    return (
        f'<div class="card s-edge-{escape(check.status)}" data-kind="{escape(check.kind)}">'
        f'<div class="card-head"><span>{escape(name)}</span>{_badge(check.status)}</div>'
        f'<div class="big-number">{_fmt(check.value)}</div>'
        f'<div class="muted">{escape(check.method)} · threshold {_fmt(check.threshold)}</div>'
        + (f'<p class="detail">{escape(check.detail)}</p>' if check.detail else "")
        + (f'<p class="extra">{extra}</p>' if extra else "")
        + "</div>"
    )


def _drift_row(report: Report, check: Check, top: float, anchors: dict[str, str]) -> str:
    importance = _importance(report, check.subject)
    if importance is None:
        meter = '<span class="muted">—</span>'
    else:
        share = max(importance, 0.0) / top * 100 if top > 0 else 0.0
        meter = (
            f'<span class="meter" aria-hidden="true"><span style="width:{share:.0f}%"></span>'
            f"</span>{_fmt(importance)}"
        )
    name = escape(check.subject)
    anchor = anchors.get(check.subject)
    if anchor:
        name = f'<a href="#{anchor}">{name}</a>'
    detail = f'<div class="detail">{escape(check.detail)}</div>' if check.detail else ""
    return (
        f'<tr class="row-{escape(check.status)}"><td class="feature">{name}{detail}</td>'
        f"<td>{meter}</td><td>{escape(check.method)}</td>"
        f'<td class="num">{_fmt(check.value)}</td><td class="num">{_fmt(check.threshold)}</td>'
        f'<td class="num">{_fmt(check.extra.get("p_value"))}</td>'
        f"<td>{_badge(check.status)}</td></tr>"
    )


# distributions ------------------------------------------------------------------------------------


def _histogram_order(report: Report, order: Sequence[Check]) -> list[Histogram]:
    """Histograms in the drift table's order, then those of columns without a drift check."""
    rank: dict[str, int] = {}
    for check in order:
        rank.setdefault(check.subject, len(rank))
    return sorted(report.histograms, key=lambda h: rank.get(h.column, len(rank)))


def _histogram_anchors(report: Report, order: Sequence[Check]) -> dict[str, str]:
    anchors: dict[str, str] = {}
    for index, histogram in enumerate(_histogram_order(report, order)):
        anchors.setdefault(histogram.column, f"dist-{index}")
    return anchors


def _distributions(report: Report, order: Sequence[Check]) -> str:
    histograms = _histogram_order(report, order)
    if not histograms:
        return (
            '<section id="distributions"><h2>Distributions</h2><p class="empty">No histograms '
            "were recorded for this run, so the distributions cannot be drawn. The drift "
            "statistics above still hold.</p></section>"
        )
    statuses: dict[str, list[Check]] = {}
    for check in order:
        statuses.setdefault(check.subject, []).append(check)
    figures = "".join(
        _distribution(index, histogram, statuses.get(histogram.column, []))
        for index, histogram in enumerate(histograms)
    )
    legend = (
        '<p class="legend"><span class="swatch" style="background:' + REFERENCE + '"></span>'
        'reference <span class="swatch" style="background:' + CURRENT + '"></span>current'
        " — shares of present values on each side, so a large reference and a small current "
        "window compare.</p>"
    )
    return (
        f'<section id="distributions"><h2>Distributions</h2>{legend}'
        f'<div class="grid">{figures}</div></section>'
    )


def _distribution(index: int, histogram: Histogram, checks: Sequence[Check]) -> str:
    reference_total, current_total = sum(histogram.reference), sum(histogram.current)
    labels = list(histogram.labels)
    reference = [_share(n, reference_total) for n in histogram.reference]
    current = [_share(n, current_total) for n in histogram.current]
    name = histogram.column
    title = f"{name}: reference vs current, share of present values"
    if not labels:
        chart = '<p class="empty">No bins or categories were recorded for this column.</p>'
    elif not histogram.edges:
        labels, reference, current = _top_categories(labels, reference, current)
        chart = svg.bar_chart(
            labels,
            [
                svg.Bars("reference", tuple(reference), REFERENCE),
                svg.Bars("current", tuple(current), CURRENT),
            ],
            title=title,
            value_format=_percent,
            description=f"{len(histogram.labels)} categories of {name}, by share.",
            legend=False,
        )
    else:
        chart = svg.histogram(
            labels,
            [
                svg.Bars("reference", tuple(reference), REFERENCE),
                svg.Bars("current", tuple(current), CURRENT),
            ],
            title=title,
            edges=_edge_labels(histogram),
            value_format=_percent,
            description=f"{len(labels)} bins of {name}, by share.",
            legend=False,
        )
    status = worst(check.status for check in checks) if checks else None
    summary = " · ".join(f"{escape(c.method)} {_fmt(c.value)}" for c in checks)
    head = (
        f'<span class="feature">{escape(name)}</span>'
        + (_badge(status) if status else '<span class="muted">no drift check</span>')
        + (f'<span class="muted stat">{summary}</span>' if summary else "")
    )
    notes = "<br>".join(
        f"{side}: {present:,} values, {_missing(missing, present)} missing"
        for side, present, missing in (
            ("reference", reference_total, histogram.reference_missing),
            ("current", current_total, histogram.current_missing),
        )
    )
    return (
        f'<figure class="dist" id="dist-{index}"><figcaption>{head}</figcaption>{chart}'
        f'<p class="note">{notes}</p></figure>'
    )


def _top_categories(
    labels: list[str], reference: list[float | None], current: list[float | None]
) -> tuple[list[str], list[float | None], list[float | None]]:
    """The ``MAX_CATEGORIES`` largest categories (on either side); the rest summed in one bar."""
    if len(labels) <= MAX_CATEGORIES:
        return labels, reference, current
    ranked = sorted(range(len(labels)), key=lambda i: -max(reference[i] or 0.0, current[i] or 0.0))
    keep = sorted(ranked[: MAX_CATEGORIES - 1])
    rest = ranked[MAX_CATEGORIES - 1 :]
    return (
        [labels[i] for i in keep] + [f"{len(rest)} others"],
        [reference[i] for i in keep] + [sum(reference[i] or 0.0 for i in rest)],
        [current[i] for i in keep] + [sum(current[i] or 0.0 for i in rest)],
    )


def _edge_labels(histogram: Histogram) -> list[str]:
    edges = list(histogram.edges)
    if histogram.kind == "datetime":
        return [_datetime_label(edge) for edge in edges]
    finite = [e for e in edges if math.isfinite(e)]
    steps = [b - a for a, b in pairwise(finite) if b > a]
    step = min(steps, default=abs(finite[0]) if finite else 1.0) or 1.0
    decimals = min(max(math.ceil(-math.log10(step)) + 1, 0), 6)
    return [_edge(edge, decimals) for edge in edges]


def _edge(value: float, decimals: int) -> str:
    if not math.isfinite(value):
        return _fmt(value)
    if abs(value) >= 1e6 or (value and abs(value) < 1e-4):
        return f"{value:.3g}"
    text = f"{value:.{decimals}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text  # no "-0.00"


def _datetime_label(seconds: float) -> str:
    if not math.isfinite(seconds):
        return _fmt(seconds)
    return (date(1970, 1, 1) + timedelta(seconds=seconds)).isoformat()


def _missing(missing: int, present: int) -> str:
    total = missing + present
    return f"{missing:,}" + (f" ({_percent(missing / total)})" if total else "")


# performance --------------------------------------------------------------------------------------


def _performance(report: Report) -> str:
    today = [c for c in report.checks if c.kind in ("performance", "estimate")]
    # Keyed by (metric, role, kind, day): today's checks win over a stored copy of the same day.
    points: dict[tuple[str, str, str, date], Check] = {}
    for day, check in [*report.history, *((report.day, c) for c in today)]:
        if check.kind in ("performance", "estimate"):
            points[(check.subject, check.role, check.kind, day)] = check
    if not points:
        return (
            '<section id="performance"><h2>Performance over time</h2><p class="empty">No '
            "performance was measured or estimated in this run nor in the stored history: "
            "actuals may not have arrived yet, and no estimator is configured.</p></section>"
        )
    metrics = list(dict.fromkeys(key[0] for key in points))
    days = {key[3] for key in points}
    note = (
        ""
        if len(days) > 1
        else '<p class="muted">No history yet: only one day of values, drawn as dots.</p>'
    )
    figures = "".join(_metric_chart(metric, points, today) for metric in metrics)
    table = ""
    if today:
        rows = "".join(
            f'<tr class="row-{escape(c.status)}"><td>{escape(c.subject)}</td>'
            f"<td>{escape(c.role)} v{c.version}</td><td>{escape(_kind_name(c.kind))}</td>"
            f"<td>{escape(c.method)}</td>"
            f'<td class="num">{_fmt(c.value)}</td><td class="num">{_fmt(c.threshold)}</td>'
            f"<td>{_badge(c.status)}</td><td>{_detail(c)}</td></tr>"
            for c in today
        )
        table = (
            f'<h3>Today, {escape(report.day.isoformat())}</h3><div class="scroll">'
            '<table class="performance"><thead><tr><th>Metric</th><th>Model</th><th>Kind</th>'
            '<th>Method</th><th class="num">Value</th><th class="num">Threshold</th>'
            "<th>Status</th><th>Detail</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></div>"
        )
    else:
        table = (
            '<p class="empty">No performance check today: the charts show stored history only.</p>'
        )
    legend = (
        '<p class="legend">Solid: measured against actuals. Dashed, hollow dots: estimated '
        "without labels. Red dotted line: today's threshold.</p>"
    )
    return (
        f'<section id="performance"><h2>Performance over time</h2>{legend}{note}'
        f'<div class="grid wide">{figures}</div>{table}</section>'
    )


def _metric_chart(
    metric: str, points: dict[tuple[str, str, str, date], Check], today: Sequence[Check]
) -> str:
    lines: list[svg.Line] = []
    series = dict.fromkeys((role, kind) for (m, role, kind, _) in points if m == metric)
    roles = sorted({role for role, _ in series}, key=lambda r: (r != "champion", r))
    for role in roles:
        for kind in ("performance", "estimate"):
            if (role, kind) not in series:
                continue
            found = sorted(
                (day, check)
                for (m, r, k, day), check in points.items()
                if (m, r, k) == (metric, role, kind)
            )
            label = role if kind == "performance" else f"{role}, estimated"
            lines.append(
                svg.Line(
                    label,
                    tuple((float(day.toordinal()), _number(c.value)) for day, c in found),
                    ROLE_COLOURS.get(role, OTHER_ROLE),
                    dashed=kind == "estimate",
                    notes=tuple(
                        f"{day.isoformat()} · {label} v{c.version}: {_plain(c.value)}"
                        for day, c in found
                    ),
                )
            )
    thresholds = {
        c.threshold
        for c in today
        if c.subject == metric and c.threshold is not None and math.isfinite(c.threshold)
    }
    rules = [svg.Rule(t, f"threshold {_plain(t)}") for t in sorted(thresholds)]
    days = sorted({key[3] for key in points if key[0] == metric})
    chart = svg.line_chart(
        lines,
        title=f"{metric} over time",
        x_format=_day_label,
        x_ticks=_day_ticks(days[0], days[-1]),
        rules=rules,
        description=f"{metric} by day, one line per model role; estimated values dashed.",
    )
    status = [c.status for c in today if c.subject == metric]
    badge = _badge(worst(status)) if status else '<span class="muted">not checked today</span>'
    return (
        f'<figure class="metric"><figcaption><span class="feature">{escape(metric)}</span>'
        f"{badge}</figcaption>{chart}</figure>"
    )


def _day_ticks(first: date, last: date) -> list[float]:
    """Ticks counted back from the last day: every day, two days, or whole weeks."""
    span = (last - first).days
    step = 1 if span <= 7 else 2 if span <= 14 else 7 * max(1, math.ceil(span / 42))
    return [float(last.toordinal() - back) for back in range(0, span + 1, step)][::-1]


def _day_label(ordinal: float) -> str:
    return date.fromordinal(round(ordinal)).strftime("%b %d")


# tables -------------------------------------------------------------------------------------------


def _quality(report: Report) -> str:
    checks = [c for c in report.checks if c.kind in ("quality", "volume")]
    if not checks:
        body = (
            '<p class="empty">No data quality or volume checks in this run (none configured, '
            "or no data in the window).</p>"
        )
    else:
        body = _table(_by_severity(checks), "quality")
    return f'<section id="quality"><h2>Data quality &amp; volume</h2>{body}</section>'


def _fairness(report: Report) -> str:
    checks = [c for c in report.checks if c.kind == "fairness"]
    if not checks:
        return ""
    intro = (
        '<p class="muted">Gaps between segments: the value is the gap, the threshold the '
        "largest gap accepted.</p>"
    )
    return (
        f'<section id="fairness"><h2>Fairness</h2>{intro}'
        f"{_table(_by_severity(checks), 'fairness')}</section>"
    )


def _other(report: Report) -> str:
    checks = [c for c in report.checks if c.kind not in _KNOWN_KINDS]
    if not checks:
        return ""
    return (
        '<section id="other"><h2>Other checks</h2>'
        f"{_table(_by_severity(checks), 'other')}</section>"
    )


def _table(checks: Iterable[Check], name: str) -> str:
    rows = "".join(
        f'<tr class="row-{escape(c.status)}"><td>{escape(_kind_name(c.kind))}</td>'
        f'<td class="feature">{escape(c.subject)}</td><td>{escape(c.method)}</td>'
        f'<td class="num">{_fmt(c.value)}</td><td class="num">{_fmt(c.threshold)}</td>'
        f"<td>{_badge(c.status)}</td><td>{_detail(c)}</td></tr>"
        for c in checks
    )
    return (
        f'<div class="scroll"><table class="{name}"><thead><tr><th>Check</th><th>Subject</th>'
        '<th>Method</th><th class="num">Value</th><th class="num">Threshold</th>'
        f"<th>Status</th><th>Detail</th></tr></thead><tbody>{rows}</tbody></table></div>"
    )


# small pieces -------------------------------------------------------------------------------------


def _by_severity(checks: Iterable[Check]) -> list[Check]:
    return sorted(checks, key=lambda c: _SEVERITY.get(c.status, 9))


def _importance(report: Report, column: str) -> float | None:
    return _number(report.importance.get(column))


def _badge(status: str) -> str:
    return f'<span class="badge s-{escape(status)}">{escape(status)}</span>'


def _kind_name(kind: str) -> str:
    return {
        "dataset_drift": "dataset drift",
        "domain": "domain classifier",
        "performance": "measured",
        "estimate": "estimated",
    }.get(kind, kind)


def _measure(check: Check) -> str:
    text = f"{escape(check.method)} {_fmt(check.value)}"
    if check.threshold is not None:
        text += f" (threshold {_fmt(check.threshold)})"
    return f'<span class="muted">{text}</span>'


def _detail(check: Check) -> str:
    parts = [escape(check.detail)] if check.detail else []
    extra = _extras(check.extra)
    if extra:
        parts.append(f'<span class="extra">{extra}</span>')
    return "<br>".join(parts)


def _extras(extra: dict[str, Any]) -> str:
    """The JSON-able extras as ``key: value`` pairs, escaped."""
    parts = []
    for key, value in extra.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            shown = _fmt(value)
        elif isinstance(value, str):
            shown = escape(value)
        else:
            shown = escape(json.dumps(value, default=str, ensure_ascii=False))
        parts.append(f"{escape(str(key))}: {shown}")
    return " · ".join(parts)


def _number(value: object) -> float | None:
    """``value`` as a finite float, or ``None`` (missing, NaN, infinite, not a number)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _plain(value: object) -> str:
    """A number for a person: 3 significant digits, thousands separated, "—" when missing."""
    if isinstance(value, float) and math.isinf(value):
        return "∞" if value > 0 else "-∞"
    number = _number(value)
    if number is None:
        return "—" if value is None or isinstance(value, (int, float)) else str(value)
    if number == 0:
        return "0"
    if abs(number) >= 1000:
        return f"{number:,.0f}"
    if abs(number) < 1e-3:
        return f"{number:.2e}"
    return f"{number:.3g}"


def _fmt(value: object) -> str:
    """:func:`_plain`, escaped for HTML."""
    return escape(_plain(value))


def _percent(share: float) -> str:
    percent = share * 100
    if percent == 0 or abs(percent - round(percent)) < 1e-9:
        return f"{percent:.0f}%"
    return f"{percent:.1f}%" if percent >= 0.1 else f"{percent:.2f}%"


def _share(count: int, total: int) -> float | None:
    return count / total if total else None
