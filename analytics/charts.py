"""The charts of the analytics page and the dashboard, drawn from the analytics payload
(analytics.payload) with analytics.svg. Every bar or segment links where the payload's number
does; the tables beneath the charts carry the same numbers."""

from __future__ import annotations

from analytics.svg import WIDTH, Bar, Column, Point, Segment, bars, rate_points, stacked_columns

OUTCOME_LEGEND = [("seg-upheld", "Upheld"), ("seg-overturned", "Overturned"), ("seg-other", "No outcome")]
# Past this many distinct day counts, the days histogram groups days into bins of equal width.
MAX_DAY_COLUMNS = 45


def percent(x: float | None) -> str:
    return "–" if x is None else f"{x * 100:.1f}%"


def _outcome_column(label: str, row: dict, what: str) -> Column:
    other = row["decisions"] - row["upheld"] - row["overturned"]
    return Column(
        label,
        [
            Segment(row["upheld"], "seg-upheld", row["urls"]["upheld"], f"{what}: {row['upheld']} upheld"),
            Segment(
                row["overturned"],
                "seg-overturned",
                row["urls"]["overturned"],
                f"{what}: {row['overturned']} overturned",
            ),
            Segment(other, "seg-other", None, f"{what}: {other} without an outcome"),
        ],
    )


def decisions_per(chart_id: str, rows: list[dict], title: str, label_key: str = "value", width: float = WIDTH) -> str:
    """Stacked columns of upheld / overturned decisions (months or years)."""
    columns = [
        _outcome_column(str(r.get(label_key) or r["value"]), r, str(r.get(label_key) or r["value"])) for r in rows
    ]
    legend = OUTCOME_LEGEND if any(c.segments[2].value for c in columns) else OUTCOME_LEGEND[:2]
    return stacked_columns(chart_id, title, columns, legend, width=width)


def rate_per(chart_id: str, rows: list[dict], title: str, label_key: str = "value", width: float = WIDTH) -> str:
    points = []
    for r in rows:
        ci = r["overturn_rate_ci95"] or [None, None]
        label = str(r.get(label_key) or r["value"])
        points.append(
            Point(
                label,
                r["overturn_rate"],
                ci[0],
                ci[1],
                r["urls"]["overturned"] or r["urls"]["decisions"],
                f"{label}: {percent(r['overturn_rate'])} overturned of {r['upheld'] + r['overturned']} "
                f"(95% CI {percent(ci[0])}–{percent(ci[1])})",
            )
        )
    # The caption must fit the drawing: a phone's is narrower.
    caption = "Overturn rate (dot) and its 95% interval (whisker)" if width >= WIDTH else "Overturn rate, 95% interval"
    return rate_points(chart_id, title, points, caption, width=width)


def shares(chart_id: str, rows: list[dict], title: str, width: float = WIDTH) -> str:
    """Each value's share of the decisions, as bars."""
    return bars(
        chart_id,
        title,
        [
            Bar(
                r["value"],
                r["share"] or 0,
                f"{percent(r['share'])} · {r['decisions']}",
                r["urls"]["decisions"],
                f"{r['value']}: {r['decisions']} decisions, {percent(r['share'])}",
            )
            for r in rows
        ],
        width=width,
    )


def counts(chart_id: str, rows: list[dict], title: str, width: float = WIDTH) -> str:
    return bars(
        chart_id,
        title,
        [
            Bar(
                r["value"],
                r["decisions"],
                str(r["decisions"]),
                r["urls"]["decisions"],
                f"{r['value']}: {r['decisions']} decisions",
            )
            for r in rows
        ],
        width=width,
    )


def rates(chart_id: str, rows: list[dict], title: str, width: float = WIDTH) -> str:
    """Overturn rates with their 95% intervals, as bars with whiskers, on a 0-100% scale."""
    out = []
    for r in rows:
        ci = r["overturn_rate_ci95"] or [None, None]
        out.append(
            Bar(
                r.get("label") or r["value"],
                r["overturn_rate"] or 0,
                percent(r["overturn_rate"]),
                r["urls"]["overturned"] or r["urls"]["decisions"],
                f"{r['value']}: {r['overturned']} of {r['upheld'] + r['overturned']} overturned "
                f"(95% CI {percent(ci[0])}–{percent(ci[1])})",
                ci[0],
                ci[1],
                css="bar rate",
            )
        )
    return bars(chart_id, title, out, top_value=1.0, width=width)


def days_histogram(chart_id: str, days: dict, title: str, width: float = WIDTH) -> str:
    """Decisions per day count from assignment to decision; a wide range in equal bins."""
    histogram = {r["days"]: r["decisions"] for r in days["histogram"]}
    if not histogram:
        return ""
    low, high = min(histogram), max(histogram)
    step = max(1, -(-(high - low + 1) // MAX_DAY_COLUMNS))
    columns = []
    for start in range(low, high + 1, step):
        n = sum(histogram.get(d, 0) for d in range(start, start + step))
        label = str(start) if step == 1 else f"{start}–{start + step - 1}"
        columns.append(Column(label, [Segment(n, "seg-days", None, f"{label} days: {n} decisions")]))
    legend = "Decisions, by days from assignment to decision" if width >= WIDTH else "Decisions, by days"
    return stacked_columns(chart_id, title, columns, [("seg-days", legend)], width=width)
