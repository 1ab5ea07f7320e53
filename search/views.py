"""The search page: /search/ (determinations) and /search/?target=sections (guideline sections).

Every state is a GET URL built by search.forms.SearchParams, so any view of the results can be
bookmarked and shared. Letter text reaches the template escaped by Django's autoescaping, except
the backend's highlight snippets, which the backend has already escaped (search.backends.base.
mark_snippet) and which are the only values rendered with |safe.
"""
from __future__ import annotations

import logging
import re
from urllib.parse import urlencode

from django.apps import apps
from django.core.exceptions import FieldError
from django.db import DatabaseError, transaction
from django.shortcuts import render
from django.urls import NoReverseMatch

from search.backends.base import HIGHLIGHT_FIELDS, SECTION_HIGHLIGHT_FIELDS, SearchBackendError, SearchResult
from search.forms import FACET_LABELS, SORTS, TARGETS, execute, parse_search_params
from search.serializers import determination_url

log = logging.getLogger(__name__)

HIGHLIGHT_LABELS = {"requests": "Request", "rationale": "Rationale", "summary": "Clinical summary",
                    "title": "Title", "text": "Text", "quotes": "Quoted in letters"}
# Facet values shown before "more" (the rest stay in the page, folded by <details>).
FACET_SHOWN = 8


class _SectionLinker:
    """URLs for cited guideline sections: the guidelines app's section page when it has one
    (looked up at run time, so the page works with or without guidelines models), otherwise a
    search of the guideline sections for that title."""

    def __init__(self):
        self.cache: dict[tuple[str, str], str] = {}
        try:
            self.model = apps.get_model("guidelines", "GuidelineSection")
        except LookupError:
            self.model = None
        if self.model is not None and not hasattr(self.model, "get_absolute_url"):
            self.model = None

    def url(self, documents: list[str], section: str) -> str:
        key = (tuple(documents), section)
        if key not in self.cache:
            self.cache[key] = self._lookup(documents, section) or "/search/?" + urlencode(
                {"target": "sections", "q": section})
        return self.cache[key]

    def _lookup(self, documents: list[str], section: str) -> str | None:
        if self.model is None:
            return None
        try:
            # A savepoint, so a guidelines schema that is not migrated yet cannot poison the
            # request's transaction.
            with transaction.atomic():
                candidates = list(self.model.objects.select_related("document").filter(title__iexact=section)[:50])
            # The section of one of the documents the item cites ("Summary" exists in many).
            wanted = {d.lower() for d in documents}
            for obj in candidates:
                doc = getattr(obj, "document", None)
                names = {str(getattr(doc, a, "") or "").lower() for a in ("title", "short_title")}
                if names & wanted:
                    return obj.get_absolute_url()
            return candidates[0].get_absolute_url() if len(candidates) == 1 else None
        except DatabaseError as exc:
            log.warning("guideline sections unavailable: %s", exc)
            self.model = None
            return None
        except (FieldError, NoReverseMatch, AttributeError, ValueError) as exc:
            log.debug("no guideline section link for %r: %s", section, exc)
            return None


def _facet_blocks(result: SearchResult, params) -> list[dict]:
    blocks = []
    for name in params.facet_names:
        values = result.facets.get(name, [])
        counts = {fv.value: fv.count for fv in values}
        # A selected value stays visible (and removable) even when the query leaves it at 0.
        shown = [(fv.value, fv.count) for fv in values]
        for value in params.filters.get(name, []):
            if value not in counts:
                shown.append((value, 0))
        if not shown:
            continue
        entries = [
            {"value": v, "count": c, "selected": params.is_selected(name, v),
             "url": params.with_filter_toggled(name, v)}
            for v, c in shown
        ]
        blocks.append({
            "name": name,
            "label": FACET_LABELS.get(name, name),
            "values": entries[:FACET_SHOWN],
            "more": entries[FACET_SHOWN:],
            "has_selection": bool(params.filters.get(name)),
        })
    return blocks


def _chips(params) -> list[dict]:
    chips = []
    for name, values in params.filters.items():
        for value in values:
            chips.append({"label": FACET_LABELS.get(name, name), "value": value,
                          "remove_url": params.with_filter_toggled(name, value)})
    if params.date_from:
        chips.append({"label": "From", "value": params.date_from.isoformat(),
                      "remove_url": params.querystring(date_from=None, page=1)})
    if params.date_to:
        chips.append({"label": "To", "value": params.date_to.isoformat(),
                      "remove_url": params.querystring(date_to=None, page=1)})
    return chips


