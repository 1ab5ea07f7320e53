"""Search parameters from a query string: the one parser shared by the search page, the API and
`manage.py search`, so a URL, an API call and a command line mean exactly the same search.

GET parameters (every state of the page is a shareable URL):
    q            the query as typed; abbreviations and brand names are expanded here
                 (search.taxonomy.expand_query) before the backend sees them
    <facet>      repeatable, one per selected value: decision=Upheld&procedure=MRI ...
                 (OR within one facet, AND across facets)
    date_from, date_to   YYYY-MM-DD, inclusive bounds on the decision date
    sort         relevance | -date (newest first) | date (oldest first)
    page, page_size
    target       determinations (default) | sections (search guideline sections)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Iterable, Mapping
from urllib.parse import urlencode

from django import forms
from django.http import QueryDict

from search.backends.base import FACETS, SECTION_FACETS, SearchQuery
from search.taxonomy import Expansion, expand_query

SORTS = [("relevance", "Relevance"), ("-date", "Newest first"), ("date", "Oldest first")]
TARGETS = [("determinations", "Determinations"), ("sections", "Guideline sections")]
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_PAGE = 1000

FACET_LABELS = {
    "decision": "Outcome",
    "procedure_category": "Procedure category",
    "procedure": "Procedure",
    "body_region": "Body region",
    "guideline_document": "Guideline",
    "guideline_section": "Guideline section",
    "specialty": "Reviewer specialty",
    "decision_year": "Decision year",
    "family": "Guideline family",
}


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=500, strip=True)
    sort = forms.ChoiceField(required=False, choices=SORTS)
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)
    page_size = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)
    date_from = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    date_to = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    target = forms.ChoiceField(required=False, choices=TARGETS)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "date_to is before date_from.")
        return data


@dataclass
class SearchParams:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    date_from: date | None = None
    date_to: date | None = None
    target: str = "determinations"
    expansion: Expansion = field(default_factory=lambda: Expansion(phrases=[], procedures=[]))
    # field name -> messages, for a 400 from the API or a notice on the page.
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def facet_names(self) -> list[str]:
        return list(SECTION_FACETS) if self.target == "sections" else list(FACETS)

    @property
    def is_empty(self) -> bool:
        return not (self.q or self.filters or self.date_from or self.date_to)

    def to_query(self, highlight: bool = True) -> SearchQuery:
        return SearchQuery(
            text=self.q,
            expansions=list(self.expansion.phrases),
            filters={k: list(v) for k, v in self.filters.items()},
            date_from=self.date_from,
            date_to=self.date_to,
            sort=self.sort,  # type: ignore[arg-type]
            page=self.page,
            page_size=self.page_size,
            facets=self.facet_names,
            highlight=highlight,
        )

    # --- shareable URLs ---------------------------------------------------------------------
    def as_pairs(self, **changes) -> list[tuple[str, str]]:
        """The state as (name, value) pairs in a stable order; `changes` override
        (q, sort, page, date_from, date_to, target, filters)."""
        state = {
            "q": self.q,
            "target": self.target,
            "filters": self.filters,
            "date_from": self.date_from,
            "date_to": self.date_to,
            "sort": self.sort,
            "page": self.page,
            "page_size": self.page_size,
        }
        state.update(changes)
        pairs: list[tuple[str, str]] = []
        if state["q"]:
            pairs.append(("q", state["q"]))
        if state["target"] != "determinations":
            pairs.append(("target", state["target"]))
        for name in FACETS + [f for f in SECTION_FACETS if f not in FACETS]:
            for value in state["filters"].get(name, []):
                pairs.append((name, value))
        for name in ("date_from", "date_to"):
            if state[name]:
                pairs.append((name, state[name].isoformat() if isinstance(state[name], date) else str(state[name])))
        if state["sort"] and state["sort"] != "relevance":
            pairs.append(("sort", state["sort"]))
        if state["page_size"] and state["page_size"] != DEFAULT_PAGE_SIZE:
            pairs.append(("page_size", str(state["page_size"])))
        if state["page"] and int(state["page"]) > 1:
            pairs.append(("page", str(state["page"])))
        return pairs

    def querystring(self, **changes) -> str:
        pairs = self.as_pairs(**changes)
        return ("?" + urlencode(pairs)) if pairs else "?"

    def with_filter_toggled(self, facet: str, value: str) -> str:
        """URL that adds `value` to `facet` (or removes it when selected), back to page 1."""
        filters = {k: list(v) for k, v in self.filters.items()}
        values = filters.setdefault(facet, [])
        if value in values:
            values.remove(value)
        else:
            values.append(value)
        if not values:
            filters.pop(facet)
        return self.querystring(filters=filters, page=1)

    def is_selected(self, facet: str, value: str) -> bool:
        return value in self.filters.get(facet, [])


def _as_querydict(data) -> QueryDict:
    if isinstance(data, QueryDict):
        return data
    qd = QueryDict(mutable=True)
    if isinstance(data, Mapping):
        for key, value in data.items():
            values = value if isinstance(value, (list, tuple)) else [value]
            for v in values:
                qd.appendlist(key, "" if v is None else str(v))
    else:  # iterable of (name, value) pairs
        for key, value in data:
            qd.appendlist(key, str(value))
    return qd


def parse_search_params(data: QueryDict | Mapping | Iterable[tuple[str, str]]) -> SearchParams:
    """Parse a query string (a QueryDict, a mapping name -> value(s), or (name, value) pairs).

    Invalid values are reported in `errors` and replaced by their defaults, so the page can
    still show results and the API can answer 400 naming the parameter.
    """
    qd = _as_querydict(data)
    form = SearchForm({k: qd.get(k) for k in SearchForm.base_fields if qd.get(k) not in (None, "")})
    valid = form.is_valid()
    cleaned = form.cleaned_data if valid else {
        k: v for k, v in getattr(form, "cleaned_data", {}).items() if k not in form.errors
    }
    errors = {k: [str(m) for m in v] for k, v in form.errors.items()} if not valid else {}
    target = cleaned.get("target") or "determinations"
    facet_names = SECTION_FACETS if target == "sections" else FACETS
    filters: dict[str, list[str]] = {}
    for name in facet_names:
        values = []
        for v in qd.getlist(name):
            v = v.strip()
            if v and v not in values:
                values.append(v)
        if values:
            filters[name] = values
    q = cleaned.get("q") or ""
    return SearchParams(
        q=q,
        filters=filters,
        sort=cleaned.get("sort") or "relevance",
        page=cleaned.get("page") or 1,
        page_size=cleaned.get("page_size") or DEFAULT_PAGE_SIZE,
        date_from=cleaned.get("date_from"),
        date_to=cleaned.get("date_to") if "date_to" not in errors else None,
        target=target,
        expansion=expand_query(q),
        errors=errors,
    )


# Procedure-first relevance: past this many letters in the first tier the merge below would
# scan too much of the result list, and plain engine ranking is used instead.
MAX_TIER_ONE = 2000
_SCAN_PAGE = 200


def procedure_tier_filters(params: SearchParams) -> dict[str, list[str]] | None:
    """Filters selecting the letters *about* what the query names: an item classified as one of
    the procedures the query refers to (and, when the query names a body region, that region on
    the same item). None when the query names no procedure or the user's own filters exclude it."""
    procedures = list(params.expansion.procedures)
    if not procedures or params.target != "determinations":
        return None
    filters = {k: list(v) for k, v in params.filters.items()}
    for facet, wanted in (("procedure", procedures), ("body_region", list(params.expansion.body_regions))):
        if not wanted:
            continue
        chosen = filters.get(facet)
        values = [v for v in wanted if v in chosen] if chosen else wanted
        if not values:
            return None
        filters[facet] = values
    return filters


