"""The search backend interface: what the search page, the API and `manage.py search` code against.

The unit of search is the **decision** (one disputed item of a letter): both engines index one
document per decision, carrying its own fields and a copy of its letter's (search.documents).
They match, filter and count decisions, and return a page of *letters*, each with all of its
decisions, the matching ones marked. Two implementations derive from the database through one
sync path (search.sync / search.tasks): `embedded` (tantivy, the default) and `elasticsearch`
(elasticsearch-dsl); the contract tests in tests/search/test_backends.py hold them to the same
semantics, stated here.

A decision matches a SearchQuery when all of these hold:
- `words`: every word appears (English stemming) in one of its text fields: request, disputed
  portion, rationale, the reviewer quotes, its letter's clinical summary, or its names (procedure,
  category, body regions, guideline labels, reviewer specialty, case number).
- procedure (when `procedures` or `phrases` is given): its classified procedure is one of
  `procedures`, or its request or disputed portion contains one of `phrases` (unstemmed, as a
  phrase). With `widen`, a phrase in its rationale or the letter's summary also counts.
- region (when `regions` is given): its request names one of `regions` (search.documents.regions);
  with `widen`, one of `region_phrases` in its rationale or summary also counts.
- `filters`: facet name -> values; OR within a facet, AND across facets, all on the decision
  itself (its letter's fields are its own).
- `date_from`/`date_to`: inclusive bounds on its letter's decision date.
- `ingested_after`/`ingested_until`: bounds on when its letter was stored (`ingested_at`), in
  whole milliseconds (epoch_ms of both sides): later than `ingested_after`, not later than
  `ingested_until`. What "new since the last alert" means (alerts.send).

Counts: `total` is matching decisions; `letters` the letters having at least one. It is exact
when the query selects whole letters (no words, procedure or region, filters on letter facets
only: it counts first decisions) and otherwise while `total` <= EXACT_LETTERS_LIMIT (tantivy) or
under Elasticsearch's cardinality precision threshold; above, it is the engine's estimate and
`letters_exact` is False. `facets` count
matching decisions per value under the whole query and all filters, sorted by count desc then
value. `alternatives` has, for each facet with a selection, the counts with that facet's own
filter removed: what replacing the selection with that value would give.

Order: `relevance` (a letter ranks by its best decision's score), `-date` newest first, `date`
oldest first (letters without a date last, resp. first). Pages are pages of letters.

`scan` yields the id of every matching decision (exactly the `total` that `search` counts, no page
limit) in one stable order, the same on both engines: by its letter's decision date (undated
letters first), then letter id, then decision id (a letter's decisions are stored in letter order,
so this is their order in the letter). Exports (exports.decisions) read it.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from typing import Iterable, Iterator, Literal

from search.facets import decision_facet_names, letter_facet_names, section_facet_names

# Facets (declared once in search.facets): over decisions in display order, those of the letter
# (every decision of a letter has the same values), and over guideline sections.
FACETS = decision_facet_names()
LETTER_FACETS = letter_facet_names()
SECTION_FACETS = section_facet_names()
SECTION_HIGHLIGHT_FIELDS = ["title", "text", "quotes"]

# Up to this many matching decisions the letter count is exact (the engine collects their letter
# ids); above it the engine's cardinality estimate is used and `letters_exact` is False (pages say
# "about"). Collecting ids costs tantivy ~1 ms per 1,000 decisions in Python objects (measured at
# 100k letters: 28 ms for 15k matches, 48 ms for 40k; its HyperLogLog estimate 2-11 ms, within
# 0.1-2.9% of the exact count), so it stops where searches a user narrows to end. The decision
# counts, the unit users quote, are always exact.
EXACT_LETTERS_LIMIT = 10_000

Sort = Literal["relevance", "date", "-date"]
Kind = Literal["determination", "section"]


@dataclass
class SearchQuery:
    # Decisions (see the module docstring for what each part means).
    words: list[str] = field(default_factory=list)
    procedures: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    region_phrases: list[str] = field(default_factory=list)
    widen: bool = False
    # Guideline sections: the text as typed and phrases OR-ed with it.
    text: str = ""
    expansions: list[str] = field(default_factory=list)
    # Both.
    filters: dict[str, list[str]] = field(default_factory=dict)
    date_from: date | None = None
    date_to: date | None = None
    ingested_after: datetime | None = None
    ingested_until: datetime | None = None
    sort: Sort = "relevance"
    page: int = 1
    page_size: int = 20
    facets: list[str] = field(default_factory=lambda: list(FACETS))
    # Most values returned per facet (the top ones by count).
    facet_size: int = 100
    # Section search only: the engine's highlighted snippets (decision snippets are made by
    # search.highlight from the query, the same for both engines).
    highlight: bool = True

    @property
    def offset(self) -> int:
        return max(self.page - 1, 0) * self.page_size

    def without_filter(self, facet: str) -> "SearchQuery":
        return replace(self, filters={k: v for k, v in self.filters.items() if k != facet})

    @property
    def selects_whole_letters(self) -> bool:
        """Whether a letter's decisions all match or none does: no words, procedure or region,
        and filters on letter facets and dates only."""
        return not (self.words or self.procedures or self.phrases or self.regions) and all(
            f in LETTER_FACETS for f in self.active_filters()
        )

    def active_filters(self) -> dict[str, list[str]]:
        """Filters with their blank values dropped (and facets left with none)."""
        out = {}
        for facet, values in (self.filters or {}).items():
            kept = [str(v) for v in values or [] if v not in (None, "")]
            if kept:
                out[facet] = list(dict.fromkeys(kept))
        return out

    def phrases_for_sections(self) -> list[str]:
        """Section search: the typed text and its expansions, de-duplicated, in order."""
        seen: list[str] = []
        for phrase in [self.text, *self.expansions]:
            phrase = (phrase or "").strip()
            if phrase and phrase.lower() not in (p.lower() for p in seen):
                seen.append(phrase)
        return seen


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def epoch_ms(value: datetime | str | None) -> int:
    """Whole milliseconds since the epoch (floored), of an aware datetime or its ISO string: the
    precision both engines store and compare ingested_at in (Elasticsearch dates are
    milliseconds), in integers so no float rounding moves a bound."""
    if value is None:
        return 0
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return (value - _EPOCH) // timedelta(milliseconds=1)


@dataclass
class FacetValue:
    value: str
    count: int


@dataclass
class DecisionHit:
    """One decision of a listed letter: its index document, and whether it matches the query."""

    id: int
    order: int  # 0-based position in the letter
    matched: bool
    source: dict


@dataclass
class LetterHit:
    id: int  # the Determination's id
    score: float
    decisions: list[DecisionHit]  # every decision of the letter, in letter order

    @property
    def letter(self) -> dict:
        """The letter's own fields (every decision document carries a copy)."""
        return self.decisions[0].source if self.decisions else {}


