"""Link stored citations to catalog sections and keep the reviewers' quotes: the Django side of
guidelines.linker (which is pure Python and knows nothing of the database).

    catalog = current_catalog()              # one query when the catalog has not changed
    link_new_items(items, catalog)           # ingest: bulk-insert links and quotes of new items
    relink(item_ids)                         # link_citations, the review queue, admin edits
    figures()                                # what link_citations prints

Everything is decided in memory against a Catalog loaded once per process (the linker, the
documents and sections, the manual choices) and written in bulk. A ManualResolution (chosen in
the admin review queue) is keyed by the citation's normalised text, so it applies to the same
citation in every letter and survives re-linking.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from cases.models import DisputedItem, GuidelineCitation
from guidelines.linker import Linker, extract_quotes, load_alias_tables, norm, resolution_key
from guidelines.linker.normalize import contains_phrase, strip_parens
from guidelines.linker.resolve import MANUAL, UNRESOLVED
from guidelines.models import CitationLink, GuidelineDocument, GuidelineSection, ManualResolution, QuotedPassage

log = logging.getLogger(__name__)

MAXIMUS = GuidelineCitation.Party.MAXIMUS
_LINK_FIELDS = ("resolution_key", "document_id", "method", "confidence", "needs_review", "problem", "manual_id")


# --- the catalog, once per process ----------------------------------------------------------------


def _version_sql() -> str:
    """One query telling whether the catalog or the manual choices changed: counts, highest ids
    and a checksum of the titles and aliases the linker reads."""
    doc, sec, man = (m._meta.db_table for m in (GuidelineDocument, GuidelineSection, ManualResolution))
    return (
        f"SELECT (SELECT COUNT(*) FROM {doc}), (SELECT MAX(id) FROM {doc}),"
        f" (SELECT SUM(LENGTH(title) + LENGTH(short_title) + LENGTH(CAST(aliases AS TEXT))) FROM {doc}),"
        f" (SELECT COUNT(*) FROM {sec}), (SELECT MAX(id) FROM {sec}),"
        f" (SELECT SUM(LENGTH(title) + LENGTH(CAST(aliases AS TEXT)) + COALESCE(page_start, 0) + COALESCE(page_end, 0)"
        f" + COALESCE(parent_id, 0)) FROM {sec}),"
        f" (SELECT COUNT(*) FROM {man}), (SELECT MAX(updated_at) FROM {man})"
    )


def catalog_version() -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(_version_sql())
        return tuple(str(v) for v in cursor.fetchone())


@dataclass
class Manual:
    pk: int
    document_id: int | None
    section_ids: list[int]


class Catalog:
    """The guideline catalog as linking needs it, in memory."""

    def __init__(self, version: tuple):
        self.version = version
        self.docs = {d.pk: d for d in GuidelineDocument.objects.all()}
        self.doc_by_slug = {d.slug: d for d in self.docs.values()}
        sections = list(GuidelineSection.objects.order_by("document_id", "order", "pk"))
        self.sections = {s.pk: s for s in sections}
        self.section_by_key = {(self.docs[s.document_id].slug, s.anchor): s for s in sections}
        self.sections_of = defaultdict(list)
        for s in sections:
            self.sections_of[s.document_id].append(s)
        # Normalised names the quote targeting looks for, computed once (not once per quote).
        self.doc_names = {
            d.pk: [n for n in (norm(x) for x in {d.title, d.short_title, *(d.aliases or [])} if x) if len(n) > 3]
            for d in self.docs.values()
        }
        self.section_names = {
            s.pk: [
                n
                for n in dict.fromkeys(norm(x) for x in (s.title, strip_parens(s.title), *(s.aliases or [])))
                if len(n) > 3
            ]
            for s in sections
        }
        self.manuals = {
            m.key: Manual(m.pk, m.document_id, [s.pk for s in m.sections.all()])
            for m in ManualResolution.objects.prefetch_related("sections")
        }
        self.linker = Linker(self._dicts(sections), load_alias_tables())

    def _dicts(self, sections) -> list[dict]:
        """The catalog as the plain dicts the linker reads."""
        out = {
            d.pk: {
                "slug": d.slug,
                "family": d.family,
                "title": d.title,
                "short_title": d.short_title,
                "year": d.edition_year,
                "regulation": d.regulation,
                "edition": d.edition,
                "page_start": d.page_start,
                "page_end": d.page_end,
                "aliases": list(d.aliases or []),
                "sections": [],
                "order": d.order,
            }
            for d in self.docs.values()
        }
        anchors = {s.pk: s.anchor for s in sections}
        for s in sections:
            out[s.document_id]["sections"].append(
                {
                    "anchor": s.anchor,
                    "number": s.number,
                    "title": s.title,
                    "aliases": list(s.aliases or []),
                    "page_start": s.page_start,
                    "page_end": s.page_end,
                    "order": s.order,
                    "parent": anchors.get(s.parent_id),
                }
            )
        return list(out.values())

    def page_section(self, document_id: int, page: int | None):
        """The narrowest section of a document whose page range holds page."""
        if not page:
            return None
        hits = [
            s
            for s in self.sections_of.get(document_id, ())
            if s.page_start is not None and s.page_end is not None and s.page_start <= page <= s.page_end
        ]
        return min(hits, key=lambda s: (s.page_end, s.page_start, s.pk)) if hits else None


_cache: dict = {}


def current_catalog() -> Catalog:
    """The catalog, rebuilt when it (or a manual choice) changed since it was loaded."""
    version = catalog_version()
    if _cache.get("catalog") is None or _cache["catalog"].version != version:
        _cache["catalog"] = Catalog(version)
    return _cache["catalog"]


def cached_catalog() -> Catalog | None:
    """The catalog this process loaded last, without asking the database whether it is current
    (the ingest worker processes plan with it; the writer checks its version)."""
    return _cache.get("catalog")


def clear_cache() -> None:
    _cache.clear()


# --- deciding links and quotes (in memory) ----------------------------------------------------------


@dataclass
class Link:
    """What a citation's CitationLink should be."""

    citation: GuidelineCitation
    resolution_key: str
    document_id: int | None
    method: str
    confidence: float
    needs_review: bool
    problem: str
    manual_id: int | None
    section_ids: list[int] = field(default_factory=list)

    def values(self) -> dict:
        return {name: getattr(self, name) for name in _LINK_FIELDS}


