"""The one analytics answer for a search: run it, then build the plain dict that GET
/api/analytics/ returns and the analytics page and the dashboard render (their views add only
the charts).

    answer = run(parse_search_params(request.GET))     # the same query string as /search/
    data = analytics_payload(answer)

The engine counts (SearchBackend.analytics, under the search's own query); this module turns the
counts into rates with their 95% Wilson intervals, shares, the monthly trend with its empty
months, the days-to-decision quantiles (analytics.distribution, exact from the per-day histogram)
and, for every number, the URL of the search listing the decisions behind it: the search as
run, narrowed to the row's value (a month becomes date_from/date_to of that month, clipped to
the search's own dates). A number whose decisions no search URL can list exactly (a zero; a
guideline section other than the selected one, since sections OR within their filter) has no
URL, rather than a link to other decisions.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import urlencode

from analytics.distribution import describe
from guidelines.queries import section_urls_by_label
from search.backends import get_backend
from search.backends.base import FACETS, AnalyticsResult, Bucket, SearchQuery, SearchResult
from search.health import require_healthy
from search.params import DEFAULT_PAGE_SIZE, SearchParams
from search.payload import OVERTURNED, UPHELD, Answer, _query
from search.spelling import correct
from search.stats import rate, wilson_interval

SEARCH_PATH = "/search/"
ANALYTICS_PATH = "/analytics/"
API_PATH = "/api/analytics/"
# Guideline sections and procedures listed (the most frequent); months, years, categories and
# specialties are listed whole.
TOP = 20
# The DWC's categories (procedures/data/dwc-request-categories.txt): the facet request_category
# holds "Category › Sub-category" (or a category alone); the dashboard's pharmaceutical and opioid
# shares follow the DWC's definitions.
SEPARATOR = " › "
PHARMACEUTICALS = "Pharmaceuticals"
OPIOIDS = "Pharmaceuticals › Opioids"


@dataclass
class AnalyticsAnswer:
    params: SearchParams  # as asked
    ran: SearchParams  # as run (the typo-corrected query, when that was needed)
    result: AnalyticsResult
    corrected: str | None = None


def analytics_query(params: SearchParams) -> SearchQuery:
    return replace(params.to_query(), page=1, page_size=0, facets=[], facet_size=TOP, sort="relevance")


def run(params: SearchParams, backend=None) -> AnalyticsAnswer:
    """Count on the configured backend (SearchBackendError propagates). A query that finds
    nothing is retried once with its typos corrected, as the search page does."""
    backend = backend or get_backend()
    require_healthy(backend, ["determination"])
    params = replace(params, target="determinations")
    answer = AnalyticsAnswer(params, params, backend.analytics(analytics_query(params)))
    if answer.result.total == 0 and params.q:
        fixed = correct(params.q)
        if fixed and fixed.lower() != params.q.lower():
            fixed_params = params.with_query(fixed)
            fixed_result = backend.analytics(analytics_query(fixed_params))
            if fixed_result.total:
                answer = AnalyticsAnswer(params, fixed_params, fixed_result, corrected=fixed)
    return answer


# --- links to the decisions behind a number ----------------------------------------------------


def month_bounds(month: str) -> tuple[date, date]:
    year, number = (int(part) for part in month.split("-"))
    return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])


class Links:
    """URLs of the search as run (`params`), narrowed to a value of a facet or to a month.

    A payload has a few hundred numbers; encoding the whole state for each of them (SearchParams
    .querystring) cost more than the engine, so the state is encoded once, a parameter at a
    time, in the order the search page writes it, and a URL re-encodes only what it narrows."""

    def __init__(self, params: SearchParams):
        self.params = params
        base = params.as_pairs(page=1, page_size=DEFAULT_PAGE_SIZE)
        # The page's parameter order, read from a state that sets every facet and both dates.
        every = params.as_pairs(
            filters={f: ["-"] for f in FACETS}, date_from="-", date_to="-", page=1, page_size=DEFAULT_PAGE_SIZE
        )
        self.order = list(dict.fromkeys(name for name, _ in every))
        self.encoded = {name: urlencode([(n, v) for n, v in base if n == name]) for name in self.order}
        self._memo: dict[tuple, str] = {}

    def _encode(self, name: str, values: tuple) -> str:
        key = (name, values)
        if key not in self._memo:
            self._memo[key] = urlencode([(name, v) for v in values])
        return self._memo[key]

    def url(self, narrow: dict | None = None, month: str | None = None, path: str = SEARCH_PATH) -> str | None:
        """None when no URL lists exactly these decisions: a facet already filtered to other
        values (multi-valued facets OR within their filter), a month outside the search's dates."""
        params = self.params
        changed = {}
        for facet, values in (narrow or {}).items():
            values = [values] if isinstance(values, str) else list(values)
            selected = params.filters.get(facet)
            if selected and not set(values) <= set(selected):
                return None
            changed[facet] = self._encode(facet, tuple(values))
        if month:
            start, end = month_bounds(month)
            date_from, date_to = max(params.date_from or start, start), min(params.date_to or end, end)
            if date_from > date_to:
                return None
            changed["date_from"] = self._encode("date_from", (date_from.isoformat(),))
            changed["date_to"] = self._encode("date_to", (date_to.isoformat(),))
        parts = [changed.get(name, self.encoded[name]) for name in self.order]
        return path + "?" + "&".join(part for part in parts if part)