@dataclass
class SectionHit:
    id: int
    score: float
    source: dict
    highlights: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class SearchResult:
    total: int  # matching decisions (sections, for search_sections)
    letters: int = 0
    letters_exact: bool = True
    hits: list = field(default_factory=list)  # LetterHit (decisions) or SectionHit (sections)
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    alternatives: dict[str, list[FacetValue]] = field(default_factory=dict)


# --- analytics (analytics.payload builds the page and API answer from this) ------------------------
# Breakdowns of the matching decisions, each value counted with its outcomes: the time trend
# (decision_month, decision_year), what the decisions rely on and who decided them, and what
# was requested.
ANALYTICS_BREAKDOWNS = [
    "decision_month",
    "decision_year",
    "request_category",
    "procedure_category",
    "procedure",
    "guideline_section",
    "specialty",
]
# Letter fields: a value's `letters` (see Bucket) can be counted for these.
ANALYTICS_LETTER_BREAKDOWNS = {"decision_month", "decision_year", "specialty"}


@dataclass
class Bucket:
    """Matching decisions having one value of a breakdown, and their outcomes."""

    value: str
    decisions: int
    outcomes: dict[str, int] = field(default_factory=dict)  # decision ("Upheld", ...) -> decisions
    # Letters with this value, for letter breakdowns when the query selects whole letters (it
    # counts their first decisions); None otherwise.
    letters: int | None = None


@dataclass
class AnalyticsResult:
    """What SearchBackend.analytics counts, exactly, over the decisions `search` would match
    (same query, same filters):
    - total / letters / letters_exact / outcomes: as SearchResult.total, .letters and the
      "decision" facet;
    - breakdowns: for each name in ANALYTICS_BREAKDOWNS, every value held by a matching decision
      (a decision with several sections or specialties counts once under each), sorted by
      decisions desc then value, cut to query.facet_size except those in COMPLETE_BREAKDOWNS;
    - days_to_decision: days from assignment to decision -> matching decisions (decisions whose
      letter lacks either date are left out), an exact per-day histogram."""

    total: int
    letters: int = 0
    letters_exact: bool = True
    outcomes: dict[str, int] = field(default_factory=dict)
    breakdowns: dict[str, list[Bucket]] = field(default_factory=dict)
    days_to_decision: dict[int, int] = field(default_factory=dict)


# Breakdowns returned whole whatever query.facet_size says: a trend needs every month, shares
# every category and specialty (a few dozen values; sections and procedures number hundreds).
COMPLETE_BREAKDOWNS = {"decision_month", "decision_year", "request_category", "procedure_category", "specialty"}