def citation_key(citation: GuidelineCitation) -> str:
    document = (
        citation.document
        if citation.kind != GuidelineCitation.Kind.NON_MTUS
        else (citation.document or citation.clause)
    )
    return resolution_key(citation.kind, document, citation.year, citation.sections)


def plan_link(citation: GuidelineCitation, catalog: Catalog) -> Link:
    key = citation_key(citation)
    manual = catalog.manuals.get(key)
    if manual is not None:
        return Link(citation, key, manual.document_id, MANUAL, 1.0, False, "", manual.pk, list(manual.section_ids))
    result = catalog.linker.link(
        citation.kind, citation.document, citation.year, citation.sections, citation.pages, citation.clause
    )
    document = catalog.doc_by_slug.get(result.document) if result.document else None
    keys = [(result.document, a) for a in result.sections] + list(result.other_sections)
    sections = [catalog.section_by_key[k].pk for k in keys if k in catalog.section_by_key]
    return Link(
        citation,
        key,
        document.pk if document else None,
        result.method,
        result.confidence,
        result.needs_review and citation.kind != GuidelineCitation.Kind.NONE,
        result.problem[:300],
        None,
        sections,
    )


def _names_document(text_norm: str, document: GuidelineDocument, catalog: Catalog) -> bool:
    return any(contains_phrase(text_norm, n) >= 0 for n in catalog.doc_names[document.pk])


