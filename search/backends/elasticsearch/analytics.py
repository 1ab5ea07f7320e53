"""Analytics of the matching decisions in Elasticsearch: one size-0 search under the search's own
query (search.backends.elasticsearch.queries) with every facet filter applied, and these
aggregations:
- each breakdown a `terms` aggregation with a `terms` sub-aggregation on the outcome (and, for
  letter breakdowns when the query selects whole letters, a `filter` on `first`: a letter's
  first decision stands for the letter);
- days from assignment to decision a `terms` aggregation on the integer field: one bucket per
  distinct day count, exact (percentiles are computed from it, not estimated with the
  `percentiles` sketch), and no empty bucket for every day of a range a mistyped year stretches;
- the letter count as `search` makes it (cardinality, or first decisions for whole letters).

`terms` sizes are large enough to return every value, so the counts are exact also on several
shards (a terms aggregation cut to its top N is approximate across shards) and the top values
are chosen as the embedded backend chooses them (by count, then value).
"""
from __future__ import annotations

from elasticsearch_dsl import Q

from ..base import (
    ANALYTICS_BREAKDOWNS,
    ANALYTICS_LETTER_BREAKDOWNS,
    AnalyticsResult,
    Bucket,
    SearchQuery,
    sort_buckets,
)
from .queries import decision_query, facet_filter

EVERY = 65_000  # buckets asked for per terms aggregation: every value (facet value sets are small)


def _terms(field: str, **aggs) -> dict:
    body = {"terms": {"field": field, "size": EVERY}}
    if aggs:
        body["aggs"] = aggs
    return body


def body(query: SearchQuery, precision_threshold: int) -> dict:
    """The search request (size 0) for query."""
    matching = Q("bool", must=[decision_query(query)], filter=[facet_filter(query.active_filters())])
    aggs = {
        "outcomes": _terms("decision"),
        "days": _terms("days_to_decision"),
        "letters": {"cardinality": {"field": "letter_id", "precision_threshold": precision_threshold}},
        "first": {"filter": {"term": {"first": True}}},
    }
    for name in ANALYTICS_BREAKDOWNS:
        sub = {"outcome": _terms("decision")}
        if name in ANALYTICS_LETTER_BREAKDOWNS and query.selects_whole_letters:
            sub["first"] = {"filter": {"term": {"first": True}}}
        aggs[name] = _terms(name, **sub)
    return {"query": matching.to_dict(), "size": 0, "track_total_hits": True, "aggs": aggs}


def _outcomes(agg: dict) -> dict[str, int]:
    return {str(b["key"]): int(b["doc_count"]) for b in (agg or {}).get("buckets") or []}


def result(response: dict, query: SearchQuery, precision_threshold: int) -> AnalyticsResult:
    aggs = response.get("aggregations") or {}
    total = response["hits"]["total"]
    total = int(total["value"] if isinstance(total, dict) else total)
    if query.selects_whole_letters:
        letters, exact = int(aggs["first"]["doc_count"]), True
    else:
        letters = int(aggs["letters"]["value"])
        exact = letters < precision_threshold
    out = AnalyticsResult(total=total, letters=letters if total else 0, letters_exact=exact,
                          outcomes=_outcomes(aggs.get("outcomes")))
    for name in ANALYTICS_BREAKDOWNS:
        with_letters = name in ANALYTICS_LETTER_BREAKDOWNS and query.selects_whole_letters
        buckets = [Bucket(str(b["key"]), int(b["doc_count"]), _outcomes(b.get("outcome")),
                          int(b["first"]["doc_count"]) if with_letters else None)
                   for b in (aggs.get(name) or {}).get("buckets") or []]
        out.breakdowns[name] = sort_buckets(buckets, name, query.facet_size)
    out.days_to_decision = {int(b["key"]): int(b["doc_count"]) for b in (aggs.get("days") or {}).get("buckets") or []}
    return out
