"""The one answer to a search: run it, then build the plain dict that GET /api/search/ returns,
`manage.py search --json` prints and the search page renders (web.search adds only links).

    answer = run(parse_search_params(request.GET))
    data = payload(answer)      # {"count": letters, "decisions": {...}, "summary": {...}, ...}

Counts are of decisions (disputed items); `count` is the letters that have a matching decision,
which is also what pages page through. A query that finds nothing is retried once with its
typos corrected ("lumbr mri" -> "lumbar mri"); the payload says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from guidelines.queries import section_urls_by_label
from search.backends import get_backend
from search.backends.base import FACETS, SECTION_HIGHLIGHT_FIELDS, SearchResult
from search.health import require_healthy
from search.highlight import snippet, spans
from search.params import SearchParams, words_of
from search.spelling import correct, nearest_procedures
from search.stats import rate, wilson_interval

API_PATHS = {"determinations": "/api/search/", "sections": "/api/search/sections/"}
RELIED_ON = 5  # guideline sections listed in the outcome summary
UPHELD, OVERTURNED = "Upheld", "Overturned"


@dataclass
class Answer:
    params: SearchParams  # as asked
    ran: SearchParams  # as run (the typo-corrected query, when that was needed)
    result: SearchResult
    corrected: str | None = None
    suggestions: list[str] = field(default_factory=list)


def run(params: SearchParams, backend=None) -> Answer:
    """Search the configured backend (SearchBackendError propagates to the caller, also when the
    index is not whole: search.health)."""
    backend = backend or get_backend()
    require_healthy(backend, ["section" if params.target == "sections" else "determination"])
    if params.target == "sections":
        return Answer(params, params, backend.search_sections(params.to_query()))
    result = backend.search(params.to_query())
    answer = Answer(params, params, result)
    if result.total == 0 and params.q:
        fixed = correct(params.q)
        if fixed and fixed.lower() != params.q.lower():
            fixed_params = params.with_query(fixed)
            fixed_result = backend.search(fixed_params.to_query())
            if fixed_result.total:
                answer = Answer(params, fixed_params, fixed_result, corrected=fixed)
        if not answer.result.total:
            answer.suggestions = nearest_procedures(params.q)
    return answer


def determination_url(case_number: str | None, pk: int | None = None) -> str | None:
    """The letter's page (cases app): by case number, or by id for letters that carry none."""
    if case_number:
        return f"/determinations/{case_number}/"
    return f"/determinations/id/{pk}/" if pk is not None else None


# --- pieces -------------------------------------------------------------------------------------


def _facets(facets: dict, names: list[str]) -> dict:
    return {name: [{"value": fv.value, "count": fv.count} for fv in facets[name]] for name in names if name in facets}


def _page(answer: Answer, count: int) -> dict:
    params = answer.params
    pages = max(1, math.ceil(count / params.page_size))
    path = API_PATHS[params.target]
    return {
        "count": count,
        "page": params.page,
        "page_size": params.page_size,
        "num_pages": pages,
        "next": path + params.querystring(page=params.page + 1) if params.page < pages else None,
        "previous": path + params.querystring(page=min(params.page - 1, pages)) if params.page > 1 else None,
    }


def _query(answer: Answer) -> dict:
    params, ran = answer.params, answer.ran
    query = ran.to_query()
    if ran.target == "sections":
        matched_on = "sections"
    elif not ran.names_procedure:
        matched_on = "text"
    else:
        matched_on = "widened" if ran.widen else "request"
    return {
        "q": params.q,
        "corrected": answer.corrected,
        "target": params.target,
        "matched_on": matched_on,
        "widen": ran.widen,
        "expansions": list(ran.expansion.phrases),
        "procedures": list(ran.expansion.procedures),
        "regions": list(query.regions),
        "words": list(query.words),
        "filters": {k: list(v) for k, v in params.filters.items()},
        "date_from": params.date_from.isoformat() if params.date_from else None,
        "date_to": params.date_to.isoformat() if params.date_to else None,
        "sort": params.sort,
    }


def outcome_summary(result: SearchResult, section_urls: dict[str, str]) -> dict:
    """Decisions, letters, upheld / overturned, the overturn rate with its 95% Wilson interval,
    and the guideline sections these decisions rely on most."""
    decisions = {fv.value: fv.count for fv in result.facets.get("decision", [])}
    upheld, overturned = decisions.get(UPHELD, 0), decisions.get(OVERTURNED, 0)
    decided = upheld + overturned
    interval = wilson_interval(overturned, decided)
    return {
        "decisions": result.total,
        "letters": result.letters,
        "letters_exact": result.letters_exact,
        "upheld": upheld,
        "overturned": overturned,
        "overturn_rate": rate(overturned, decided),
        "overturn_rate_ci95": list(interval) if interval else None,
        "relied_on": [
            {"label": fv.value, "count": fv.count, "url": section_urls.get(fv.value)}
            for fv in result.facets.get("guideline_section", [])[:RELIED_ON]
        ],
    }