def _link_sections(link: Link, catalog: Catalog) -> list[GuidelineSection]:
    return sorted(
        (catalog.sections[pk] for pk in link.section_ids if pk in catalog.sections), key=lambda s: (s.order, s.pk)
    )


def _named_section(text_norm: str, link: Link, catalog: Catalog):
    for section in _link_sections(link, catalog):
        if any(contains_phrase(text_norm, key) >= 0 for key in catalog.section_names[section.pk]):
            return section
    return None


def _quote_target(links: list[Link], family: str | None, text: str, catalog: Catalog):
    """(link, section) a quote belongs to among the item's MAXIMUS citations. Scored: the
    sentence names the document ("... page 82 of the MTUS Chronic Pain Medical Treatment
    Guidelines") 4; the family it names fits (ACOEM: the ACOEM-based MTUS chapters or ACOEM; MTUS:
    any MTUS; ODG: ODG) 2; it names one of the link's sections 1. Ties go to the first citation."""
    resolved = [lk for lk in links if lk.document_id in catalog.docs]
    if not resolved:
        return None, None
    text_norm = norm(text)
    mentions_acoem = "acoem" in text_norm.split()
    best, best_score, best_section = None, -1.0, None
    for link in resolved:
        doc = catalog.docs[link.document_id]
        score = 0.0
        acoem_based = doc.family == "ACOEM" or (doc.family == "MTUS" and "ACOEM" in (doc.edition or ""))
        compatible = family is None or (family == "ODG") == (doc.family == "ODG")
        if compatible and _names_document(text_norm, doc, catalog):
            score += 4
        if family == "ODG" and doc.family == "ODG":
            score += 2
        elif family == "ACOEM" and acoem_based:
            score += 2
        elif family == "MTUS" and doc.family == "MTUS":
            score += 2 + (0.5 if mentions_acoem and acoem_based else 0)
        section = _named_section(text_norm, link, catalog)
        if section is not None:
            score += 1
        if score > best_score:
            best, best_score, best_section = link, score, section
    return best, best_section


def plan_quotes(item: DisputedItem, maximus_links: list[Link], catalog: Catalog) -> list[QuotedPassage]:
    """The item's quotes, each with the document and section its MAXIMUS citation resolved to."""
    rows = []
    for n, quote in enumerate(extract_quotes(item.rationale or "")):
        link, section = _quote_target(maximus_links, quote.family, quote.text, catalog)
        document_id = link.document_id if link else None
        if link is not None:
            first = next(iter(_link_sections(link, catalog)), None)
            section = catalog.page_section(document_id, quote.page) or section or first
        rows.append(
            QuotedPassage(
                item=item, document_id=document_id, section_id=section.pk if section else None, text=quote.text, order=n
            )
        )
    return rows


# --- writing --------------------------------------------------------------------------------------


def _insert_links(links: list[Link]) -> None:
    rows = CitationLink.objects.bulk_create([CitationLink(citation=lk.citation, **lk.values()) for lk in links])
    through = CitationLink.sections.through
    through.objects.bulk_create(
        [
            through(citationlink_id=row.pk, guidelinesection_id=section_id)
            for row, lk in zip(rows, links)
            for section_id in dict.fromkeys(lk.section_ids)
        ]
    )


@dataclass
class ItemPlan:
    """An item's links (values and section ids, in the order of its citations) and quotes
    ((order, text, document id, section id)): plain data, made where the CPU is free (the ingest
    worker processes) and written by the one writer."""

    catalog_version: tuple
    links: list[tuple[dict, list[int]]]
    quotes: list[tuple[int, str, int | None, int | None]]


