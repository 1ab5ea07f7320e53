"""Analytics of the matching decisions in Elasticsearch: one size-0 search under the search's own
query (search.backends.elasticsearch.queries) with every facet filter applied.

Outcomes per value: a `terms` aggregation on the outcome with each breakdown a `terms`
sub-aggregation under it, plus the same breakdowns under a `missing` bucket for decisions without
an outcome; a value's decisions are the sum. This way round (a few outcome buckets, each with the
breakdowns) rather than each breakdown's buckets with an outcome sub-aggregation: osmem-server
evaluates a sub-aggregation once per parent bucket over every document, which made hundreds of
section or month buckets cost 1.5x the whole request (measured at 3,000 letters: 533 -> 351 ms);
for Elasticsearch both are ordinary. Letters per value (when the query selects whole letters)
are the breakdowns under a `filter` on `first` (a letter's first decision stands for it).

Days from assignment to decision: a `terms` aggregation on the integer field, one bucket per
distinct day count, exact (percentiles are computed from it, not estimated with the
`percentiles` sketch), with no empty bucket for every day of a range a mistyped year stretches.

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


def _terms(field: str) -> dict:
    return {"terms": {"field": field, "size": EVERY}}


def _letter_names(query: SearchQuery) -> list[str]:
    return [n for n in ANALYTICS_BREAKDOWNS if n in ANALYTICS_LETTER_BREAKDOWNS] if query.selects_whole_letters else []


def body(query: SearchQuery, precision_threshold: int) -> dict:
    """The search request (size 0) for query."""
    matching = Q("bool", must=[decision_query(query)], filter=[facet_filter(query.active_filters())])
    breakdowns = {name: _terms(name) for name in ANALYTICS_BREAKDOWNS}
    aggs = {
        "days": _terms("days_to_decision"),
        "outcomes": {**_terms("decision"), "aggs": breakdowns},
        "no_outcome": {"missing": {"field": "decision"}, "aggs": breakdowns},
    }
    letters = _letter_names(query)
    if letters:
        aggs["first"] = {"filter": {"term": {"first": True}}, "aggs": {name: breakdowns[name] for name in letters}}
    else:
        aggs["letters"] = {"cardinality": {"field": "letter_id", "precision_threshold": precision_threshold}}
    return {"query": matching.to_dict(), "size": 0, "track_total_hits": True, "aggs": aggs}


def _values(agg: dict) -> dict[str, int]:
    return {str(b["key"]): int(b["doc_count"]) for b in (agg or {}).get("buckets") or []}


def result(response: dict, query: SearchQuery, precision_threshold: int) -> AnalyticsResult:
    aggs = response.get("aggregations") or {}
    total = response["hits"]["total"]
    total = int(total["value"] if isinstance(total, dict) else total)
    letter_names = _letter_names(query)
    if letter_names:
        letters, exact = int(aggs["first"]["doc_count"]), True
    else:
        letters = int(aggs["letters"]["value"])
        exact = letters < precision_threshold
    outcome_buckets = (aggs.get("outcomes") or {}).get("buckets") or []
    out = AnalyticsResult(
        total=total,
        letters=letters if total else 0,
        letters_exact=exact,
        outcomes={str(b["key"]): int(b["doc_count"]) for b in outcome_buckets},
    )
    for name in ANALYTICS_BREAKDOWNS:
        found: dict[str, Bucket] = {}
        for outcome in outcome_buckets:
            for value, n in _values(outcome.get(name)).items():
                bucket = found.setdefault(value, Bucket(value, 0, {}))
                bucket.decisions += n
                bucket.outcomes[str(outcome["key"])] = n
        for value, n in _values((aggs.get("no_outcome") or {}).get(name)).items():
            found.setdefault(value, Bucket(value, 0, {})).decisions += n
        if name in letter_names:
            counted = _values(aggs["first"].get(name))
            for bucket in found.values():
                bucket.letters = counted.get(bucket.value, 0)
        out.breakdowns[name] = sort_buckets(found.values(), name, query.facet_size)
    out.days_to_decision = {int(b["key"]): int(b["doc_count"]) for b in (aggs.get("days") or {}).get("buckets") or []}
    return out
