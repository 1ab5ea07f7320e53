"""Template tags of the search page: the facet lists and the decisions of a listed letter.

They are built here rather than by template loops because a page lists a few hundred facet
values and dozens of decisions: Django's template engine costs ~20 µs a value and format_html
~15 (its lazy-string wrappers), an f-string with the standard library's html.escape about 1
(profiled with bench/search.py's corpus). Every value from a letter goes through `_e`; the
snippets come escaped from search.highlight, with only their <mark> tags added.
"""

from html import escape

from django import template
from django.template.defaultfilters import pluralize
from django.utils.safestring import mark_safe

register = template.Library()


def _e(value) -> str:
    return escape(str(value), quote=True)


@register.simple_tag
def facet_values(values):
    """<li> entries of one facet (dicts from web.search._facet_blocks): each link's count is
    the decisions it gives."""
    rows = []
    for v in values:
        css = "selected" if v["selected"] else "switch" if v.get("switch") else ""
        title = ' title="Show these decisions instead"' if v.get("switch") else ""
        rows.append(
            f'<li><a href="{_e(v["url"])}" class="{css}" data-value="{_e(v["value"])}" role="checkbox" '
            f'aria-checked="{"true" if v["selected"] else "false"}"{title}><span><span class="box"></span>'
            f'{_e(v["value"])}</span><span class="count">{int(v["count"])}</span></a></li>'
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value escaped above


def _relies_on(item) -> str:
    if item["sections"]:
        parts = [
            f'<a href="{_e(s["url"])}">{_e(s["label"])}</a>' if s.get("url") else _e(s["label"])
            for s in item["sections"]
        ]
    elif item["guideline_documents"]:
        parts = [_e(d) for d in item["guideline_documents"]]
    else:
        return ""
    return f'<div class="cites muted">Relies on: {"; ".join(parts)}</div>'


def _snippets(item) -> str:
    rows = [
        f'<p><span class="field">{_e(field)}</span>{snippet}</p>'
        for field, snippets in item["highlights"].items()
        for snippet in snippets
    ]
    return f'<div class="snippets">{"".join(rows)}</div>' if rows else ""


MATCHED_LABELS = {
    "request": "its request",
    "rationale": "the rationale",
    "quotes": "the guideline quotes",
    "classification": "its classified procedure",
    "names": "its category or guideline names",
}


def _matched_in(item) -> str:
    """Where a matching decision matched the query: a decision found only through its letter's
    clinical summary says so (the summary describes the case, not this request)."""
    where = item.get("matched_in") or []
    if not item["matched"] or not where:
        return ""
    if where == ["summary"]:
        return '<div class="matched-in summary-only muted">Matched only in the letter\'s clinical summary</div>'
    parts = [MATCHED_LABELS[w] for w in where if w in MATCHED_LABELS]
    if "summary" in where:
        parts.append("the letter's clinical summary")
    return f'<div class="matched-in muted">Matched in {_e(", ".join(parts))}</div>'


@register.simple_tag
def decision_item(item):
    """One decision of a listed letter (a dict from search.payload): its short title (the
    disputed portion of a partly authorized request), outcome, procedure and region, the
    guideline sections it relies on, and its snippets."""
    html = [
        f'<li class="item{" match" if item["matched"] else ""}" data-order="{int(item["order"])}">'
        f'<span class="title">{_e(item["title"])}</span>'
    ]
    if item["disputed_portion"]:
        html.append(
            f' <span class="muted partial" title="{_e(item["request"])}">'
            "(the part left after a partial authorization)</span>"
        )
    if item["decision"]:
        html.append(f' <span class="badge {_e(item["decision"])}">{_e(item["decision"])}</span>')
    html.append(" ")
    if item.get("request_category"):
        html.append(f'<span class="tag dwc" title="DWC request category">{_e(item["request_category"])}</span>')
    if item["procedure"] and item["procedure"] != "other":
        html.append(f'<span class="tag" title="Procedure">{_e(item["procedure"])}</span>')
    if item["body_region"] and item["body_region"] != "unspecified":
        html.append(f'<span class="tag" title="Body region">{_e(item["body_region"])}</span>')
    html += [_relies_on(item), _matched_in(item), _snippets(item), "</li>"]
    return mark_safe("".join(html))  # noqa: S308 - every value escaped above; snippets by search.highlight


@register.simple_tag
def letter_hit(hit):
    """One letter of the results (a dict from search.payload via web.search): its matching
    decisions first, marked; the others folded."""
    case = hit.get("case_number") or ""
    n_items, matched = len(hit["items"]), int(hit["matched"])
    if hit.get("url"):
        title = f'<a href="{_e(hit["url"])}" class="case-link">{_e(case or "Letter without case number")}</a>'
    else:
        title = f"Determination #{int(hit['id'])}"
    reviewer = f" · Reviewer: {_e(', '.join(hit['specialty']))}" if hit.get("specialty") else ""
    html = [
        f'<article class="card hit" data-case="{_e(case)}" data-id="{int(hit["id"])}">',
        f"<h2>{title}</h2>",
        f'<div class="meta">Decided {_e(hit.get("decision_date") or "(date unknown)")}{reviewer} · {matched} of '
        f"{n_items} decision{pluralize(n_items)} match{pluralize(matched, 'es,')}</div>",
        '<ul class="items">',
        *(decision_item(item) for item in hit["matching"]),
        "</ul>",
    ]
    others = hit.get("others") or []
    if others:
        html += [
            f'<details class="more-items"><summary>{len(others)} other decision{pluralize(len(others))} in this '
            'letter</summary><ul class="items">',
            *(decision_item(item) for item in others),
            "</ul></details>",
        ]
    summary = (hit.get("highlights") or {}).get("summary") or []
    if summary:
        html.append(
            '<div class="snippets">'
            + "".join(f'<p><span class="field">Clinical summary</span>{snippet}</p>' for snippet in summary)
            + "</div>"
        )
    html.append("</article>")
    return mark_safe("".join(html))  # noqa: S308 - every value escaped above; snippets by search.highlight