def sort_buckets(buckets: Iterable[Bucket], name: str, size: int) -> list[Bucket]:
    ordered = sorted((b for b in buckets if b.decisions > 0), key=lambda b: (-b.decisions, b.value))
    return ordered if name in COMPLETE_BREAKDOWNS else ordered[: max(int(size or 0), 1)]


# --- precedents: past decisions like a request ---------------------------------------------------
#
# precedents(query) ranks decisions in tiers, then by text similarity within a tier:
#   tier 2  its classified procedure is `query.procedure` and, when `query.regions` is given,
#           its regions include one of them;
#   tier 1  its procedure is `query.procedure` but its regions include none of `query.regions`
#           (only when regions are given);
#   tier 0  any other decision whose text is similar at all (similarity > 0).
# With no procedure (the request names none the taxonomy knows) every decision is tier 0.
# Similarity is the engine's BM25 over more-like-this terms of `query.text` (the request and any
# pasted clinical summary or UR reasoning): for each field of PRECEDENT_FIELDS one more-like-this
# query with the parameters below, weighted by the field's boost, summed. A tier-2 or tier-1
# decision is listed even when it shares no term (similarity 0). Decisions of `exclude_letters`
# never appear. Order: tier desc, similarity desc, decision id asc; at most `size` hits.
# Stop words are taken out of the text first (like_text).

# Fields the pasted text is compared with, and their weights: what the reviewer wrote about a
# request like this one (rationale), the case it was written for (summary), and the request itself.
PRECEDENT_FIELDS = {"request": 2.0, "rationale": 1.0, "summary": 0.5}
# More-like-this parameters, the same for both engines: a pasted request is a few words, each
# once, so every term counts (min term frequency 1) if it occurs in any decision at all.
MLT_MIN_TERM_FREQ = 1
MLT_MIN_DOC_FREQ = 1
MLT_MAX_QUERY_TERMS = 25
# Lucene's English stop set: words that say nothing about a case. They are taken out of the text
# before it reaches either engine (like_text) rather than given as more-like-this stop_words:
# osmem-server drops every term that merely starts with a stop word ("on" drops "one", "the"
# drops "therapy").
MLT_STOP_WORDS = frozenset(
    (
        "a an and are as at be but by for if in into is it no not of on or such that the their "
        "then there these they this to was will with"
    ).split()
)
_STOP_RE = re.compile(
    r"(?<![^\W_])(?:" + "|".join(sorted(MLT_STOP_WORDS, key=len, reverse=True)) + r")(?![^\W_])", re.IGNORECASE
)
PRECEDENTS_MAX = 100


@dataclass
class PrecedentQuery:
    text: str  # the request, and optionally the clinical summary or the UR denial's reasoning
    procedure: str = ""  # the request's classified procedure; "" when the taxonomy names none
    regions: list[str] = field(default_factory=list)  # body regions the request names
    exclude_letters: list[int] = field(default_factory=list)
    size: int = 20


@dataclass
class PrecedentHit:
    id: int  # the DisputedItem's id
    letter_id: int
    tier: int  # 2, 1 or 0 (see above)
    similarity: float  # the engine's BM25 score for the pasted text
    source: dict  # the decision document (without the letter's summary)

    @property
    def score(self) -> float:
        """One number that orders hits as precedents() does: the tier, plus the similarity
        squashed into [0, 1)."""
        s = max(self.similarity, 0.0)
        return self.tier + s / (1.0 + s)


def like_text(text: str) -> str:
    """The pasted text as the engines' more-like-this gets it: without stop words (whole words,
    as the engines' tokenizers split them: runs of letters and digits)."""
    return _STOP_RE.sub(" ", text or "")


class SearchBackendError(Exception):
    """The search engine failed or is unreachable (the index queue keeps pending rows)."""


class IndexMissing(SearchBackendError):
    """The engine has no index of that kind. Searching never creates one (an empty index would
    look like "no results"); only `create` and `rebuild` do."""


