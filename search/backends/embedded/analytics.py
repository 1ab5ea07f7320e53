"""Analytics of the matching decisions in tantivy: one aggregation request under the search's own
query (search.backends.embedded.decisions.compile_query), so the numbers are those of the
search page for the same query string.

Each breakdown is a terms aggregation with a terms sub-aggregation on the outcome. Multi-valued
facets are stored as several single-valued columns (search.backends.embedded.facets explains
why), so a breakdown sums its columns' buckets: a value appears at most once per decision, so
the sums are exact decision counts. Letter counts per value (for queries selecting whole
letters) come from a sub-aggregation on `first` (a letter's first decision stands for it).

Days from assignment to decision: a terms aggregation on the integer `days_to_decision`, one
bucket per distinct day count. Unlike a histogram aggregation it does not allocate a bucket for
every day between the smallest and largest value (a mistyped year in one letter would span tens
of thousands of them), and it is exact: percentiles are computed from it, not estimated.
"""
from __future__ import annotations

from ..base import (
    ANALYTICS_BREAKDOWNS,
    ANALYTICS_LETTER_BREAKDOWNS,
    AnalyticsResult,
    Bucket,
    SearchQuery,
    sort_buckets,
)
from .decisions import _letter_count, compile_query
from .facets import EMPTY, TERMS, _rest_used, slots
from .store import call


def _columns(searcher, name: str) -> list[str]:
    if name == "decision_month":  # its own single-valued column, not a facet
        return ["decision_month"]
    columns = [f"{name}__{i}" for i in range(slots(name))]
    if _rest_used(searcher, name):
        columns.append(f"{name}__rest")
    return columns


def _aggregations(searcher, query: SearchQuery) -> tuple[dict, dict[str, list[str]]]:
    outcome = {"terms": {"field": "decision__0", **TERMS}}
    aggs: dict = {"outcomes": outcome, "days": {"terms": {"field": "days_to_decision", **TERMS}}}
    columns = {}
    for name in ANALYTICS_BREAKDOWNS:
        columns[name] = _columns(searcher, name)
        sub = {"outcome": outcome}
        if name in ANALYTICS_LETTER_BREAKDOWNS and query.selects_whole_letters:
            sub["first"] = {"terms": {"field": "first", **TERMS}}
        for column in columns[name]:
            aggs[f"{name}|{column}"] = {"terms": {"field": column, **TERMS}, "aggs": sub}
    return aggs, columns


def _outcomes(agg: dict, into: dict[str, int]) -> None:
    for bucket in (agg or {}).get("buckets") or []:
        key = str(bucket["key"])
        if key != EMPTY:
            into[key] = into.get(key, 0) + int(bucket["doc_count"])


def _breakdown(result: dict, name: str, columns: list[str], letters: bool) -> list[Bucket]:
    found: dict[str, Bucket] = {}
    for column in columns:
        for raw in (result.get(f"{name}|{column}") or {}).get("buckets") or []:
            key = str(raw["key"])
            if key == EMPTY:
                continue
            bucket = found.setdefault(key, Bucket(key, 0, {}, 0 if letters else None))
            bucket.decisions += int(raw["doc_count"])
            _outcomes(raw.get("outcome"), bucket.outcomes)
            if letters:
                bucket.letters += sum(int(b["doc_count"]) for b in raw["first"]["buckets"] if int(b["key"]) == 1)
    return list(found.values())


def analytics(index, query: SearchQuery) -> AnalyticsResult:
    searcher = index.searcher()
    q = compile_query(index, query)
    total = call(searcher.search, q, 1, True).count
    if not total:
        return AnalyticsResult(total=0, breakdowns={name: [] for name in ANALYTICS_BREAKDOWNS})
    letters, exact = _letter_count(searcher, index, q, query, total)
    aggs, columns = _aggregations(searcher, query)
    raw = call(searcher.aggregate, q, aggs)
    result = AnalyticsResult(total=total, letters=letters, letters_exact=exact)
    _outcomes(raw.get("outcomes"), result.outcomes)
    for name in ANALYTICS_BREAKDOWNS:
        with_letters = name in ANALYTICS_LETTER_BREAKDOWNS and query.selects_whole_letters
        result.breakdowns[name] = sort_buckets(_breakdown(raw, name, columns[name], with_letters), name,
                                               query.facet_size)
    result.days_to_decision = {int(b["key"]): int(b["doc_count"]) for b in (raw.get("days") or {}).get("buckets") or []}
    return result