# --- rows ----------------------------------------------------------------------------------------


def outcome_rates(decisions: int, outcomes: dict[str, int]) -> dict:
    """Decisions, upheld, overturned and the overturn rate among decided ones with its 95%
    Wilson interval (search.payload.outcome_summary's definition)."""
    upheld, overturned = outcomes.get(UPHELD, 0), outcomes.get(OVERTURNED, 0)
    interval = wilson_interval(overturned, upheld + overturned)
    return {
        "decisions": decisions,
        "upheld": upheld,
        "overturned": overturned,
        "overturn_rate": rate(overturned, upheld + overturned),
        "overturn_rate_ci95": list(interval) if interval else None,
    }


def _row(
    links: Links,
    total: int,
    value: str,
    decisions: int,
    outcomes: dict[str, int],
    *,
    letters: int | None = None,
    narrow: dict | None = None,
    month: str | None = None,
) -> dict:
    row = {"value": value, **outcome_rates(decisions, outcomes), "letters": letters, "share": rate(decisions, total)}

    def link(count: int, outcome: str | None = None, path: str = SEARCH_PATH) -> str | None:
        if not count:
            return None
        extra = {"decision": outcome} if outcome else {}
        return links.url({**(narrow or {}), **extra}, month, path)

    row["urls"] = {
        "decisions": link(decisions),
        "upheld": link(row["upheld"], UPHELD),
        "overturned": link(row["overturned"], OVERTURNED),
        "analytics": link(decisions, path=ANALYTICS_PATH),
    }
    return row


def _months(first: str, last: str) -> list[str]:
    year, month = (int(p) for p in first.split("-"))
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _by_month(links: Links, total: int, buckets: list[Bucket]) -> list[dict]:
    """Every month from the first to the last with decisions, empty months included."""
    found = {b.value: b for b in buckets}
    if not found:
        return []
    rows = []
    for month in _months(min(found), max(found)):
        bucket = found.get(month) or Bucket(month, 0, {}, None)
        start, _ = month_bounds(month)
        row = _row(links, total, month, bucket.decisions, bucket.outcomes, letters=bucket.letters, month=month)
        row["label"] = start.strftime("%b %Y")
        rows.append(row)
    return rows


def _by_year(links: Links, total: int, buckets: list[Bucket]) -> list[dict]:
    found = {int(b.value): b for b in buckets if b.value.isdigit()}
    if not found:
        return []
    rows = []
    for year in range(min(found), max(found) + 1):
        bucket = found.get(year) or Bucket(str(year), 0, {}, None)
        rows.append(
            _row(
                links,
                total,
                str(year),
                bucket.decisions,
                bucket.outcomes,
                letters=bucket.letters,
                narrow={"decision_year": str(year)},
            )
        )
    return rows


def _by_value(links: Links, total: int, facet: str, buckets: list[Bucket]) -> list[dict]:
    return [
        _row(links, total, b.value, b.decisions, b.outcomes, letters=b.letters, narrow={facet: b.value})
        for b in buckets
    ]


def _summed(buckets: list[Bucket]) -> tuple[int, dict[str, int]]:
    outcomes: dict[str, int] = {}
    for b in buckets:
        for k, v in b.outcomes.items():
            outcomes[k] = outcomes.get(k, 0) + v
    return sum(b.decisions for b in buckets), outcomes