def plan_item(item: DisputedItem, citations: list[GuidelineCitation], catalog: Catalog) -> ItemPlan:
    """What linking an item will write; item and citations need no primary key."""
    planned = [plan_link(c, catalog) for c in citations]
    quotes = plan_quotes(item, [lk for lk in planned if lk.citation.party == MAXIMUS], catalog)
    return ItemPlan(
        catalog.version,
        [(lk.values(), lk.section_ids) for lk in planned],
        [(q.order, q.text, q.document_id, q.section_id) for q in quotes],
    )


def link_new_items(
    items: list[tuple[DisputedItem, list[GuidelineCitation]]],
    catalog: Catalog,
    plans: list[ItemPlan | None] | None = None,
) -> set[int]:
    """Link the citations of items just inserted and store their quotes (three bulk inserts for
    any number of items). items: (item, its citations), both with primary keys; plans: made
    beforehand (ItemPlan), used when made with this catalog. Returns the ids of the sections
    quoted."""
    links, sections, quotes = [], [], []
    for n, (item, citations) in enumerate(items):
        plan = plans[n] if plans else None
        if plan is None or plan.catalog_version != catalog.version or len(plan.links) != len(citations):
            plan = plan_item(item, citations, catalog)
        for citation, (values, section_ids) in zip(citations, plan.links):
            links.append(CitationLink(citation=citation, **values))
            sections.append(section_ids)
        quotes += [
            QuotedPassage(item=item, order=order, text=text, document_id=doc, section_id=section)
            for order, text, doc, section in plan.quotes
        ]
    rows = CitationLink.objects.bulk_create(links)
    through = CitationLink.sections.through
    through.objects.bulk_create(
        [
            through(citationlink_id=row.pk, guidelinesection_id=section_id)
            for row, ids in zip(rows, sections)
            for section_id in dict.fromkeys(ids)
        ]
    )
    QuotedPassage.objects.bulk_create(quotes)
    return {q.section_id for q in quotes if q.section_id}


def relink(item_ids, catalog: Catalog | None = None, quotes: bool = True) -> set[int]:
    """Re-derive the links and quotes of stored items, writing only what changed (relinking an
    unchanged catalog writes nothing). Returns the ids of the determinations that changed, for the
    caller to queue for indexing."""
    catalog = catalog or current_catalog()
    changed: set[int] = set()
    item_ids = sorted(set(item_ids))
    for start in range(0, len(item_ids), 500):
        with transaction.atomic():
            changed |= _relink_batch(item_ids[start : start + 500], catalog, quotes)
    return changed


def _relink_batch(item_ids: list[int], catalog: Catalog, quotes: bool) -> set[int]:
    items = list(DisputedItem.objects.filter(pk__in=item_ids).only("id", "determination_id", "rationale"))
    citations = defaultdict(list)
    for c in GuidelineCitation.objects.filter(item_id__in=item_ids).order_by("item_id", "party", "order"):
        citations[c.item_id].append(c)
    existing = {
        lk.citation_id: lk
        for lk in CitationLink.objects.filter(citation__item_id__in=item_ids).prefetch_related("sections")
    }
    changed: set[int] = set()
    new_links, updated, reset_sections = [], [], []
    wanted_quotes, planned_by_item = {}, {}
    for item in items:
        planned = [plan_link(c, catalog) for c in citations[item.pk]]
        planned_by_item[item.pk] = planned
        for lk in planned:
            row = existing.get(lk.citation.pk)
            if row is None:
                new_links.append(lk)
                changed.add(item.determination_id)
                continue
            same = all(getattr(row, name) == value for name, value in lk.values().items())
            same_sections = sorted(s.pk for s in row.sections.all()) == sorted(set(lk.section_ids))
            if not same:
                for name, value in lk.values().items():
                    setattr(row, name, value)
                updated.append(row)
            if not same_sections:
                reset_sections.append((row, lk))
            if not (same and same_sections):
                changed.add(item.determination_id)
        if quotes:
            wanted_quotes[item.pk] = plan_quotes(item, [lk for lk in planned if lk.citation.party == MAXIMUS], catalog)
    _insert_links(new_links)
    if updated:
        CitationLink.objects.bulk_update(updated, list(_LINK_FIELDS))
    if reset_sections:
        through = CitationLink.sections.through
        through.objects.filter(citationlink_id__in=[row.pk for row, _ in reset_sections]).delete()
        through.objects.bulk_create(
            [
                through(citationlink_id=row.pk, guidelinesection_id=s)
                for row, lk in reset_sections
                for s in dict.fromkeys(lk.section_ids)
            ]
        )
    if quotes:
        have = defaultdict(list)
        for q in QuotedPassage.objects.filter(item_id__in=item_ids).order_by("order", "pk"):
            have[q.item_id].append((q.order, q.text, q.document_id, q.section_id))
        stale = []
        for item in items:
            wanted = [(q.order, q.text, q.document_id, q.section_id) for q in wanted_quotes[item.pk]]
            if wanted != have.get(item.pk, []):
                stale.append(item)
        if stale:
            QuotedPassage.objects.filter(item_id__in=[i.pk for i in stale]).delete()
            QuotedPassage.objects.bulk_create([q for i in stale for q in wanted_quotes[i.pk]])
            changed |= {i.determination_id for i in stale}
    return changed


