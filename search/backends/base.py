"""The search backend interface: what the search page, API and `manage.py search` code against.

Two implementations derive from the database through one sync path (search.sync / search.tasks):
`embedded` (tantivy, the default) and `elasticsearch` (elasticsearch-dsl). Both take the same
SearchQuery and return the same SearchResult, and the contract tests in
tests/search/test_backends.py hold them to identical semantics.

Semantics every backend honours:
- `text` is searched as typed (English stemming) over requests, rationale, summary and
  procedure/guideline names; each phrase in `expansions` (synonyms filled by the caller from
  search.taxonomy.expand_query, e.g. "MBB" -> ["medial branch block"]) is OR-ed with it as a
  phrase. Synonyms live in our code so both backends behave the same.
- `filters`: facet name -> values; OR within one facet, AND across facets. The item-level facets
  (decision, procedure, procedure_category, body_region, guideline_document, guideline_section)
  are coherent per disputed item: decision=Overturned AND procedure=X matches a letter only if
  one and the same item is an overturned X.
- `date_from`/`date_to` are inclusive bounds on decision_date.
- facets come back sorted by count desc, then value; counts are of letters (determinations),
  not items, and are computed over the query with all filters applied.
- highlights are HTML-escaped text with <mark>...</mark> around matches (escaped first).
"""
from __future__ import annotations

import html
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable, Literal

# Facets over determinations, in display order.
FACETS = [
    "decision",
    "procedure_category",
    "procedure",
    "body_region",
    "guideline_document",
    "guideline_section",
    "specialty",
    "decision_year",
]

# Facets that describe one disputed item; filters on several of them must match the same item.
ITEM_FACETS = [
    "decision",
    "procedure_category",
    "procedure",
    "body_region",
    "guideline_document",
    "guideline_section",
]

# Facets over guideline sections (search_sections).
SECTION_FACETS = ["guideline_document", "family"]

# Fields highlighted in determination hits, and in section hits.
HIGHLIGHT_FIELDS = ["requests", "rationale", "summary"]
SECTION_HIGHLIGHT_FIELDS = ["title", "text", "quotes"]

Sort = Literal["relevance", "date", "-date"]
Kind = Literal["determination", "section"]


@dataclass
class SearchQuery:
    text: str = ""
    # Alternative phrases OR-ed with `text` (synonym expansion done by the caller).
    expansions: list[str] = field(default_factory=list)
    # facet name -> accepted values (OR within a facet, AND across facets).
    filters: dict[str, list[str]] = field(default_factory=dict)
    date_from: date | None = None
    date_to: date | None = None
    sort: Sort = "relevance"  # "date" oldest first, "-date" newest first
    page: int = 1
    page_size: int = 20
    facets: list[str] = field(default_factory=lambda: list(FACETS))
    highlight: bool = True
    # Most values returned per facet (the top ones by count).
    facet_size: int = 100

    @property
    def offset(self) -> int:
        return max(self.page - 1, 0) * self.page_size

    def phrases(self) -> list[str]:
        """The typed text and its expansions, stripped, de-duplicated, in order."""
        seen: list[str] = []
        for phrase in [self.text, *self.expansions]:
            phrase = (phrase or "").strip()
            if phrase and phrase.lower() not in (p.lower() for p in seen):
                seen.append(phrase)
        return seen


@dataclass
class FacetValue:
    value: str
    count: int


@dataclass
class Hit:
    id: int
    score: float
    source: dict  # the stored document (see search.documents)
    highlights: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class SearchResult:
    total: int
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)


class SearchBackendError(Exception):
    """The search engine failed or is unreachable (the index queue keeps pending rows)."""


class SearchBackend(ABC):
    """One search engine holding two kinds of documents: determinations and guideline sections."""

    name: str = ""

    # --- determinations ---------------------------------------------------------------------
    @abstractmethod
    def index_determinations(self, docs: Iterable[dict]) -> int:
        """Add or replace determination documents (search.documents.determination_document)."""

    @abstractmethod
    def delete_determinations(self, ids: Iterable[int]) -> None:
        """Remove determinations by id (absent ids are ignored)."""

    @abstractmethod
    def search(self, query: SearchQuery) -> SearchResult:
        """Hits for one page, total, facets and highlights."""

    def count(self, query: SearchQuery) -> int:
        q = SearchQuery(**{**query.__dict__, "page_size": 1, "facets": [], "highlight": False})
        return self.search(q).total

    # --- guideline sections -----------------------------------------------------------------
    @abstractmethod
    def index_sections(self, docs: Iterable[dict]) -> int:
        """Add or replace guideline section documents (search.section_documents.section_document)."""

    @abstractmethod
    def delete_sections(self, ids: Iterable[int]) -> None: ...

    @abstractmethod
    def search_sections(self, query: SearchQuery) -> SearchResult:
        """Text search over section title/text/quotes; facets guideline_document and family."""

    # --- maintenance ------------------------------------------------------------------------
    @abstractmethod
    def ids(self, kind: Kind = "determination") -> set[int]:
        """Every id in the index for that kind (for `search_index --check`)."""

    @abstractmethod
    def clear(self) -> None:
        """Drop everything (both kinds)."""

    def rebuild(self, kind: Kind, docs: Iterable[dict], progress=None) -> int:
        """Replace everything of that kind with docs. Engines override this to build a new index
        and swap it in atomically (searches never see a half-built index); progress(n) is called
        as documents are indexed."""
        ids = self.ids(kind)
        if kind == "determination":
            self.delete_determinations(ids)
            n = self.index_determinations(docs)
        else:
            self.delete_sections(ids)
            n = self.index_sections(docs)
        if progress:
            progress(n)
        return n

    def refresh(self) -> None:
        """Make writes visible to searches."""

    def close(self) -> None:
        """Release resources (writers, connections)."""


def sort_facet_values(counts: dict[str, int]) -> list[FacetValue]:
    return [FacetValue(v, c) for v, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if c > 0]


def mark_snippet(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """HTML-escape `text` and wrap the (start, end) character spans in <mark>, escaping first."""
    out, pos = [], 0
    for start, end in sorted(spans):
        if start < pos:
            continue
        out.append(html.escape(text[pos:start]))
        out.append("<mark>" + html.escape(text[start:end]) + "</mark>")
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


# Document shapes (built by search.documents; the backends store them and return them as Hit.source).
#
# determination: id, case_number, decision_date (ISO "YYYY-MM-DD" or None), decision_year (str),
#   specialty [str], licensure [str], patient_age (int|None), patient_sex, decision [str],
#   procedure [str], procedure_category [str], body_region [str], guideline_document [str],
#   guideline_section [str], requests (text), rationale (text), summary (text),
#   items [{order, request, decision, procedure, procedure_category, body_region, rationale,
#           guideline_documents [str], guideline_sections [str]}]
# section: id, document (title), family ("MTUS", "ACOEM", "ODG", ...), title, text, quotes (text),
#   url (optional); facets: guideline_document (= document), family.
