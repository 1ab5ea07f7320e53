"""Charts as inline SVG drawn on the server: pure Python, no JavaScript, nothing from a CDN.

Three shapes, each returning one <svg> element (a string with every text escaped):
    stacked_columns   columns of stacked segments (decisions per month, upheld / overturned)
    rate_points       a proportion per column with its confidence interval as a whisker
    bars              horizontal bars, the label above each bar (long labels on a phone)

The SVG has a viewBox and no fixed size: static/css/analytics.css scales it to its column.
Each function draws for a viewBox `width`: WIDTH for a desktop column, NARROW for a phone (on
the narrower canvas the same text renders at 12 px or more instead of shrinking with the chart;
analytics.views draws both, the CSS shows one). The CSS colours the charts through classes (`seg-upheld`, `bar`, ...), and a print style sheet turns the colours
into greys. Attributes are presentation attributes, never `style`: the site's
Content-Security-Policy forbids inline styles. A bar or segment with an `href` is a link (SVG 2
<a href>), and its <title> is the tooltip; the table under each chart holds the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape

WIDTH = 480  # viewBox units; CSS scales the chart to its column
NARROW = 300  # the phone drawing: about the width a 360-390 px screen gives it, so text keeps its size
FONT = 12
CHAR = 6.6  # average width of a character at FONT in the site's sans-serif, to space labels


@dataclass
class Segment:
    value: float
    css: str
    href: str | None = None
    title: str = ""


@dataclass
class Column:
    label: str
    segments: list[Segment] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(s.value for s in self.segments)


@dataclass
class Point:
    label: str
    value: float | None  # None: nothing to show for this column (no decided decisions)
    low: float | None = None
    high: float | None = None
    href: str | None = None
    title: str = ""


@dataclass
class Bar:
    label: str
    value: float
    text: str  # the value as printed at the end of the row
    href: str | None = None
    title: str = ""
    low: float | None = None
    high: float | None = None
    css: str = "bar"


def _e(value) -> str:
    return escape(str(value), quote=True)


def _n(x: float) -> str:
    """A coordinate, short."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """0 and round steps (1, 2, 2.5, 5 x 10^k) up to at least `top`."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [i * step for i in range(int(math.ceil(top / step - 1e-9)) + 1)]


def _linked(inner: str, href: str | None, title: str) -> str:
    tip = f"<title>{_e(title)}</title>" if title else ""
    if href:
        return f'<a href="{_e(href)}">{tip}{inner}</a>'
    return f"<g>{tip}{inner}</g>" if tip else inner


def _open(chart_id: str, title: str, height: float, css: str, width: float = WIDTH) -> str:
    if width != WIDTH:
        chart_id, css = f"{chart_id}-narrow", f"{css} narrow"
    return (
        f'<svg class="chart {css}" viewBox="0 0 {_n(width)} {_n(height)}" role="img" '
        f'aria-labelledby="{_e(chart_id)}-title" font-size="{FONT}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{_e(chart_id)}-title">{_e(title)}</title>'
    )


def _legend(items: list[tuple[str, str]], y: float) -> str:
    out, x = [], 48.0
    for css, label in items:
        out.append(
            f'<rect class="{_e(css)}" x="{_n(x)}" y="{_n(y - 9)}" width="10" height="10"/>'
            f'<text class="legend" x="{_n(x + 14)}" y="{_n(y)}">{_e(label)}</text>'
        )
        x += 24 + CHAR * len(label)
    return "".join(out)


def _y_axis(ticks: list[float], scale, left: float, right: float, fmt) -> str:
    out = []
    for t in ticks:
        y = scale(t)
        out.append(
            f'<line class="grid" x1="{_n(left)}" x2="{_n(right)}" y1="{_n(y)}" y2="{_n(y)}"/>'
            f'<text class="tick" x="{_n(left - 4)}" y="{_n(y + 4)}" text-anchor="end">{_e(fmt(t))}</text>'
        )
    return "".join(out)


def _x_labels(labels: list[str], x_of, y: float, slot: float) -> str:
    """Every k-th label, k chosen so that labels do not overlap."""
    widest = max((len(label) for label in labels), default=1) * CHAR + 6
    every = max(1, math.ceil(widest / max(slot, 1e-6)))
    return "".join(
        f'<text class="tick" x="{_n(x_of(i))}" y="{_n(y)}" text-anchor="middle">{_e(label)}</text>'
        for i, label in enumerate(labels)
        if i % every == 0
    )


def _integer(t: float) -> str:
    return f"{t:,.0f}" if t == int(t) else f"{t:,.1f}"


def _percent(t: float) -> str:
    return f"{t * 100:.0f}%"


def stacked_columns(
    chart_id: str,
    title: str,
    columns: list[Column],
    legend: list[tuple[str, str]],
    height: float = 230,
    width: float = WIDTH,
) -> str:
    top, bottom, left, right = 26.0, 34.0, 48.0, width - 8.0
    ticks = nice_ticks(max((c.total for c in columns), default=0))
    plot_h = height - top - bottom
    scale = lambda v: top + plot_h * (1 - v / ticks[-1])  # noqa: E731
    slot = (right - left) / max(len(columns), 1)
    x_of = lambda i: left + slot * (i + 0.5)  # noqa: E731
    parts = [
        _open(chart_id, title, height, "columns", width),
        _legend(legend, 12),
        _y_axis(ticks, scale, left, right, _integer),
    ]
    width = max(min(slot * 0.72, 48), 1.5)
    for i, column in enumerate(columns):
        base = 0.0
        for seg in column.segments:
            if seg.value <= 0:
                continue
            y0, y1 = scale(base), scale(base + seg.value)
            rect = (
                f'<rect class="{_e(seg.css)}" x="{_n(x_of(i) - width / 2)}" y="{_n(y1)}" width="{_n(width)}" '
                f'height="{_n(max(y0 - y1, 0.5))}"/>'
            )
            parts.append(_linked(rect, seg.href, seg.title))
            base += seg.value
        if len(columns) <= 16 * width / WIDTH and column.total:
            parts.append(
                f'<text class="value" x="{_n(x_of(i))}" y="{_n(scale(column.total) - 3)}" '
                f'text-anchor="middle">{_e(_integer(column.total))}</text>'
            )
    parts.append(f'<line class="axis" x1="{_n(left)}" x2="{_n(right)}" y1="{_n(scale(0))}" y2="{_n(scale(0))}"/>')
    parts.append(_x_labels([c.label for c in columns], x_of, height - bottom + 16, slot))
    parts.append("</svg>")
    return "".join(parts)


