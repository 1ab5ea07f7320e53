"""Precedents in Elasticsearch: past decisions like a pasted request (semantics:
search.backends.base), clause for clause as search.backends.embedded.precedents.

One search per tier, each the tier's filter scored by Elasticsearch's more_like_this with the
pasted text as `like`, one clause per field of PRECEDENT_FIELDS with its boost. Hits are sorted by
score, then decision id (the tie-break both engines use).
"""

from __future__ import annotations

from elasticsearch_dsl import Q

from ..base import (
    MLT_MAX_QUERY_TERMS,
    MLT_MIN_DOC_FREQ,
    MLT_MIN_TERM_FREQ,
    PRECEDENT_FIELDS,
    PrecedentHit,
    PrecedentQuery,
    like_text,
)
from .queries import WORD_RE

# The mapping's name for each compared field (the request is indexed with its disputed portion).
FIELD_NAMES = {"request": "request_text", "rationale": "rationale", "summary": "summary"}
SOURCE_EXCLUDES = ["request_text", "names", "summary"]


def similarity_query(text: str):
    """Sum over PRECEDENT_FIELDS of boost x more_like_this(field, like=text); None for text without words."""
    text = like_text(text)
    if not WORD_RE.search(text):
        return None
    # minimum_should_match 1: any shared term counts, as in tantivy's more-like-this (Elastic's
    # default asks for 30% of the selected terms).
    clauses = [
        Q(
            "more_like_this",
            fields=[FIELD_NAMES[field]],
            like=text,
            min_term_freq=MLT_MIN_TERM_FREQ,
            min_doc_freq=MLT_MIN_DOC_FREQ,
            max_query_terms=MLT_MAX_QUERY_TERMS,
            minimum_should_match=1,
            boost=boost,
        )
        for field, boost in PRECEDENT_FIELDS.items()
    ]
    return Q("bool", should=clauses, minimum_should_match=1)


def tiers(query: PrecedentQuery, similar) -> list[tuple[int, object]]:
    """[(tier, query)] in rank order; each query scores by similarity."""
    excluded = [Q("terms", letter_id=[int(i) for i in query.exclude_letters])] if query.exclude_letters else []
    scored = [similar] if similar is not None else []
    out = []
    if query.procedure:
        procedure = Q("term", procedure=query.procedure)
        if query.regions:
            regions = Q("terms", regions=list(query.regions))
            out.append((2, Q("bool", filter=[procedure, regions], should=scored, must_not=excluded)))
            out.append((1, Q("bool", filter=[procedure], should=scored, must_not=[regions, *excluded])))
        else:
            out.append((2, Q("bool", filter=[procedure], should=scored, must_not=excluded)))
        if similar is not None:
            out.append((0, Q("bool", must=[similar], must_not=[procedure, *excluded])))
    elif similar is not None:
        out.append((0, Q("bool", must=[similar], must_not=excluded)))
    return out


def precedents(search, index: str, query: PrecedentQuery) -> list[PrecedentHit]:
    """`search(index=..., body=...)` is the backend's client call (errors become SearchBackendError)."""
    similar = similarity_query(query.text)
    hits: list[PrecedentHit] = []
    for tier, q in tiers(query, similar):
        wanted = query.size - len(hits)
        if wanted <= 0:
            break
        body = {
            "query": q.to_dict(),
            "size": wanted,
            "sort": [{"_score": "desc"}, {"id": "asc"}],
            "track_scores": True,
            "_source": {"excludes": SOURCE_EXCLUDES},
        }
        for h in search(index=index, body=body)["hits"]["hits"]:
            src = h["_source"]
            hits.append(
                PrecedentHit(
                    id=int(src["id"]),
                    letter_id=int(src["letter_id"]),
                    tier=tier,
                    similarity=float(h.get("_score") or 0.0),
                    source=src,
                )
            )
    return hits
