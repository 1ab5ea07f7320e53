"""The search page: /search/ (decisions, grouped by letter) and /search/?target=sections.

The page renders search.payload's answer, the same dict the API returns, and adds only links:
every state is a GET URL built by search.params.SearchParams, so any view of the results can be
bookmarked and shared. Letter text reaches the template escaped by Django's autoescaping, except
the highlight snippets, which search.highlight has escaped and which are the only values
rendered with |safe.
"""

from __future__ import annotations

import logging

from django.shortcuts import render
from django.urls import reverse

from exports import decisions as export
from search.backends.base import SearchBackendError
from search.health import UNAVAILABLE
from search.params import FACET_LABELS, SORTS, TARGETS, parse_search_params
from search.payload import payload, run

log = logging.getLogger(__name__)

# Facet values shown before "more" (the rest stay in the page, folded by <details>).
FACET_SHOWN = 8


def _facet_blocks(data: dict, params) -> list[dict]:
    """Each facet's values with links. A value's count is what following its link returns: an
    unselected value adds its filter; in a facet with a selection, the other values replace it
    (their counts are taken without that facet's own filter)."""
    blocks = []
    for name in params.facet_names:
        selected = params.filters.get(name, [])
        counts = {fv["value"]: fv["count"] for fv in data["facets"].get(name, [])}
        toggle, replace_with = params.facet_links(name)
        entries = []
        if selected:
            for value in selected:
                entries.append({"value": value, "count": counts.get(value, 0), "selected": True, "url": toggle(value)})
            for fv in data.get("facet_alternatives", {}).get(name, []):
                if fv["value"] not in selected:
                    entries.append(
                        {
                            "value": fv["value"],
                            "count": fv["count"],
                            "selected": False,
                            "switch": True,
                            "url": replace_with(fv["value"]),
                        }
                    )
        else:
            entries = [
                {"value": fv["value"], "count": fv["count"], "selected": False, "url": toggle(fv["value"])}
                for fv in data["facets"].get(name, [])
            ]
        if not entries:
            continue
        blocks.append(
            {
                "name": name,
                "label": FACET_LABELS.get(name, name),
                "values": entries[:FACET_SHOWN],
                "more": entries[FACET_SHOWN:],
                "has_selection": bool(selected),
            }
        )
    return blocks


def _pagination(count: int, params) -> dict:
    pages = max(1, -(-count // params.page_size))
    current = params.page
    window = sorted({1, pages, *range(max(1, current - 2), min(pages, current + 2) + 1)})
    links, previous = [], 0
    for n in window:
        if n - previous > 1:
            links.append({"gap": True})
        links.append({"number": n, "url": params.querystring(page=n), "current": n == current})
        previous = n
    first = (current - 1) * params.page_size + 1
    return {
        "pages": pages,
        "current": current,
        "past_end": current > pages,
        "last_url": params.querystring(page=pages),
        "first_index": first,
        "last_index": min(count, current * params.page_size),
        "links": links if pages > 1 else [],
        "previous_url": params.querystring(page=min(current - 1, pages)) if current > 1 else None,
        "next_url": params.querystring(page=current + 1) if current < pages else None,
    }


def _results(data: dict) -> list[dict]:
    """Letters as the template shows them: the matching decisions first, the others folded."""
    letters = []
    for result in data["results"]:
        items = result["items"]
        letters.append(
            {**result, "matching": [i for i in items if i["matched"]], "others": [i for i in items if not i["matched"]]}
        )
    return letters


def _percent(x: float) -> str:
    return f"{x * 100:.1f}%"


def rate_text(summary: dict) -> dict | None:
    """The overturn rate and its 95% interval as the page prints them ("4.3%", "0.8%–21.0%")."""
    if summary.get("overturn_rate") is None:
        return None
    low, high = summary["overturn_rate_ci95"]
    return {"rate": _percent(summary["overturn_rate"]), "ci": f"{_percent(low)}–{_percent(high)}"}


def _display_phrases(phrases: list[str], typed: str = "") -> list[str]:
    """The synonyms as shown to the user: without the plural variants added for the engine."""
    lowered = {p.lower() for p in phrases} | {typed.lower().strip()}

    def is_plural_variant(p: str) -> bool:
        low = p.lower()
        return (low.endswith("ies") and low[:-3] + "y" in lowered) or (low.endswith("s") and low[:-1] in lowered)

    return [p for p in phrases if not is_plural_variant(p)]


def search_page(request):
    params = parse_search_params(request.GET)
    data, error = None, None
    # A query the form rejects (too long, a bad date) is not run: the page says what was wrong
    # and keeps what was typed in the box.
    if not params.errors.get("q"):
        try:
            data = payload(run(params))
        except SearchBackendError:
            log.exception("search backend failed for %s", request.get_full_path())
            error = UNAVAILABLE
    context = {
        "params": params,
        "data": data,
        "error": error,
        "form_errors": params.errors,
        "chips": params.chips(),
        "clear_url": params.querystring(filters={}, date_from=None, date_to=None, page=1),
        "sorts": [
            {"value": v, "label": label, "selected": v == params.sort, "url": params.querystring(sort=v, page=1)}
            for v, label in SORTS
        ],
        "tabs": [
            {
                "value": v,
                "label": label,
                "selected": v == params.target,
                "url": params.querystring(target=v, filters={}, page=1),
            }
            for v, label in TARGETS
        ],
        "widen_url": params.querystring(widen=not params.widen, page=1),
    }
    if data is not None and params.target == "determinations":
        # Every decision counted here, whatever the page and the order (an export has its own).
        state = params.querystring(page=1, page_size=None, sort=None)
        context["export_urls"] = {fmt: reverse(f"api-search-export-{fmt}") + state for fmt in export.FORMATS}
    if data is not None:
        context.update(
            {
                "facets": _facet_blocks(data, params),
                "pagination": _pagination(data["count"], params),
                "letters": _results(data) if params.target == "determinations" else [],
                "rate_text": rate_text(data["summary"]) if params.target == "determinations" else None,
                "sections": data["results"] if params.target == "sections" else [],
                "expansion_shown": _display_phrases(data["query"]["expansions"], params.q)[:12],
                "expansion_more": max(0, len(_display_phrases(data["query"]["expansions"], params.q)) - 12),
            }
        )
    return render(request, "web/search.html", context)
