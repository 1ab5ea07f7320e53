"""The one answer to a precedent request: run it, then build the plain dict that
GET/POST /api/precedents/ returns, the /precedents/ page renders and `manage.py precedents`
prints (`--json` prints its first three keys, COMMAND_KEYS).

    answer = find(parse_precedent_params(request.GET))   # the engine, then one SQL query for quotes
    data = payload(answer)

    {"total": <precedents listed>, "outcomes": {"Upheld": n, "Overturned": n},   # among them
     "results": [{"case_number", "order" (1-based item position), "request", "decision",
                  "score", ... the sections relied on, what the reviewer quoted}, ...],
     "query": {how the request was read}, "relied_on": [the sections most relied on, with quotes]}

`score` orders the results: its integer part is the tier (2: same procedure, and same body
region when the request names one; 1: same procedure, another region; 0: other procedures) and
its fraction the engine's text similarity s squashed as s / (1 + s).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from guidelines.models import QuotedPassage
from precedents.query import PrecedentParams
from search.backends import get_backend
from search.backends.base import PrecedentHit
from search.health import require_healthy
from search.payload import OVERTURNED, UPHELD, determination_url

COMMAND_KEYS = ("total", "outcomes", "results")
RELIED_ON = 8  # guideline sections listed in the summary
QUOTES_PER_SECTION = 3


@dataclass
class PrecedentAnswer:
    params: PrecedentParams
    hits: list[PrecedentHit]
    # DisputedItem id -> [{"text", "section", "url"}] (what its reviewer quoted, from the database)
    quotes: dict[int, list[dict]] = field(default_factory=dict)


def quotes_of(item_ids: list[int]) -> dict[int, list[dict]]:
    """What the reviewers quoted in these decisions (QuotedPassage), with the section or document
    each quote was kept with: one SQL query whatever the number of decisions."""
    out: dict[int, list[dict]] = defaultdict(list)
    if not item_ids:
        return out
    rows = (
        QuotedPassage.objects.filter(item_id__in=item_ids)
        .select_related("section__document", "document")
        .order_by("item_id", "order", "pk")
    )
    for quote in rows:
        if quote.section is not None:
            label, url = quote.section.qualified_label, quote.section.get_absolute_url()
        elif quote.document is not None:
            label, url = quote.document.label, quote.document.get_absolute_url()
        else:
            label, url = "", None
        out[quote.item_id].append({"text": quote.text, "section": label, "url": url})
    return out


def find(params: PrecedentParams, backend=None, with_quotes: bool = True, check_health: bool = True) -> PrecedentAnswer:
    """Ask the configured backend (SearchBackendError propagates, also for an index that is not
    whole unless check_health is False), then read the quotes."""
    backend = backend or get_backend()
    if check_health:
        require_healthy(backend, ["determination"])
    hits = backend.precedents(params.to_query())
    quotes = quotes_of([h.id for h in hits]) if with_quotes else {}
    return PrecedentAnswer(params, hits, quotes)


def _result(hit: PrecedentHit, quotes: list[dict], region_asked: bool) -> dict:
    src = hit.source
    letter = determination_url(src.get("case_number"), hit.letter_id)
    order = int(src.get("order") or 0)
    return {
        "case_number": src.get("case_number") or None,
        "order": order + 1,  # the item's 1-based position in its letter
        "request": src.get("request") or "",
        "decision": src.get("decision") or "",
        "score": round(hit.score, 6),
        "id": hit.id,
        "title": src.get("title") or src.get("request") or "",
        "disputed_portion": src.get("disputed_portion") or None,
        "decision_date": src.get("decision_date"),
        "url": f"{letter}#item-{order}" if letter else None,
        "procedure": src.get("procedure") or "",
        "body_region": src.get("body_region") or "",
        "same_procedure": hit.tier >= 1,
        "same_region": (hit.tier == 2) if region_asked else None,
        "similarity": round(hit.similarity, 4),
        "sections": [{"label": s.get("label", ""), "url": s.get("url") or None} for s in src.get("sections") or []],
        "quotes": quotes,
    }


def _relied_on(results: list[dict]) -> list[dict]:
    """The guideline sections the listed precedents rely on most, each with the decisions citing it
    and what their reviewers quoted from it."""
    counts: Counter = Counter()
    urls: dict[str, str | None] = {}
    citing: dict[str, list[dict]] = defaultdict(list)
    for r in results:
        for s in r["sections"]:  # unique per decision (search.documents)
            counts[s["label"]] += 1
            urls[s["label"]] = s["url"]
            citing[s["label"]].append(r)
    out = []
    for label, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:RELIED_ON]:
        decisions = citing[label]
        quotes = [
            {"text": q["text"], "case_number": r["case_number"], "order": r["order"], "url": r["url"]}
            for r in decisions
            for q in r["quotes"]
            if q["section"] == label
        ][:QUOTES_PER_SECTION]
        out.append(
            {
                "label": label,
                "url": urls[label],
                "count": count,
                "upheld": sum(1 for r in decisions if r["decision"] == UPHELD),
                "overturned": sum(1 for r in decisions if r["decision"] == OVERTURNED),
                "quotes": quotes,
            }
        )
    return out


def _query(params: PrecedentParams) -> dict:
    c = params.classification
    return {
        "request": params.request,
        "with_summary": bool(params.summary),
        "procedure": params.procedure or None,
        "procedure_category": c.category if params.procedure else None,
        "body_region": c.body_region,
        "regions": list(params.regions),
        "laterality": c.laterality,
        "exclude": params.exclude or None,
        "size": params.size,
    }


def payload(answer: PrecedentAnswer) -> dict:
    region_asked = bool(answer.params.procedure and answer.params.regions)
    results = [_result(h, answer.quotes.get(h.id, []), region_asked) for h in answer.hits]
    decided = Counter(r["decision"] for r in results)
    return {
        "total": len(results),
        "outcomes": {UPHELD: decided[UPHELD], OVERTURNED: decided[OVERTURNED]},
        "results": results,
        "query": _query(answer.params),
        "relied_on": _relied_on(results),
    }
