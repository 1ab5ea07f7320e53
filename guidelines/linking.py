"""Link stored citations to catalog sections and keep the reviewers' quotes: the Django side of
guidelines.linker (which is pure Python and knows nothing of the database).

    link_determination(determination_id)   # the determination_written receiver calls this
    link_citations(GuidelineCitation.objects.filter(link__isnull=True))
    figures()                               # what link_citations prints

A ManualResolution (chosen in the admin review queue) is keyed by the citation's normalised text,
so it applies to the same citation in every letter and survives re-linking.
"""
from __future__ import annotations

import logging
from collections import Counter

from django.db import transaction
from django.db.models import Max

from cases.models import DisputedItem, GuidelineCitation

from .linker import Linker, extract_quotes, load_alias_tables, norm, resolution_key
from .linker.normalize import contains_phrase, strip_parens
from .linker.resolve import MANUAL, UNRESOLVED
from .models import CitationLink, GuidelineDocument, GuidelineSection, ManualResolution, QuotedPassage

log = logging.getLogger(__name__)

_cache: dict = {}


def catalog_dicts() -> list[dict]:
    """The catalog in the database as the plain dicts the linker reads."""
    docs = {d.pk: {
        "slug": d.slug, "family": d.family, "title": d.title, "short_title": d.short_title,
        "year": d.edition_year, "regulation": d.regulation, "edition": d.edition,
        "page_start": d.page_start, "page_end": d.page_end, "aliases": list(d.aliases or []),
        "sections": [], "order": d.order,
    } for d in GuidelineDocument.objects.all()}
    parents = dict(GuidelineSection.objects.values_list("pk", "anchor"))
    for s in GuidelineSection.objects.order_by("document_id", "order", "pk"):
        docs[s.document_id]["sections"].append({
            "anchor": s.anchor, "number": s.number, "title": s.title, "aliases": list(s.aliases or []),
            "page_start": s.page_start, "page_end": s.page_end, "order": s.order,
            "parent": parents.get(s.parent_id),
        })
    return list(docs.values())


def current_linker() -> Linker:
    """A linker over the database catalog, rebuilt when the catalog changes."""
    version = (
        GuidelineDocument.objects.count(), GuidelineSection.objects.count(),
        GuidelineSection.objects.aggregate(m=Max("pk"))["m"], GuidelineDocument.objects.aggregate(m=Max("pk"))["m"],
    )
    if _cache.get("version") != version:
        _cache["linker"] = Linker(catalog_dicts(), load_alias_tables())
        _cache["version"] = version
        _cache["lookups"] = None
    return _cache["linker"]


def clear_cache() -> None:
    _cache.clear()


class _Lookups:
    """slug -> document and (slug, anchor) -> section, loaded once per batch."""

    def __init__(self):
        self.docs = {d.slug: d for d in GuidelineDocument.objects.all()}
        self.sections = {(s.document.slug, s.anchor): s for s in GuidelineSection.objects.select_related("document")}


def citation_key(citation: GuidelineCitation) -> str:
    document = citation.document if citation.kind != GuidelineCitation.Kind.NON_MTUS else (citation.document or citation.clause)
    return resolution_key(citation.kind, document, citation.year, citation.sections)


_LINK_FIELDS = ("resolution_key", "document_id", "method", "confidence", "needs_review", "problem", "manual_id")


def _save_if_changed(link: CitationLink, values: dict, sections: list) -> CitationLink:
    """Write a link only when something changed, so relinking an unchanged catalog touches
    nothing (and queues nothing for the search index)."""
    section_ids = [s.pk for s in sections]
    if link.pk is not None:
        same = all(getattr(link, name) == values[name] for name in _LINK_FIELDS)
        if same and sorted(link.sections.values_list("pk", flat=True)) == sorted(section_ids):
            return link
    for name, value in values.items():
        setattr(link, name, value)
    link.save()
    link.sections.set(section_ids)
    return link


def _link_one(citation: GuidelineCitation, linker: Linker, lookups: _Lookups, manuals: dict) -> CitationLink:
    key = citation_key(citation)
    manual = manuals.get(key)
    link = CitationLink.objects.filter(citation=citation).first() or CitationLink(citation=citation)
    if manual is not None:
        values = {"resolution_key": key, "document_id": manual.document_id, "method": MANUAL, "confidence": 1.0,
                  "needs_review": False, "problem": "", "manual_id": manual.pk}
        return _save_if_changed(link, values, list(manual.sections.all()))
    result = linker.link(citation.kind, citation.document, citation.year, citation.sections, citation.pages,
                         citation.clause)
    document = lookups.docs.get(result.document) if result.document else None
    values = {
        "resolution_key": key, "document_id": document.pk if document else None, "method": result.method,
        "confidence": result.confidence,
        "needs_review": result.needs_review and citation.kind != GuidelineCitation.Kind.NONE,
        "problem": result.problem[:300], "manual_id": None,
    }
    keys = [(result.document, a) for a in result.sections] + list(result.other_sections)
    return _save_if_changed(link, values, [lookups.sections[k] for k in keys if k in lookups.sections])


def _names_document(text_norm: str, document: GuidelineDocument) -> bool:
    names = {document.title, document.short_title, *(document.aliases or [])}
    return any(len(n) > 3 and contains_phrase(text_norm, n) >= 0 for n in (norm(x) for x in names if x))


