"""Load guidelines/data/catalog.yaml into the database: idempotent, updates in place.

Documents are matched by slug and sections by (document, anchor); an imported section text is
never touched. Sections that left the catalog are removed unless they carry imported text or a
manual choice (neither is ever lost).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from guidelines.linker import load_catalog_file
from guidelines.linker.catalog import CATALOG_FILE
from guidelines.models import GuidelineDocument, GuidelineSection

DOC_FIELDS = ("family", "title", "short_title", "regulation", "edition", "page_start", "page_end", "aliases", "order")


def _update_if_changed(obj, values: dict) -> bool:
    """Set and save the fields that differ; True if anything was saved (re-loading is a no-op)."""
    if all(getattr(obj, k) == v for k, v in values.items()):
        return False
    for k, v in values.items():
        setattr(obj, k, v)
    obj.save()
    return True


@dataclass
class CatalogChanges:
    """Ids a catalog load changed: what the search index has to follow."""

    sections: set[int] = field(default_factory=set)
    removed_sections: set[int] = field(default_factory=set)
    documents: set[int] = field(default_factory=set)


def load_catalog(path=CATALOG_FILE) -> dict:
    """Create or update documents and sections from the catalog file. Returns counts, with
    `relink_needed` and `changes` (CatalogChanges). Call it through pipeline.catalog, which
    queues the changes for the search index in the same transaction."""
    documents = load_catalog_file(path)
    counts = {
        "documents_created": 0,
        "documents_updated": 0,
        "sections_created": 0,
        "sections_updated": 0,
        "sections_removed": 0,
        "relink_needed": False,
    }
    changed_sections, removed_sections, changed_documents = set(), set(), set()
    with transaction.atomic():
        for entry in documents:
            values = {name: entry[name] for name in DOC_FIELDS}
            values["edition_year"] = entry["year"]
            doc, created = GuidelineDocument.objects.get_or_create(slug=entry["slug"], defaults=values)
            if created:
                counts["documents_created"] += 1
            elif _update_if_changed(doc, values):
                counts["documents_updated"] += 1
                changed_documents.add(doc.pk)
            existing = {s.anchor: s for s in doc.sections.all()}
            by_anchor = {}
            for s in entry["sections"]:
                values = {
                    "number": s["number"],
                    "title": s["title"],
                    "aliases": s["aliases"],
                    "order": s["order"],
                    "page_start": s["page_start"],
                    "page_end": s["page_end"],
                    "parent": by_anchor.get(s["parent"]),
                }
                section = existing.get(s["anchor"])
                if section is None:
                    section = GuidelineSection.objects.create(document=doc, anchor=s["anchor"], **values)
                    counts["sections_created"] += 1
                    changed_sections.add(section.pk)
                elif _update_if_changed(section, values):
                    counts["sections_updated"] += 1
                    changed_sections.add(section.pk)
                elif doc.pk in changed_documents:
                    changed_sections.add(section.pk)  # its search document carries the document's title
                by_anchor[s["anchor"]] = section
            for anchor, section in existing.items():
                # A section gone from the catalog goes, unless it holds imported text or a
                # person's choice (ManualResolution); its automatic links are re-derived by
                # `link_citations --all`.
                if anchor not in by_anchor and not section.text and not section.manualresolution_set.exists():
                    if section.citation_links.exists():
                        counts["relink_needed"] = True
                    removed_sections.add(section.pk)
                    section.delete()
                    counts["sections_removed"] += 1
    # What the search index must follow (pipeline.catalog queues it in the caller's transaction):
    # changed sections, removed ones, and documents whose title letters' facets carry.
    counts["changes"] = CatalogChanges(changed_sections, removed_sections, changed_documents)
    return counts
