"""Small inline SVG charts for the HTML report: grouped bars, histograms and lines, with axes.

Each function returns one ``<svg>`` element as a string: self-contained (colours as attributes,
no external reference), accessible (``role="img"``, an ``aria-label``, a ``<title>`` and a
tooltip per mark) and sized by its ``viewBox``, so the page scales it to its column. Every text
is escaped here; callers pass plain strings. Text is laid out without a browser, from an
average character width, which is why long labels are shortened (their tooltip keeps them whole).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from itertools import pairwise
from typing import Final, TypeGuard

__all__ = [
    "SVG_NS",
    "Bars",
    "Line",
    "Rule",
    "bar_chart",
    "histogram",
    "line_chart",
    "nice_ticks",
    "tick_format",
]

SVG_NS: Final = "http://www.w3.org/2000/svg"
FONT: Final = 11
#: Average advance of an 11 px sans-serif character, to place labels without measuring them.
CHAR: Final = 6.2
INK: Final = "#424a53"
AXIS: Final = "#8c959f"
GRID: Final = "#eaeef2"

Format = Callable[[float], str]


@dataclass(frozen=True)
class Bars:
    """One series of a bar chart or histogram: a value per label, ``None`` where unknown."""

    name: str
    values: tuple[float | None, ...]
    colour: str


@dataclass(frozen=True)
class Line:
    """One series of a line chart: ``(x, y)`` points by increasing x; a ``None`` y breaks it.

    ``notes`` gives each point its tooltip (``"x: y"`` when empty).
    """

    name: str
    points: tuple[tuple[float, float | None], ...]
    colour: str
    dashed: bool = False
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    """A horizontal reference line (a threshold), labelled at its right end."""

    value: float
    label: str
    colour: str = "#cf222e"


def nice_ticks(low: float, high: float, count: int = 5, *, integer: bool = False) -> list[float]:
    """About ``count`` round values (1, 2, 2.5 or 5 times a power of ten) covering ``[low, high]``.

    ``integer`` keeps the step a whole number (days, counts).

    Examples:
        >>> nice_ticks(0, 0.37, 4)
        [0.0, 0.1, 0.2, 0.3, 0.4]
        >>> nice_ticks(0.81, 0.86)
        [0.81, 0.82, 0.83, 0.84, 0.85, 0.86]
    """
    low, high = min(low, high), max(low, high)
    if high == low:
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    raw = (high - low) / max(count, 1)
    magnitude = 10.0 ** math.floor(math.log10(raw))
    multiples = (1, 2, 5, 10) if integer and magnitude <= 1 else (1, 2, 2.5, 5, 10)
    step = next(m * magnitude for m in multiples if m * magnitude >= raw * (1 - 1e-9))
    if integer:
        step = max(1.0, round(step))
    start = math.floor(low / step + 1e-9) * step
    ticks: list[float] = []
    while not ticks or ticks[-1] < high - step * 1e-9:
        ticks.append(round(start + len(ticks) * step, 12))
    return ticks


def tick_format(ticks: Sequence[float]) -> Format:
    """A formatter with just enough decimals to tell ``ticks`` apart.

    Examples:
        >>> [tick_format([0, 0.25, 0.5])(t) for t in (0, 0.25, 0.5)]
        ['0.00', '0.25', '0.50']
    """
    step = min((b - a for a, b in pairwise(ticks) if b > a), default=1.0)
    decimals = next((d for d in range(10) if abs(round(step, d) - step) < step * 1e-6), 10)
    return lambda value: f"{value:,.{decimals}f}"


def histogram(
    bins: Sequence[str],
    series: Sequence[Bars],
    *,
    title: str,
    edges: Sequence[str] = (),
    value_format: Format | None = None,
    description: str = "",
    legend: bool = True,
    width: int = 320,
    height: int = 180,
) -> str:
    """Vertical bars side by side in each bin; ``edges`` labels the ``len(bins) - 1`` inner
    boundaries (without them the bins are labelled below their bars). Labels are thinned to fit.
    """
    left, right, bottom = 42, 8, 30
    keys, rows = _legend([(s.name, s.colour, False, "bar") for s in series], left, width - right)
    plot_w, plot_h = width - left - right, height - 10 - bottom
    top = 10 + 16 * rows if legend else 10
    height = top + plot_h + bottom
    values = [v for s in series for v in s.values if _finite(v)]
    ticks = nice_ticks(0.0, max([*values, 0.0]) or 1.0, 4)
    fmt = value_format or tick_format(ticks)
    y_max = ticks[-1]
    band = plot_w / max(len(bins), 1)
    bar = band * 0.84 / max(len(series), 1)
    body = _y_axis(ticks, fmt, left, top, plot_w, plot_h)
    for index, label in enumerate(bins):
        for number, one in enumerate(series):
            value = one.values[index] if index < len(one.values) else None
            if not _finite(value):
                continue
            h = plot_h * max(value, 0.0) / y_max
            x = left + index * band + band * 0.08 + number * bar
            tip = f"{label} · {one.name}: {fmt(value)}"
            body.append(
                f'<rect x="{_n(x)}" y="{_n(top + plot_h - h)}" width="{_n(bar)}" height="{_n(h)}"'
                f' fill="{one.colour}"><title>{escape(tip)}</title></rect>'
            )
    base = top + plot_h
    body.append(_path([(left, base), (left + plot_w, base)], AXIS))
    if edges and len(edges) == len(bins) - 1:
        spots = [(left + (i + 1) * band, text) for i, text in enumerate(edges)]
    else:
        spots = [(left + (i + 0.5) * band, text) for i, text in enumerate(bins)]
    body += _x_labels(spots, base, plot_w)
    if legend:
        body += keys
    return _frame(width, height, title, description, body)


def bar_chart(
    labels: Sequence[str],
    series: Sequence[Bars],
    *,
    title: str,
    value_format: Format | None = None,
    description: str = "",
    legend: bool = True,
    width: int = 320,
) -> str:
    """Horizontal bars, one group per label (read top to bottom), with a value axis below."""
    shown = [_shorten(label, 18) for label in labels]
    left = min(8 + CHAR * max((len(s) for s in shown), default=4), width * 0.45)
    right, bottom = 14, 24
    keys, rows = _legend([(s.name, s.colour, False, "bar") for s in series], left, width - right)
    top = 8 + 16 * rows if legend else 8
    row = 6 + 8 * max(len(series), 1)
    plot_w, plot_h = width - left - right, row * max(len(labels), 1)
    height = int(top + plot_h + bottom)
    values = [v for s in series for v in s.values if _finite(v)]
    ticks = nice_ticks(0.0, max([*values, 0.0]) or 1.0, 4)
    fmt = value_format or tick_format(ticks)
    x_max = ticks[-1]
    body: list[str] = []
    for tick in ticks:
        x = left + plot_w * tick / x_max
        body.append(_path([(x, top), (x, top + plot_h)], GRID))
        body.append(_text(x, top + plot_h + 14, fmt(tick), anchor="middle"))
    for index, (label, short) in enumerate(zip(labels, shown, strict=True)):
        y = top + index * row + 3
        body.append(
            f'<text x="{_n(left - 6)}" y="{_n(y + row / 2)}" text-anchor="end" fill="{INK}"'
            f' dominant-baseline="middle"><title>{escape(label)}</title>{escape(short)}</text>'
        )
        for number, one in enumerate(series):
            value = one.values[index] if index < len(one.values) else None
            if not _finite(value):
                continue
            tip = f"{label} · {one.name}: {fmt(value)}"
            body.append(
                f'<rect x="{_n(left)}" y="{_n(y + number * 8)}" height="7"'
                f' width="{_n(plot_w * max(value, 0.0) / x_max)}" fill="{one.colour}">'
                f"<title>{escape(tip)}</title></rect>"
            )
    body.append(_path([(left, top), (left, top + plot_h)], AXIS))
    if legend:
        body += keys
    return _frame(width, height, title, description, body)


def line_chart(
    lines: Sequence[Line],
    *,
    title: str,
    x_format: Format,
    y_format: Format | None = None,
    rules: Sequence[Rule] = (),
    description: str = "",
    integer_x: bool = False,
    x_ticks: Sequence[float] | None = None,
    width: int = 560,
    height: int = 220,
) -> str:
    """Lines over a shared x axis and a y axis widened to round ticks; ``rules`` draws
    thresholds. ``x_ticks`` defaults to round values (whole ones with ``integer_x``); only those inside the data's range are
    drawn. A lone point shows as a dot; the legend wraps onto more rows when it must.
    """
    left, right, bottom = 48, 24, 26
    keys, rows = _legend(
        [(ln.name, ln.colour, ln.dashed, "line") for ln in lines], left, width - right
    )
    plot_w, plot_h = width - left - right, height - 28 - bottom
    top = 12 + 16 * rows
    height = top + plot_h + bottom
    xs = [x for line in lines for x, _ in line.points]
    ys = [y for line in lines for _, y in line.points if _finite(y)] + [r.value for r in rules]
    x_low, x_high = (min(xs), max(xs)) if xs else (0.0, 1.0)
    if x_high == x_low:
        x_low, x_high = x_low - 1, x_high + 1
    y_ticks = nice_ticks(min(ys, default=0.0), max(ys, default=1.0), 4)
    fmt = y_format or tick_format(y_ticks)
    y_low, y_high = y_ticks[0], y_ticks[-1]

    def sx(x: float) -> float:
        return left + plot_w * (x - x_low) / (x_high - x_low)

    def sy(y: float) -> float:
        return top + plot_h * (1 - (y - y_low) / (y_high - y_low))

    body = _y_axis(y_ticks, fmt, left, top, plot_w, plot_h)
    base = top + plot_h
    body.append(_path([(left, base), (left + plot_w, base)], AXIS))
    chosen = nice_ticks(x_low, x_high, 5, integer=integer_x) if x_ticks is None else x_ticks
    shown = [t for t in chosen if x_low <= t <= x_high]
    for tick in shown:
        body.append(_path([(sx(tick), base), (sx(tick), base + 4)], AXIS))
    body += _x_labels([(sx(t), x_format(t)) for t in shown], base, plot_w)
    for rule in rules:
        level = sy(rule.value)
        body.append(_path([(left, level), (left + plot_w, level)], rule.colour, dash="2 3"))
        below = level - top < 14  # near the top, the label would run into the legend
        body.append(
            _text(
                left + plot_w - 2,
                level + (13 if below else -4),
                rule.label,
                anchor="end",
                fill=rule.colour,
                halo=True,
            )
        )
    for line in lines:
        dash = "6 4" if line.dashed else ""
        run: list[tuple[float, float]] = []
        for x, y in [*line.points, (math.nan, None)]:
            if _finite(y) and math.isfinite(x):
                run.append((sx(x), sy(y)))
                continue
            if len(run) > 1:
                body.append(_path(run, line.colour, dash=dash, stroke_width=2))
            run = []
        for index, (x, y) in enumerate(line.points):
            if _finite(y):
                note = line.notes[index] if index < len(line.notes) else f"{x_format(x)}: {fmt(y)}"
                fill = "#fff" if line.dashed else line.colour
                body.append(
                    f'<circle cx="{_n(sx(x))}" cy="{_n(sy(y))}" r="2.6" fill="{fill}"'
                    f' stroke="{line.colour}" stroke-width="1.4"><title>{escape(note)}</title></circle>'
                )
    body += keys
    return _frame(width, height, title, description, body)


# parts --------------------------------------------------------------------------------------------


def _frame(width: int, height: int, title: str, description: str, body: list[str]) -> str:
    label = escape(title)
    desc = f"<desc>{escape(description)}</desc>" if description else ""
    return (
        f'<svg xmlns="{SVG_NS}" class="chart" viewBox="0 0 {width} {height}" width="{width}"'
        f' height="{height}" role="img" aria-label="{label}" font-size="{FONT}"'
        f' font-family="system-ui, sans-serif"><title>{label}</title>{desc}{"".join(body)}</svg>'
    )


def _y_axis(
    ticks: Sequence[float], fmt: Format, left: float, top: float, plot_w: float, plot_h: float
) -> list[str]:
    low, high = ticks[0], ticks[-1]
    body: list[str] = []
    for tick in ticks:
        y = top + plot_h * (1 - (tick - low) / (high - low))
        body.append(_path([(left, y), (left + plot_w, y)], GRID))
        body.append(_text(left - 5, y + 4, fmt(tick), anchor="end"))
    return body


def _x_labels(spots: Sequence[tuple[float, str]], base: float, plot_w: float) -> list[str]:
    """Labels under the axis, every k-th one so that the longest still fits."""
    if not spots:
        return []
    longest = max(len(text) for _, text in spots) * CHAR + 8
    every = max(1, math.ceil(len(spots) / max(1, int(plot_w // longest))))
    return [_text(x, base + 15, text, anchor="middle") for x, text in list(spots)[::every] if text]


def _legend(
    items: Sequence[tuple[str, str, bool, str]], left: float, right: float
) -> tuple[list[str], int]:
    """Swatches and names in rows from ``left`` to ``right``; the marks and how many rows."""
    body: list[str] = []
    x, y, rows = left, 12.0, 1
    for name, colour, dashed, shape in items:
        swatch = 14 if shape == "bar" else 20
        size = swatch + len(name) * CHAR
        if x > left and x + size > right:
            x, y, rows = left, y + 16, rows + 1
        if shape == "bar":
            body.append(
                f'<rect x="{_n(x)}" y="{_n(y - 8)}" width="10" height="10" fill="{colour}"/>'
            )
        else:
            body.append(_path([(x, y - 3), (x + 16, y - 3)], colour, "4 3" if dashed else "", 2))
        body.append(_text(x + swatch, y + 1, name))
        x += size + 14
    return body, rows


def _text(
    x: float, y: float, text: str, *, anchor: str = "start", fill: str = INK, halo: bool = False
) -> str:
    # A halo (a white stroke painted under the letters) keeps a label readable over lines.
    ring = ' stroke="#fff" stroke-width="3" paint-order="stroke"' if halo else ""
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" fill="{fill}"{ring}>'
        f"{escape(text)}</text>"
    )


def _path(
    points: Sequence[tuple[float, float]], colour: str, dash: str = "", stroke_width: float = 1
) -> str:
    d = "M" + "L".join(f"{_n(x)} {_n(y)}" for x, y in points)
    dashing = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="{stroke_width}"{dashing}'
        ' stroke-linejoin="round"/>'
    )


def _shorten(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _finite(value: float | None) -> TypeGuard[float]:
    return value is not None and math.isfinite(value)


def _n(value: float) -> str:
    """A coordinate with one decimal at most: enough on screen, and it keeps the page small."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text