def link_citations(citations, quotes: bool = True) -> tuple[int, set[int]]:
    """Link the items of the given citations (a queryset) and refresh their quotes. Returns
    (citations linked, ids of the determinations that changed)."""
    item_ids = set(citations.values_list("item_id", flat=True))
    n = GuidelineCitation.objects.filter(item_id__in=item_ids).count() if item_ids else 0
    return n, relink(item_ids, quotes=quotes)


def apply_manual(resolution: ManualResolution) -> tuple[int, set[int]]:
    """Apply a person's choice to every citation with the same key. Returns (citations, ids of the
    determinations that changed)."""
    # Sections are set after the resolution is saved: touch it again so every process's cached
    # catalog sees the final choice.
    ManualResolution.objects.filter(pk=resolution.pk).update(updated_at=timezone.now())
    item_ids = set(
        GuidelineCitation.objects.filter(link__resolution_key=resolution.key).values_list("item_id", flat=True)
    )
    n = CitationLink.objects.filter(resolution_key=resolution.key).count()
    return n, relink(item_ids)


def figures() -> dict:
    """Citations total, by kind; MTUS citations naming sections and how many resolved to a
    section; the share resolved to a document; the review queue."""
    citations = GuidelineCitation.objects.all()
    total = citations.count()
    by_kind = Counter(citations.values_list("kind", flat=True))
    links = CitationLink.objects.select_related("citation")
    cited = [lk for lk in links if lk.citation.kind != GuidelineCitation.Kind.NONE]
    mtus_named = [lk for lk in links.filter(citation__kind="MTUS").prefetch_related("sections") if lk.citation.sections]
    mtus_section = sum(1 for lk in mtus_named if lk.sections.all())
    mtus_all = sum(1 for lk in mtus_named if len(lk.sections.all()) >= len(set(lk.citation.sections)))
    with_doc = sum(1 for lk in cited if lk.document_id)
    return {
        "citations": total,
        "by_kind": dict(sorted(by_kind.items())),
        "linked": links.count(),
        "unlinked": total - links.count(),
        "mtus_naming_sections": len(mtus_named),
        "mtus_resolved_to_a_section": mtus_section,
        "mtus_all_named_sections_resolved": mtus_all,
        "cited_guideline_citations": len(cited),
        "resolved_to_document": with_doc,
        "document_share": round(with_doc / len(cited), 4) if cited else 0.0,
        "by_method": dict(sorted(Counter(lk.method for lk in links).items())),
        "review_queue": CitationLink.objects.filter(needs_review=True).count(),
        "unresolved": CitationLink.objects.filter(method=UNRESOLVED).exclude(citation__kind="NONE").count(),
        "quoted_passages": QuotedPassage.objects.count(),
    }