def _pagination(total: int, params) -> dict:
    pages = max(1, -(-total // params.page_size))
    current = min(params.page, pages)
    window = sorted({1, pages, *range(max(1, current - 2), min(pages, current + 2) + 1)})
    links, previous = [], 0
    for n in window:
        if n - previous > 1:
            links.append({"gap": True})
        links.append({"number": n, "url": params.querystring(page=n), "current": n == current})
        previous = n
    return {
        "pages": pages,
        "current": current,
        "links": links if pages > 1 else [],
        "previous_url": params.querystring(page=current - 1) if current > 1 else None,
        "next_url": params.querystring(page=current + 1) if current < pages else None,
    }


# Items listed on a hit before the rest fold away (letters can dispute twenty items).
ITEMS_SHOWN = 4


def _item_matches(item: dict, params) -> bool:
    """Whether the item is what the query asks about: its classified procedure is one the query
    names, or its request contains a word of the query."""
    if item.get("procedure") in params.expansion.procedures:
        return True
    words = [w for w in re.findall(r"\w+", params.q.lower()) if len(w) > 2]
    request = (item.get("request") or "").lower()
    return bool(words) and any(w in request for w in words)


def _determination_hits(result: SearchResult, linker: _SectionLinker, params) -> list[dict]:
    hits = []
    for hit in result.hits:
        src = hit.source or {}
        items = []
        for item in src.get("items") or []:
            docs = list(item.get("guideline_documents") or [])
            sections = [
                {"title": s, "url": linker.url(docs, s)}
                for s in item.get("guideline_sections") or []
            ]
            items.append({**item, "guideline_documents": docs, "sections": sections,
                          "matches": _item_matches(item, params)})
        # The items the query is about first, each group in letter order.
        items.sort(key=lambda i: not i["matches"])
        snippets = [
            {"field": HIGHLIGHT_LABELS.get(f, f), "snippets": (hit.highlights or {}).get(f, [])[:3]}
            for f in HIGHLIGHT_FIELDS if (hit.highlights or {}).get(f)
        ]
        hits.append({
            "id": hit.id,
            "case_number": src.get("case_number") or "",
            "url": determination_url(src.get("case_number"), hit.id),
            "decision_date": src.get("decision_date"),
            "specialty": src.get("specialty") or [],
            "items": items[:ITEMS_SHOWN],
            "more_items": items[ITEMS_SHOWN:],
            "highlights": snippets,
        })
    return hits


def _section_hits(result: SearchResult) -> list[dict]:
    hits = []
    for hit in result.hits:
        src = hit.source or {}
        snippets = [
            {"field": HIGHLIGHT_LABELS.get(f, f), "snippets": (hit.highlights or {}).get(f, [])[:3]}
            for f in SECTION_HIGHLIGHT_FIELDS if (hit.highlights or {}).get(f)
        ]
        hits.append({"id": hit.id, "document": src.get("document", ""), "family": src.get("family", ""),
                     "title": src.get("title", ""), "url": src.get("url") or None,
                     "highlights": snippets})
    return hits


def _display_phrases(phrases: list[str], typed: str = "") -> list[str]:
    """The expansion as shown to the user: without the plural variants added for the engine."""
    lowered = {p.lower() for p in phrases} | {typed.lower().strip()}

    def is_plural_variant(p: str) -> bool:
        low = p.lower()
        return (low.endswith("ies") and low[:-3] + "y" in lowered) or (low.endswith("s") and low[:-1] in lowered)

    return [p for p in phrases if not is_plural_variant(p)]


def _multi_select_counts(result: SearchResult, params) -> None:
    """For a facet with a selection, count its values without its own filter, so the other
    values stay visible and can be added (OR within a facet); the other facets keep every filter."""
    from dataclasses import replace

    from search.backends import get_backend

    backend = get_backend()
    base = params.to_query(highlight=False)
    for name in list(params.filters):
        others = {k: v for k, v in params.filters.items() if k != name}
        query = replace(base, filters=others, facets=[name], page=1, page_size=1)
        counts = (backend.search_sections(query) if params.target == "sections" else backend.search(query)).facets
        if name in counts:
            result.facets[name] = counts[name]


def search_page(request):
    params = parse_search_params(request.GET)
    error = None
    try:
        result = execute(params)
        _multi_select_counts(result, params)
    except SearchBackendError as exc:
        log.warning("search backend failed: %s", exc)
        result, error = SearchResult(total=0), "The search index is unavailable right now; please try again shortly."
    linker = _SectionLinker()
    context = {
        "params": params,
        "result": result,
        "error": error,
        "form_errors": params.errors,
        "facets": _facet_blocks(result, params),
        "chips": _chips(params),
        "clear_url": params.querystring(filters={}, date_from=None, date_to=None, page=1),
        "sorts": [{"value": v, "label": label, "selected": v == params.sort,
                   "url": params.querystring(sort=v, page=1)} for v, label in SORTS],
        "tabs": [{"value": v, "label": label, "selected": v == params.target,
                  "url": params.querystring(target=v, filters={}, page=1)} for v, label in TARGETS],
        "pagination": _pagination(result.total, params),
        "first_index": (params.page - 1) * params.page_size + 1 if result.total else 0,
        "last_index": min(result.total, params.page * params.page_size),
        "expansion": params.expansion,
        "expansion_phrases": _display_phrases(params.expansion.phrases, params.q),
        "procedure_links": [
            {"value": p, "url": params.with_filter_toggled("procedure", p),
             "selected": params.is_selected("procedure", p)}
            for p in params.expansion.procedures
        ] if params.target == "determinations" else [],
    }
    if params.target == "sections":
        context["hits"] = _section_hits(result)
    else:
        context["hits"] = _determination_hits(result, linker, params)
    return render(request, "search/search.html", context)
