"""Search parameters from a query string: the one parser shared by the search page, the API and
`manage.py search`, so a URL, an API call and a command line mean exactly the same search.

GET parameters (every state of the page is a shareable URL):
    q            the query as typed; procedure names, abbreviations and brands are recognised
                 (procedures.taxonomy.expand_query) and turned into the decision query below
    widen        1: a named procedure may also be found in rationales and clinical summaries
    <facet>      repeatable, one per selected value: decision=Upheld&procedure=MRI ...
                 (OR within one facet, AND across facets)
    date_from, date_to   YYYY-MM-DD, inclusive bounds on the decision date
    sort         relevance | -date (newest first) | date (oldest first)
    page, page_size
    target       determinations (default) | sections (search guideline sections)

How a query becomes a decision query (see search.backends.base for what each part matches):
"lumbar MRI" names a procedure (MRI, with its synonyms as phrases) and a body region (lumbar
spine): it selects decisions whose request or classified procedure is an MRI and whose request
names the lumbar spine. Words left over ("Norco weaning" -> "weaning") must appear in the
decision's text. A query naming no procedure ("radiculopathy", "failed conservative care") is
words, searched in requests, rationales, quotes and summaries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Iterable, Mapping
from urllib.parse import urlencode

from django import forms
from django.http import QueryDict

from procedures.taxonomy import Expansion, expand_query
from search.backends.base import FACETS, SECTION_FACETS, SearchQuery
from search.facets import DECISION_FACETS, SECTION_FACETS_DECLARED

SORTS = [("relevance", "Relevance"), ("-date", "Newest first"), ("date", "Oldest first")]
TARGETS = [("determinations", "Determinations"), ("sections", "Guideline sections")]
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_PAGE = 1000
MAX_QUERY = 500
WORD_RE = re.compile(r"\w+")
# Left out of the words a decision must contain ("MRI of the knee" needs no "of" and "the").
STOPWORDS = frozenset("a an and at by for from in of on or the to with".split())

FACET_LABELS = {facet.name: facet.label for facet in DECISION_FACETS + SECTION_FACETS_DECLARED}


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=MAX_QUERY, strip=True)
    widen = forms.BooleanField(required=False)
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


def words_of(text: str) -> list[str]:
    """The words a decision must contain: lower-cased, stop words dropped (unless that leaves
    nothing: a query of only "to be" still means something)."""
    words = [w.lower() for w in WORD_RE.findall(text or "")]
    content = [w for w in words if w not in STOPWORDS]
    return list(dict.fromkeys(content or words))


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
    widen: bool = False
    expansion: Expansion = field(default_factory=lambda: Expansion(phrases=[], procedures=[]))
    # What the user typed, kept for the search box even when it is invalid (too long).
    typed: str = ""
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

    @property
    def names_procedure(self) -> bool:
        return bool(self.expansion.procedures)

    def with_query(self, q: str) -> "SearchParams":
        return replace(self, q=q, typed=q, expansion=expand_query(q))

    # --- what the engines run ---------------------------------------------------------------
    def to_query(self) -> SearchQuery:
        base = SearchQuery(
            filters={k: list(v) for k, v in self.filters.items()},
            date_from=self.date_from,
            date_to=self.date_to,
            sort=self.sort,  # type: ignore[arg-type]
            page=self.page,
            page_size=self.page_size,
            facets=self.facet_names,
        )
        if self.target == "sections":
            return replace(base, text=self.q, expansions=list(self.expansion.phrases))
        e = self.expansion
        if not e.procedures:
            return replace(base, words=words_of(self.q))
        named = e.procedure_spans + (e.region_spans if e.body_regions else [])
        # The procedure as typed, then its synonyms, brands and family members; abbreviations
        # only through the classification (which matches them case-sensitively).
        abbreviations = {a.lower() for a in e.abbreviations}
        phrases = [p for p in e.mentions(e.procedure_spans) + list(e.phrases) if p.lower() not in abbreviations]
        return replace(
            base,
            words=words_of(e.rest(sorted(named))),
            procedures=list(e.procedures),
            phrases=list(dict.fromkeys(phrases)),
            regions=list(e.body_regions),
            region_phrases=e.mentions(e.region_spans),
            widen=self.widen,
        )

    # --- shareable URLs ---------------------------------------------------------------------
    def as_pairs(self, **changes) -> list[tuple[str, str]]:
        """The state as (name, value) pairs in a stable order; `changes` override
        (q, widen, sort, page, page_size, date_from, date_to, target, filters)."""
        state = {
            "q": self.q,
            "widen": self.widen,
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
        if state["widen"]:
            pairs.append(("widen", "1"))
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

    def with_filter_replaced(self, facet: str, value: str) -> str:
        """URL that makes `value` the facet's only selection, back to page 1."""
        filters = {k: list(v) for k, v in self.filters.items()}
        filters[facet] = [value]
        return self.querystring(filters=filters, page=1)

    def facet_links(self, facet: str):
        """(toggle, replace): functions value -> URL, as with_filter_toggled / _replaced but
        encoding the rest of the state once (a page links a few hundred facet values)."""
        order = FACETS + [f for f in SECTION_FACETS if f not in FACETS]
        later = set(order[order.index(facet) + 1 :]) | {"date_from", "date_to", "sort", "page_size", "page"}
        pairs = self.as_pairs(filters={k: v for k, v in self.filters.items() if k != facet}, page=1)
        cut = next((i for i, (name, _) in enumerate(pairs) if name in later), len(pairs))
        before, after = urlencode(pairs[:cut]), urlencode(pairs[cut:])
        current = list(self.filters.get(facet, []))

        def build(values: list[str]) -> str:
            middle = urlencode([(facet, v) for v in values])
            joined = "&".join(part for part in (before, middle, after) if part)
            return "?" + joined if joined else "?"

        def toggle(value: str) -> str:
            return build([v for v in current if v != value] if value in current else current + [value])

        def replace_with(value: str) -> str:
            return build([value])

        return toggle, replace_with

    def chips(self) -> list[dict]:
        """The filters in force as the pages show them (a label, the value and the URL without it)."""
        chips = []
        for name, values in self.filters.items():
            for value in values:
                chips.append(
                    {
                        "label": FACET_LABELS.get(name, name),
                        "value": value,
                        "remove_url": self.with_filter_toggled(name, value),
                    }
                )
        for name, label in (("date_from", "From"), ("date_to", "To")):
            value = getattr(self, name)
            if value:
                chips.append(
                    {"label": label, "value": value.isoformat(), "remove_url": self.querystring(**{name: None}, page=1)}
                )
        return chips

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
    still say what was wrong and the API can answer 400 naming the parameter.
    """
    qd = _as_querydict(data)
    form = SearchForm({k: qd.get(k) for k in SearchForm.base_fields if qd.get(k) not in (None, "")})
    valid = form.is_valid()
    cleaned = (
        form.cleaned_data
        if valid
        else {k: v for k, v in getattr(form, "cleaned_data", {}).items() if k not in form.errors}
    )
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
        widen=bool(cleaned.get("widen")),
        expansion=expand_query(q),
        typed=(qd.get("q") or "").strip(),
        errors=errors,
    )