def category_of(value: str) -> str:
    """ "Pharmaceuticals" of "Pharmaceuticals › Opioids"."""
    return value.partition(SEPARATOR)[0]


def _dwc_categories(links: Links, total: int, buckets: list[Bucket]) -> list[dict]:
    """The DWC's categories (Pharmaceuticals, DMEPOS, ...), each the sum of its sub-categories
    (a decision has one request category, so the sums are exact), most decisions first, each
    with its sub-categories' rows; a row's URLs list its sub-categories' decisions."""
    groups: dict[str, list[Bucket]] = {}
    for b in buckets:
        groups.setdefault(category_of(b.value), []).append(b)
    rows = []
    for category, members in groups.items():
        n, outcomes = _summed(members)
        row = _row(links, total, category, n, outcomes, narrow={"request_category": [b.value for b in members]})
        row["subcategories"] = _by_value(links, total, "request_category", members)
        rows.append(row)
    return sorted(rows, key=lambda r: (-r["decisions"], r["value"]))


def _pharmaceuticals(links: Links, total: int, request_categories: list[Bucket]) -> dict:
    """Decisions in the DWC's category Pharmaceuticals and, among them, its sub-category Opioids:
    the DWC report's pharmaceutical and opioid shares."""
    pharma = [b for b in request_categories if category_of(b.value) == PHARMACEUTICALS]
    n, outcomes = _summed(pharma)
    row = _row(links, total, PHARMACEUTICALS, n, outcomes, narrow={"request_category": [b.value for b in pharma]})
    opioids = next((b for b in pharma if b.value == OPIOIDS), Bucket(OPIOIDS, 0, {}))
    opioid_row = _row(links, total, OPIOIDS, opioids.decisions, opioids.outcomes, narrow={"request_category": OPIOIDS})
    opioid_row["share_of_pharmaceuticals"] = rate(opioids.decisions, n)
    return {**row, "categories": [b.value for b in pharma], "opioids": opioid_row}


def _days(links: Links, total: int, histogram: dict[int, int]) -> dict:
    stats = describe(histogram)
    rows, seen = [], 0
    for days in sorted(histogram):
        seen += histogram[days]
        rows.append({"days": days, "decisions": histogram[days], "cumulative_share": seen / stats["n"]})
    unknown = total - stats["n"]
    # The search has no days filter: the distribution links to its decisions only when it holds
    # all of them (every letter has both dates).
    url = links.url() if stats["n"] and not unknown else None
    return {**stats, "unknown": unknown, "histogram": rows, "url": url}


def analytics_payload(answer: AnalyticsAnswer) -> dict:
    result, links = answer.result, Links(answer.ran)
    total = result.total
    breakdowns = result.breakdowns
    months = _by_month(links, total, breakdowns.get("decision_month", []))
    sections = _by_value(links, total, "guideline_section", breakdowns.get("guideline_section", []))
    section_urls = section_urls_by_label()
    for row in sections:
        row["section_url"] = section_urls.get(row["value"])
    summary = {
        **_row(links, total, "All", total, result.outcomes),
        "letters": result.letters,
        "letters_exact": result.letters_exact,
    }
    summary.pop("value")
    query = _query(Answer(answer.params, answer.ran, SearchResult(total=total), corrected=answer.corrected))
    return {
        "query": query,
        "search_url": links.url(),
        "api_url": links.url(path=API_PATH),
        "summary": summary,
        "by_month": months,
        "undated": total - sum(r["decisions"] for r in months),
        "by_year": _by_year(links, total, breakdowns.get("decision_year", [])),
        "categories": _dwc_categories(links, total, breakdowns.get("request_category", [])),
        "request_categories": _by_value(links, total, "request_category", breakdowns.get("request_category", [])),
        "pharmaceuticals": _pharmaceuticals(links, total, breakdowns.get("request_category", [])),
        "procedure_categories": _by_value(links, total, "procedure_category", breakdowns.get("procedure_category", [])),
        "procedures": _by_value(links, total, "procedure", breakdowns.get("procedure", [])),
        "guideline_sections": sections,
        "specialties": _by_value(links, total, "specialty", breakdowns.get("specialty", [])),
        "days_to_decision": _days(links, total, result.days_to_decision),
    }
