"""Determinations as JSON lines: the `parse_letter --json` shape built from the database, with a
`link` object on every citation (an evaluation reads it)."""

from __future__ import annotations

from django.db.models import Prefetch

from cases.models import Determination, DisputedItem, GuidelineCitation
from guidelines.models import CitationLink


def _iso(value):
    return value.isoformat() if value else None


def link_dict(citation: GuidelineCitation):
    """{"document", "year", "sections": [{"title", "number"}], "other_sections", "method",
    "confidence"} or None when nothing resolved. `sections` are sections of `document` only."""
    try:
        link = citation.link
    except CitationLink.DoesNotExist:
        return None
    if link.document is None:
        return None
    sections = sorted(link.sections.select_related("document"), key=lambda s: s.order)
    return {
        "document": link.document.title,
        "slug": link.document.slug,
        "family": link.document.family,
        "year": link.document.edition_year,
        "sections": [
            {"title": s.title, "number": s.number or None, "anchor": s.anchor}
            for s in sections
            if s.document_id == link.document_id
        ],
        # "ODG Knee/DME, Low Back/Mattress selection": a topic of another chapter the clause
        # names is not a section of `document`, so it says which document it belongs to.
        "other_sections": [
            {
                "document": s.document.title,
                "slug": s.document.slug,
                "title": s.title,
                "number": s.number or None,
                "anchor": s.anchor,
            }
            for s in sections
            if s.document_id != link.document_id
        ],
        "method": link.method,
        "confidence": link.confidence,
        "needs_review": link.needs_review,
    }


def citation_dict(citation: GuidelineCitation) -> dict:
    return {
        "kind": citation.kind,
        "document": citation.document,
        "year": citation.year,
        "sections": list(citation.sections or []),
        "pages": citation.pages,
        "link": link_dict(citation),
    }


def determination_dict(det: Determination) -> dict:
    items = []
    for item in det.items.all():
        cits = sorted(item.citations.all(), key=lambda c: c.order)
        items.append(
            {
                "request": item.request,
                "disputed_portion": item.disputed_portion,
                "decision": item.decision or None,
                "claims_administrator": [
                    citation_dict(c) for c in cits if c.party == GuidelineCitation.Party.CLAIMS_ADMINISTRATOR
                ],
                "maximus": [citation_dict(c) for c in cits if c.party == GuidelineCitation.Party.MAXIMUS],
                "rationale": item.rationale,
            }
        )
    return {
        "case_number": det.case_number,
        "date_assigned": _iso(det.date_assigned),
        "date_of_injury": _iso(det.date_of_injury),
        "decision_date": _iso(det.decision_date),
        "ur_denial_date": _iso(det.ur_denial_date),
        "application_received": _iso(det.application_received),
        "priority": det.priority or None,
        "reviewer": {"licensure": list(det.reviewer_licensure or []), "specialty": list(det.reviewer_specialty or [])},
        "patient": {"age": det.patient_age, "sex": det.patient_sex or None},
        "items": items,
        "errors": list(det.parse_errors or []),
        "warnings": list(det.parse_warnings or []),
    }


def exported_determinations():
    """Every determination that parsed, in a stable order, with what the export needs prefetched."""
    citations = GuidelineCitation.objects.select_related("link__document").prefetch_related("link__sections")
    return (
        Determination.objects.exclude(parse_status=Determination.ParseStatus.FAILED)
        .order_by("case_number", "source_name", "pk")
        .prefetch_related(
            Prefetch(
                "items",
                queryset=DisputedItem.objects.order_by("order").prefetch_related(
                    Prefetch("citations", queryset=citations)
                ),
            )
        )
    )