# Where a decision matched a query, in this order (matched_in): its request (or disputed
# portion), its rationale, the reviewer's quotes of guidelines, only its letter's clinical
# summary, its classification (the procedure a query names), or its names (category, guideline,
# specialty labels).
MATCHED_FIELDS = ("request", "rationale", "quotes", "summary")


def matched_in(src: dict, summary: str, query, phrases: list[str]) -> list[str]:
    """The parts of a matching decision where the query's words or phrases are: a decision found
    only through its letter's clinical summary reads as such on the page."""
    texts = {
        "request": f"{src.get('request') or ''}\n{src.get('disputed_portion') or ''}",
        "rationale": src.get("rationale") or "",
        "quotes": src.get("quotes") or "",
        "summary": summary or "",
    }
    out = [name for name in MATCHED_FIELDS if spans(texts[name], query.words, phrases)]
    if query.procedures and src.get("procedure") in query.procedures:
        out.append("classification")
    return out or ["names"]


def _decision(hit, query, phrases, summary: str = "") -> dict:
    src = hit.source
    highlights = {}
    if hit.matched:
        for name, text in (("request", src.get("title")), ("rationale", src.get("rationale"))):
            marked = snippet(text or "", query.words, phrases)
            if marked:
                highlights[name] = [marked]
    return {
        "id": hit.id,
        "order": hit.order + 1,  # the item's 1-based position in the letter
        "request": src.get("request") or "",
        "title": src.get("title") or src.get("request", ""),
        "disputed_portion": src.get("disputed_portion") or None,
        "decision": src.get("decision") or "",
        "matched": hit.matched,
        "matched_in": matched_in(src, summary, query, phrases) if hit.matched else [],
        "request_category": src.get("request_category") or "",
        "procedure": src.get("procedure") or "",
        "procedure_category": src.get("procedure_category") or "",
        "body_region": src.get("body_region") or "",
        "guideline_documents": list(src.get("guideline_document") or []),
        "guideline_sections": list(src.get("guideline_section") or []),
        "sections": [dict(s, url=s.get("url") or None) for s in src.get("sections") or []],
        "highlights": highlights,
    }


def _letters(answer: Answer) -> list[dict]:
    query = answer.ran.to_query()
    phrases = query.phrases + query.region_phrases
    results = []
    for hit in answer.result.hits:
        letter = hit.letter
        summary = snippet(letter.get("summary") or "", query.words, phrases if query.widen else [])
        items = [_decision(d, query, phrases, letter.get("summary") or "") for d in hit.decisions]
        results.append(
            {
                "id": hit.id,
                "case_number": letter.get("case_number") or None,
                "decision_date": letter.get("decision_date"),
                "url": determination_url(letter.get("case_number"), hit.id),
                "score": round(float(hit.score), 4),
                "specialty": list(letter.get("specialty") or []),
                "matched": sum(1 for i in items if i["matched"]),
                "items": items,
                "highlights": {"summary": [summary]} if summary else {},
            }
        )
    return results


def _sections(answer: Answer) -> list[dict]:
    query = answer.ran.to_query()
    words, phrases = words_of(query.text), list(query.expansions)
    results = []
    for hit in answer.result.hits:
        src = hit.source
        highlights = {}
        for name in SECTION_HIGHLIGHT_FIELDS:
            marked = snippet(src.get(name) or "", words, phrases)
            if marked:
                highlights[name] = [marked]
        results.append(
            {
                "id": hit.id,
                "document": src.get("document", ""),
                "family": src.get("family", ""),
                "title": src.get("title", ""),
                "url": src.get("url") or None,
                "score": round(float(hit.score), 4),
                "highlights": highlights,
            }
        )
    return results


# --- the answer ---------------------------------------------------------------------------------


def payload(answer: Answer) -> dict:
    result, params = answer.result, answer.params
    if params.target == "sections":
        return {
            **_page(answer, result.total),
            "query": _query(answer),
            "results": _sections(answer),
            "facets": _facets(result.facets, params.facet_names),
        }

    summary = outcome_summary(result, section_urls_by_label())
    decisions = {"total": result.total, UPHELD: summary["upheld"], OVERTURNED: summary["overturned"]}
    return {
        **_page(answer, result.letters),
        "count_exact": result.letters_exact,
        "query": _query(answer),
        "decisions": decisions,
        "summary": summary,
        "results": _letters(answer),
        "facets": _facets(result.facets, FACETS),
        "facet_alternatives": _facets(result.alternatives, FACETS),
        "suggestions": answer.suggestions,
    }