def execute(params: SearchParams, backend=None, highlight: bool = True):
    """Run the search the params describe against the configured backend.

    Relevance is procedure first: when the query names a procedure ("MBB", "Norco", "lumbar
    MRI"), letters with an item classified as that procedure (and region) come before letters
    that only mention it, each group in the engine's score order. Totals, facets and the set of
    letters are exactly the engine's for the query; only the order changes.
    """
    from search.backends import get_backend

    backend = backend or get_backend()
    query = params.to_query(highlight=highlight)
    if params.target == "sections":
        return backend.search_sections(query)
    result = backend.search(query)
    tier = procedure_tier_filters(params) if params.sort == "relevance" and params.q else None
    if tier is None:
        return result
    return _tiered(backend, query, tier, result)


def _tiered(backend, query: SearchQuery, tier: dict[str, list[str]], result):
    from dataclasses import replace

    tier_query = replace(query, filters=tier, facets=[], page=1)
    n1 = backend.search(replace(tier_query, page_size=1, highlight=False)).total
    if n1 == 0 or n1 >= result.total or n1 > MAX_TIER_ONE:
        return result  # nothing to promote, everything is tier one, or too many to merge
    # Tier membership as the engine decides it (item-coherent filters), not re-derived here.
    tier_ids = {h.id for h in backend.search(replace(tier_query, page_size=n1, highlight=False)).hits}
    start, size = query.offset, query.page_size
    hits = []
    if start < n1:
        hits = backend.search(replace(tier_query, page_size=start + size)).hits[start:start + size]
    if len(hits) < size:
        # The rest, in engine order, skipping the tier-one letters.
        skip, need = max(0, start - n1), size - len(hits)
        page, passed = 1, 0
        while need > 0:
            chunk = backend.search(replace(query, facets=[], page=page, page_size=_SCAN_PAGE))
            for hit in chunk.hits:
                if hit.id in tier_ids:
                    continue
                if passed >= skip and need > 0:
                    hits.append(hit)
                    need -= 1
                passed += 1
            if not chunk.hits or page * _SCAN_PAGE >= chunk.total:
                break
            page += 1
    result.hits = hits
    return result