def _named_section(text_norm: str, link: CitationLink):
    for section in link.sections.order_by("order"):
        for name in (section.title, strip_parens(section.title), *(section.aliases or [])):
            key = norm(name)
            if len(key) > 3 and contains_phrase(text_norm, key) >= 0:
                return section
    return None


def _quote_target(links: list[CitationLink], family: str | None, text: str = ""):
    """(link, section) a quote belongs to among the item's MAXIMUS citations. Scored: the
    sentence names the document ("... page 82 of the MTUS Chronic Pain Medical Treatment
    Guidelines") 4; the family it names fits (ACOEM: the ACOEM-based MTUS chapters or ACOEM; MTUS:
    any MTUS; ODG: ODG) 2; it names one of the link's sections 1. Ties go to the first citation."""
    resolved = [lk for lk in links if lk.document_id]
    if not resolved:
        return None, None
    text_norm = norm(text)
    mentions_acoem = "acoem" in text_norm.split()
    best, best_score, best_section = None, -1.0, None
    for link in resolved:
        doc = link.document
        score = 0.0
        acoem_based = doc.family == "ACOEM" or (doc.family == "MTUS" and "ACOEM" in (doc.edition or ""))
        compatible = (family is None or (family == "ODG") == (doc.family == "ODG"))
        if compatible and _names_document(text_norm, doc):
            score += 4
        if family == "ODG" and doc.family == "ODG":
            score += 2
        elif family == "ACOEM" and acoem_based:
            score += 2
        elif family == "MTUS" and doc.family == "MTUS":
            score += 2 + (0.5 if mentions_acoem and acoem_based else 0)
        section = _named_section(text_norm, link)
        if section is not None:
            score += 1
        if score > best_score:
            best, best_score, best_section = link, score, section
    return best, best_section


def _page_section(document: GuidelineDocument, page: int | None):
    if not page:
        return None
    return (GuidelineSection.objects.filter(document=document, page_start__lte=page, page_end__gte=page)
            .order_by("page_end", "page_start").first())


def store_quotes(item: DisputedItem, maximus_links: list[CitationLink]) -> int:
    """Replace the item's quotes, unless they are already exactly these (relinking an unchanged
    item then writes nothing, and re-indexes nothing)."""
    rows = []
    for n, quote in enumerate(extract_quotes(item.rationale or "")):
        link, section = _quote_target(maximus_links, quote.family, quote.text)
        document = link.document if link else None
        if link is not None:
            section = _page_section(document, quote.page) or section or link.sections.order_by("order").first()
        rows.append(QuotedPassage(item=item, document=document, section=section, text=quote.text, order=n))
    existing = list(QuotedPassage.objects.filter(item=item).order_by("order", "pk")
                    .values_list("order", "text", "document_id", "section_id"))
    wanted = [(q.order, q.text, q.document.pk if q.document else None, q.section.pk if q.section else None)
              for q in rows]
    if existing != wanted:
        # Row by row, so the search index hears of each change (bulk operations send no signals).
        for old in QuotedPassage.objects.filter(item=item):
            old.delete()
        for row in rows:
            row.save()
    return len(rows)


def link_citations(citations, linker: Linker | None = None, quotes: bool = True) -> int:
    """Link the given citations (a queryset) and refresh the quotes of their items (one transaction)."""
    with transaction.atomic():
        return _link_citations(citations, linker, quotes)


def _link_citations(citations, linker: Linker | None, quotes: bool) -> int:
    linker = linker or current_linker()
    lookups = _cache.get("lookups") if linker is _cache.get("linker") else None
    if lookups is None:
        lookups = _Lookups()
        if linker is _cache.get("linker"):
            _cache["lookups"] = lookups
    manuals = {m.key: m for m in ManualResolution.objects.prefetch_related("sections")}
    items: dict[int, list[CitationLink]] = {}
    count = 0
    for citation in citations.select_related("item").order_by("item_id", "party", "order"):
        link = _link_one(citation, linker, lookups, manuals)
        count += 1
        if citation.party == GuidelineCitation.Party.MAXIMUS:
            items.setdefault(citation.item_id, []).append(link)
        else:
            items.setdefault(citation.item_id, [])
    if quotes:
        for item in DisputedItem.objects.filter(pk__in=list(items)):
            maximus = items[item.pk] or list(CitationLink.objects.filter(
                citation__item=item, citation__party=GuidelineCitation.Party.MAXIMUS).select_related("document")
                .order_by("citation__order"))
            store_quotes(item, maximus)
    return count


def link_determination(determination_id: int) -> int:
    """Link every citation of one determination and extract its quotes (inside the caller's
    transaction: the ingest's, when called from the determination_written receiver)."""
    with transaction.atomic():
        return link_citations(GuidelineCitation.objects.filter(item__determination_id=determination_id))


def apply_manual(resolution: ManualResolution) -> int:
    """Apply a person's choice to every citation with the same key."""
    links = CitationLink.objects.filter(resolution_key=resolution.key)
    sections = list(resolution.sections.all())
    n = 0
    for link in links:
        link.document = resolution.document
        link.method, link.confidence, link.needs_review, link.problem, link.manual = MANUAL, 1.0, False, "", resolution
        link.save()
        link.sections.set(sections)
        n += 1
    # The items' quotes may now have a document to belong to.
    for item in DisputedItem.objects.filter(citations__link__resolution_key=resolution.key).distinct():
        store_quotes(item, list(CitationLink.objects.filter(
            citation__item=item, citation__party=GuidelineCitation.Party.MAXIMUS).select_related("document")
            .order_by("citation__order")))
    return n


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
