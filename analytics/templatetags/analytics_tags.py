"""Template helpers of the analytics page and the dashboard: numbers linked to the decisions
behind them, rates and intervals as printed, the breakdown tables, and the search page's link to
its analytics.

The tables are built here rather than by template loops: a page has a few hundred linked
numbers, and Django's template engine spent more on them than the engine on the counts
(measured with bench/analytics.py). Every value goes through html.escape (`_e`).
"""

from html import escape

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from search.params import DEFAULT_PAGE_SIZE

register = template.Library()


@register.simple_tag
def n(value, url=None, css="n"):
    """A count, linked to its decisions when it has a URL (analytics.payload gives none for a
    zero or a number no search URL can list)."""
    shown = f"{value:,}" if isinstance(value, int) else value
    if url:
        return format_html('<a class="{}" href="{}">{}</a>', css, url, shown)
    return format_html('<span class="{}">{}</span>', css, shown)


@register.filter
def pct(value):
    return "–" if value is None else f"{value * 100:.1f}%"


@register.filter
def ci(interval):
    """A 95% interval as "4.1–27.0%"."""
    if not interval:
        return ""
    low, high = interval
    return f"{low * 100:.1f}–{high * 100:.1f}%"


@register.filter
def days(value):
    """A day count: 28 or 28.5."""
    if value is None:
        return "–"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


@register.simple_tag
def analytics_url(params):
    """/analytics/ with the search's own query string (page, sort and page size left out)."""
    return "/analytics/" + params.querystring(page=1, sort="relevance", page_size=DEFAULT_PAGE_SIZE)


def _e(value) -> str:
    return escape(str(value), quote=True)


def _count(value, url, css="n") -> str:
    shown = f"{value:,}" if isinstance(value, int) else _e(value)
    if url:
        return f'<a class="{css}" href="{_e(url)}">{shown}</a>'
    return f'<span class="{css}">{shown}</span>'


@register.simple_tag
def stats_table(rows, head, table_id, share=False, letters=False, sections=False):
    """One breakdown (rows of analytics.payload: months, categories, sections, ...): decisions,
    upheld, overturned and the overturn rate with its 95% interval, each count linked to its
    decisions (no link for a zero, or for a number no search URL can list). With `sections`, a
    section's title opens its page; `share` adds each row's share of the decisions, `letters`
    the letters (counted when the search selects whole letters, else "–")."""
    head_cells = [f'<th scope="col">{_e(head)}</th>']
    if letters:
        head_cells.append('<th scope="col" class="num letters">Letters</th>')
    head_cells.append('<th scope="col" class="num">Deci&shy;sions</th>')
    if share:
        head_cells.append('<th scope="col" class="num share">Share</th>')
    head_cells += [
        '<th scope="col" class="num upheld">Upheld</th>',
        '<th scope="col" class="num">Over&shy;turned</th>',
        '<th scope="col" class="num">Overturn rate <span class="ci-head">(95% CI)</span></th>',
    ]
    body = []
    for row in rows:
        urls, name = row["urls"], row.get("label") or row["value"]
        if sections and row.get("section_url"):
            title = f'<a href="{_e(row["section_url"])}" class="section-link">{_e(row["value"])}</a>'
        else:
            title = _e(name)
        if urls["analytics"]:
            title += (
                f' <a class="drill no-print" href="{_e(urls["analytics"])}" title="Analytics of these decisions" '
                f'aria-label="Analytics of {_e(name)}">›</a>'
            )
        cells = [f'<th scope="row">{title}</th>']
        if letters:
            shown = "–" if row["letters"] is None else _count(row["letters"], urls["decisions"])
            cells.append(f'<td class="num letters">{shown}</td>')
        cells.append(f'<td class="num decisions">{_count(row["decisions"], urls["decisions"])}</td>')
        if share:
            cells.append(f'<td class="num share">{_count(pct(row["share"]), urls["decisions"])}</td>')
        cells.append(f'<td class="num upheld">{_count(row["upheld"], urls["upheld"])}</td>')
        cells.append(f'<td class="num overturned">{_count(row["overturned"], urls["overturned"])}</td>')
        if row["overturn_rate"] is None:
            cells.append('<td class="num rate">–</td>')
        else:
            cells.append(
                f'<td class="num rate">{_count(pct(row["overturn_rate"]), urls["decisions"])} '
                f'<span class="ci">{_e(ci(row["overturn_rate_ci95"]))}</span></td>'
            )
        body.append(f'<tr data-value="{_e(row["value"])}">{"".join(cells)}</tr>')
    if not body:
        body.append(f'<tr><td colspan="{len(head_cells)}" class="muted">No decisions.</td></tr>')
    return mark_safe(  # noqa: S308 - every value escaped above
        f'<div class="table-wrap"><table class="stats" id="{_e(table_id)}"><thead><tr>{"".join(head_cells)}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )
