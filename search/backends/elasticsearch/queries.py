"""Elasticsearch queries for decisions and sections: the semantics of search.backends.base,
clause for clause the same as search.backends.embedded.decisions."""

from __future__ import annotations

import re

from elasticsearch_dsl import Q

from ..base import FACETS, SECTION_FACETS, SearchQuery, epoch_ms

WORD_RE = re.compile(r"\w+")
# The same boosts as the embedded backend.
WORD_FIELDS = ["request_text^3", "names^3", "rationale", "quotes", "summary^0.5"]
CLASSIFIED_BOOST = 4.0
PHRASE_FIELDS = {"request_text.exact": 4.0, "rationale.exact": 1.0, "summary.exact": 0.5}
SECTION_TEXT_FIELDS = ["title^3", "quotes^1.5", "text"]
SECTION_FACET_FIELDS = {"guideline_document": "document", "family": "family"}


def _phrases(fields: dict[str, float], phrases: list[str]) -> list:
    return [
        Q("match_phrase", **{field: {"query": phrase, "boost": boost}})
        for field, boost in fields.items()
        for phrase in phrases
        if WORD_RE.search(phrase or "")
    ]


def decision_query(query: SearchQuery):
    """The decisions `query` selects, without its facet filters (those go in facet_filter, so
    the aggregations can count each facet with or without its own filter)."""
    must = [
        Q("multi_match", query=token, fields=WORD_FIELDS)
        for word in query.words
        for token in WORD_RE.findall(word.lower())
    ]
    if query.procedures or query.phrases:
        fields = PHRASE_FIELDS if query.widen else {"request_text.exact": PHRASE_FIELDS["request_text.exact"]}
        should = _phrases(fields, query.phrases)
        if query.procedures:
            should.append(
                Q("constant_score", filter=Q("terms", procedure=list(query.procedures)), boost=CLASSIFIED_BOOST)
            )
        must.append(Q("bool", should=should, minimum_should_match=1) if should else Q("match_none"))
    if query.regions:
        should = [Q("terms", regions=list(query.regions))]
        if query.widen:
            should += _phrases({"rationale.exact": 1.0, "summary.exact": 1.0}, query.region_phrases)
        must.append(Q("constant_score", filter=Q("bool", should=should, minimum_should_match=1), boost=0.0))
    filters = []
    if query.date_from or query.date_to:
        bounds = {}
        if query.date_from:
            bounds["gte"] = query.date_from.isoformat()
        if query.date_to:
            bounds["lte"] = query.date_to.isoformat()
        filters.append(Q("range", decision_date=bounds))
    if query.ingested_after or query.ingested_until:
        bounds = {"format": "epoch_millis"}
        if query.ingested_after:
            bounds["gt"] = epoch_ms(query.ingested_after)
        if query.ingested_until:
            bounds["lte"] = epoch_ms(query.ingested_until)
        filters.append(Q("range", ingested_at=bounds))
    return Q("bool", must=must or [Q("match_all")], filter=filters)


def facet_filter(filters: dict[str, list[str]], without: str | None = None):
    """The facet filters (OR within a facet, AND across), leaving out one facet's own."""
    clauses = []
    for facet, values in filters.items():
        if facet not in FACETS:
            raise ValueError(f"unknown filter {facet!r}")
        if facet != without:
            clauses.append(Q("terms", **{facet: values}))
    return Q("bool", filter=clauses)


def section_query(query: SearchQuery):
    """All typed words (each in some field) OR any expansion as a phrase; then the filters."""
    parts = []
    words = WORD_RE.findall(query.text or "")
    if words:
        parts.append(Q("bool", must=[Q("multi_match", query=w, fields=SECTION_TEXT_FIELDS) for w in words]))
    for phrase in query.expansions or []:
        pw = WORD_RE.findall(phrase or "")
        if pw and [w.lower() for w in pw] != [w.lower() for w in words]:
            parts.append(Q("multi_match", query=" ".join(pw), fields=SECTION_TEXT_FIELDS, type="phrase"))
    filters = []
    for facet, values in query.active_filters().items():
        if facet not in SECTION_FACETS:
            raise ValueError(f"unknown section filter {facet!r}")
        filters.append(Q("terms", **{SECTION_FACET_FIELDS[facet]: values}))
    text = parts[0] if len(parts) == 1 else Q("bool", should=parts, minimum_should_match=1) if parts else Q("match_all")
    return Q("bool", must=[text], filter=filters)
