"""Precedents in tantivy: past decisions like a pasted request (semantics: search.backends.base).

One search per tier (same procedure and region, same procedure, the rest), each the tier's filter
scored by the same similarity query: tantivy's more-like-this over the pasted text, one per field
of PRECEDENT_FIELDS, boosted and summed. A tier is only searched while hits are still wanted, so
a request with enough same-procedure precedents costs one or two searches.
"""

from __future__ import annotations

import json

import tantivy

from ..base import (
    MLT_MAX_QUERY_TERMS,
    MLT_MIN_DOC_FREQ,
    MLT_MIN_TERM_FREQ,
    PRECEDENT_FIELDS,
    PrecedentHit,
    PrecedentQuery,
    like_text,
)
from .decisions import TOKEN_RE
from .store import call

# Hits read beyond those wanted, so that equal scores at the cut are broken by decision id (as
# the Elasticsearch backend sorts) rather than by tantivy's document order.
TIE_SLACK = 50

Occur = tantivy.Occur
Query = tantivy.Query


def similarity_query(schema, text: str):
    """Sum over PRECEDENT_FIELDS of boost x more-like-this(field, text); None for text without words."""
    text = like_text(text)
    if not TOKEN_RE.search(text):
        return None
    parts = []
    for field, boost in PRECEDENT_FIELDS.items():
        mlt = Query.more_like_this_document_fields_query(
            schema,
            {field: [text]},
            min_doc_frequency=MLT_MIN_DOC_FREQ,
            min_term_frequency=MLT_MIN_TERM_FREQ,
            max_query_terms=MLT_MAX_QUERY_TERMS,
        )
        parts.append((Occur.Should, Query.boost_query(mlt, boost)))
    return Query.boolean_query(parts)


def _filter(q):
    return Query.const_score_query(q, 0.0)


def tiers(schema, query: PrecedentQuery, similar):
    """[(tier, tantivy query)] in rank order; each query scores by similarity."""
    excluded = []
    if query.exclude_letters:
        excluded = [(Occur.MustNot, Query.term_set_query(schema, "letter_id", [int(i) for i in query.exclude_letters]))]
    scored = [(Occur.Should, similar)] if similar is not None else []
    out = []
    if query.procedure:
        procedure = Query.term_query(schema, "procedure", query.procedure)
        if query.regions:
            regions = Query.term_set_query(schema, "regions", list(query.regions))
            out.append((2, [(Occur.Must, _filter(procedure)), (Occur.Must, _filter(regions))]))
            out.append((1, [(Occur.Must, _filter(procedure)), (Occur.MustNot, regions)]))
        else:
            out.append((2, [(Occur.Must, _filter(procedure))]))
        if similar is not None:
            out.append((0, [(Occur.Must, similar), (Occur.MustNot, procedure)]))
    elif similar is not None:
        out.append((0, [(Occur.Must, similar)]))
    result = []
    for tier, clauses in out:
        extra = scored if tier else []
        result.append((tier, Query.boolean_query(clauses + extra + excluded)))
    return result


def precedents(index: tantivy.Index, query: PrecedentQuery) -> list[PrecedentHit]:
    searcher = index.searcher()
    similar = similarity_query(index.schema, query.text)
    hits: list[PrecedentHit] = []
    for tier, q in tiers(index.schema, query, similar):
        wanted = query.size - len(hits)
        if wanted <= 0:
            break
        found = call(searcher.search, q, wanted + TIE_SLACK, False).hits
        ids = call(searcher.fast_field_values, "id", [address for _, address in found])
        ranked = sorted(zip(found, ids), key=lambda pair: (-pair[0][0], pair[1]))[:wanted]
        for (score, address), _ in ranked:
            source = json.loads(bytes(searcher.doc(address)["source"][0]))
            source.pop("summary", None)
            hits.append(
                PrecedentHit(
                    id=int(source["id"]),
                    letter_id=int(source["letter_id"]),
                    tier=tier,
                    similarity=float(score),
                    source=source,
                )
            )
    return hits