class SearchBackend(ABC):
    """One search engine holding two kinds of documents: decisions (grouped by letter, kind
    "determination") and guideline sections (kind "section")."""

    name: str = ""

    @classmethod
    @abstractmethod
    def from_settings(cls, settings) -> "SearchBackend":
        """The backend configured by Django settings (search.backends.get_backend calls it)."""

    # --- decisions, written a letter at a time -------------------------------------------------
    @abstractmethod
    def index_determinations(self, docs: Iterable[dict]) -> int:
        """Replace every decision of each letter with the letter document's `decisions`
        (search.documents.letter_document). Returns the number of letters."""

    @abstractmethod
    def delete_determinations(self, ids: Iterable[int]) -> None:
        """Remove every decision of these letters (absent ids are ignored)."""

    @abstractmethod
    def search(self, query: SearchQuery) -> SearchResult:
        """A page of letters, the decision counts and the decision facets."""

    @abstractmethod
    def count(self, query: SearchQuery) -> int:
        """Matching decisions."""

    @abstractmethod
    def scan(self, query: SearchQuery) -> Iterator[int]:
        """Every matching decision's id, in the scan order of the module docstring; query.page,
        page_size, sort and facets are ignored."""

    @abstractmethod
    def analytics(self, query: SearchQuery) -> AnalyticsResult:
        """Outcomes, breakdowns and the days-to-decision histogram of the decisions `query`
        matches (AnalyticsResult); query.page, page_size, sort and facets are ignored."""

    @abstractmethod
    def precedents(self, query: PrecedentQuery) -> list[PrecedentHit]:
        """Past decisions most like a request, best first (semantics above PrecedentQuery)."""

    # --- guideline sections -------------------------------------------------------------------
    @abstractmethod
    def index_sections(self, docs: Iterable[dict]) -> int:
        """Add or replace guideline section documents (search.section_documents.section_document)."""

    @abstractmethod
    def delete_sections(self, ids: Iterable[int]) -> None: ...

    @abstractmethod
    def search_sections(self, query: SearchQuery) -> SearchResult:
        """Text search over section title/text/quotes; facets guideline_document and family."""

    # --- maintenance --------------------------------------------------------------------------
    @property
    @abstractmethod
    def target(self) -> str:
        """Which index this is ("embedded:/var/search-index", "elasticsearch:http://es:9200 imr"):
        the key of its search.models.IndexState."""

    @abstractmethod
    def generation(self, kind: Kind = "determination") -> str | None:
        """The engine's name for the index of that kind (a rebuild or a re-creation changes it),
        None when there is none."""

    @abstractmethod
    def create(self, kind: Kind = "determination") -> str:
        """Make an empty index of that kind when there is none; returns its generation."""

    @abstractmethod
    def ids(self, kind: Kind = "determination") -> set[int]:
        """Every letter id (kind "determination") or section id in the index, for --check."""

    @abstractmethod
    def document_count(self, kind: Kind = "determination") -> int:
        """Documents held: decisions (kind "determination") or sections."""

    @abstractmethod
    def clear(self) -> None:
        """Drop everything (both kinds)."""

    @abstractmethod
    def rebuild(self, kind: Kind, docs: Iterable[dict], progress=None) -> int:
        """Replace everything of that kind with docs in a new index swapped in atomically
        (searches never see a half-built index); progress(n) is called as documents are indexed.
        Returns the number of documents given (letters, or sections)."""

    def refresh(self) -> None:  # noqa: B027 - a hook: engines whose writes are visible at once need nothing
        """Make writes visible to searches."""

    def close(self) -> None:  # noqa: B027 - a hook: engines holding nothing need nothing
        """Release resources (writers, connections)."""


def sort_facet_values(counts: dict[str, int], size: int | None = None) -> list[FacetValue]:
    values = [FacetValue(v, c) for v, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if c > 0]
    return values[:size] if size else values


def group_letters(pairs: Iterable[tuple[int, float]], offset: int, size: int) -> tuple[list[tuple[int, float]], int]:
    """(letter id, score) of the letters on one page, from matching decisions in rank order
    [(letter id, decision score)]: a letter takes the rank of its first (best) decision.
    Also returns how many distinct letters were seen."""
    seen: dict[int, float] = {}
    for letter, score in pairs:
        if letter not in seen:
            seen[letter] = score
    ordered = list(seen.items())
    return ordered[offset : offset + size], len(ordered)


# Document shapes (built by search.documents; the engines store them and return them as sources).
#
# letter document (what index_determinations takes): {"id": letter id, "decisions": [decision]}
# decision: id (DisputedItem pk), letter_id, order (0-based), n_decisions, first (bool),
#   letter fields: case_number, decision_date (ISO or None), decision_year (str), decision_month
#   ("YYYY-MM"), ingested_at (ISO datetime the letter was stored), date_assigned,
#   days_to_decision (int|None), priority, specialty [str], licensure [str], patient_age,
#   patient_sex, summary (text; stored on the first decision only, indexed on all),
#   decision fields: request, disputed_portion, title, decision, request_category (the DWC's
#   "Category › Sub-category"), procedure, procedure_category,
#   body_region, regions [str], laterality, guideline_document [label], guideline_section
#   [label], sections [{label, url}], rationale, quotes (text).
# section: id, document (title), family ("MTUS", "ACOEM", "ODG", ...), title, text, quotes (text),
#   url (optional); facets: guideline_document (= document), family.