def rate_points(
    chart_id: str, title: str, points: list[Point], caption: str = "", height: float = 210, width: float = WIDTH
) -> str:
    """Proportions (0-1) as dots with their interval as a whisker, on a percent axis; the
    caption is printed above the plot."""
    top, bottom, left, right = 26.0, 34.0, 48.0, width - 8.0
    highest = max((p.high if p.high is not None else p.value or 0) for p in points) if points else 0
    ticks = nice_ticks(min(max(highest, 0.05), 1.0))
    plot_h = height - top - bottom
    scale = lambda v: top + plot_h * (1 - v / ticks[-1])  # noqa: E731
    slot = (right - left) / max(len(points), 1)
    x_of = lambda i: left + slot * (i + 0.5)  # noqa: E731
    parts = [_open(chart_id, title, height, "rates", width), _y_axis(ticks, scale, left, right, _percent)]
    if caption:
        parts.append(f'<text class="legend" x="{_n(left)}" y="12">{_e(caption)}</text>')
    for i, p in enumerate(points):
        if p.value is None:
            continue
        x = x_of(i)
        inner = ""
        if p.low is not None and p.high is not None:
            cap = min(slot * 0.25, 5)
            inner += (
                f'<line class="whisker" x1="{_n(x)}" x2="{_n(x)}" y1="{_n(scale(p.low))}" y2="{_n(scale(p.high))}"/>'
                f'<line class="whisker" x1="{_n(x - cap)}" x2="{_n(x + cap)}" y1="{_n(scale(p.high))}" y2="{_n(scale(p.high))}"/>'
                f'<line class="whisker" x1="{_n(x - cap)}" x2="{_n(x + cap)}" y1="{_n(scale(p.low))}" y2="{_n(scale(p.low))}"/>'
            )
        inner += f'<circle class="dot" cx="{_n(x)}" cy="{_n(scale(p.value))}" r="{_n(min(max(slot * 0.18, 2), 4.5))}"/>'
        parts.append(_linked(inner, p.href, p.title))
    parts.append(f'<line class="axis" x1="{_n(left)}" x2="{_n(right)}" y1="{_n(scale(0))}" y2="{_n(scale(0))}"/>')
    parts.append(_x_labels([p.label for p in points], x_of, height - bottom + 16, slot))
    parts.append("</svg>")
    return "".join(parts)


def bars(chart_id: str, title: str, rows: list[Bar], top_value: float | None = None, width: float = WIDTH) -> str:
    """One row per bar: the label on its own line, then the bar, its value printed on the
    right. With `low`/`high`, the interval is drawn across the bar."""
    row_h, label_h, bar_h, value_w, left = 32.0, 14.0, 11.0, 78.0, 4.0
    height = max(row_h * len(rows), row_h) + 6
    top_value = top_value or max((max(r.value, r.high or 0) for r in rows), default=0) or 1
    span = width - left - value_w
    x_of = lambda v: left + span * min(v / top_value, 1.0)  # noqa: E731
    parts = [_open(chart_id, title, height, "bars", width)]
    for i, r in enumerate(rows):
        y = 4 + i * row_h
        label = r.label if len(r.label) * CHAR < width - 8 else r.label[: int((width - 8) / CHAR) - 1] + "…"
        inner = (
            f'<text class="label" x="{_n(left)}" y="{_n(y + label_h - 3)}">{_e(label)}</text>'
            f'<rect class="track" x="{_n(left)}" y="{_n(y + label_h)}" width="{_n(span)}" height="{_n(bar_h)}"/>'
            f'<rect class="{_e(r.css)}" x="{_n(left)}" y="{_n(y + label_h)}" '
            f'width="{_n(max(x_of(r.value) - left, 0.5 if r.value else 0))}" height="{_n(bar_h)}"/>'
        )
        if r.low is not None and r.high is not None:
            mid = y + label_h + bar_h / 2
            inner += (
                f'<line class="whisker" x1="{_n(x_of(r.low))}" x2="{_n(x_of(r.high))}" y1="{_n(mid)}" y2="{_n(mid)}"/>'
                f'<line class="whisker" x1="{_n(x_of(r.low))}" x2="{_n(x_of(r.low))}" y1="{_n(mid - 4)}" y2="{_n(mid + 4)}"/>'
                f'<line class="whisker" x1="{_n(x_of(r.high))}" x2="{_n(x_of(r.high))}" y1="{_n(mid - 4)}" y2="{_n(mid + 4)}"/>'
            )
        inner += (
            f'<text class="value" x="{_n(width - 4)}" y="{_n(y + label_h + bar_h - 1)}" '
            f'text-anchor="end">{_e(r.text)}</text>'
        )
        parts.append(_linked(inner, r.href, r.title))
    parts.append("</svg>")
    return "".join(parts)
