"""Index documents built from the database (the source of truth): one per decision (a disputed
item), carrying its own fields and a copy of its letter's, grouped by letter for writing.

Both engines index exactly these dicts (shapes at the end of search.backends.base).

Guideline facets use the citations of the MAXIMUS reviewer (the passage the IMR decision relies
on), not the claims administrator's. A citation linked to the catalog (guidelines.CitationLink)
contributes its document's label and its sections' qualified labels ("Low Back Complaints (2004)
› Special Studies"); an unlinked one the citation as parsed: the MTUS document and its sections,
or "ODG: <chapter>" for an ODG Non-MTUS citation. Other Non-MTUS citations (articles) stay
searchable in the rationale but are not a facet value.
"""

from __future__ import annotations

import re

from django.db.models import Prefetch

from cases.models import Determination, DisputedItem, GuidelineCitation
from guidelines.models import GuidelineSection, QuotedPassage
from procedures.taxonomy import default_taxonomy
from procedures.taxonomy.classify import body_regions, request_text

ODG_RE = re.compile(r"\bODG\b|Official\s+Disability\s+Guidelines", re.I)
# ODG chapter names, recognised by the first keyword after "ODG" in the citation.
ODG_CHAPTERS = [
    (re.compile(r"low\s*back|lumbar", re.I), "Low Back"),
    (re.compile(r"neck|cervical", re.I), "Neck and Upper Back"),
    (re.compile(r"knee", re.I), "Knee & Leg"),
    (re.compile(r"shoulder", re.I), "Shoulder"),
    (re.compile(r"\bhips?\b|pelvis", re.I), "Hip & Pelvis"),
    (re.compile(r"elbow", re.I), "Elbow"),
    (re.compile(r"wrist|hand|forearm", re.I), "Forearm, Wrist, & Hand"),
    (re.compile(r"carpal\s+tunnel", re.I), "Carpal Tunnel Syndrome"),
    (re.compile(r"ankle|foot", re.I), "Ankle & Foot"),
    (re.compile(r"\bhead\b", re.I), "Head"),
    (re.compile(r"mental|stress", re.I), "Mental Illness & Stress"),
    (re.compile(r"fitness\s+for\s+duty", re.I), "Fitness for Duty"),
    (re.compile(r"\beye\b", re.I), "Eye"),
    (re.compile(r"pulmonary", re.I), "Pulmonary"),
    (re.compile(r"preface", re.I), "Preface"),
    (re.compile(r"\bpain\b", re.I), "Pain (Chronic)"),
]
SECTION_SEPARATOR = " › "


def indexable_determinations():
    """Determinations that belong in the index (failed parses stay out)."""
    return Determination.objects.exclude(parse_status=Determination.ParseStatus.FAILED)


def odg_chapter(clause: str) -> str | None:
    """ "ODG: Low Back" for an ODG citation clause, "ODG" when no chapter is named, else None."""
    m = ODG_RE.search(clause or "")
    if not m:
        return None
    rest = clause[m.end() : m.end() + 80]
    found = [(hit.start(), name) for regex, name in ODG_CHAPTERS if (hit := regex.search(rest))]
    if found:
        return "ODG: " + min(found)[1]
    return "ODG"


def citation_guidelines(citation: GuidelineCitation) -> tuple[list[str], list[dict]]:
    """(document labels, sections [{label, url}]) one citation contributes to the guideline
    facets. Reads citation.link (select_related) and its sections (prefetched)."""
    link = citation.link if hasattr(citation, "link") else None
    if link is not None and link.document_id:
        document = link.document
        return [document.label], [
            {"label": s.qualified_label, "url": s.get_absolute_url()}
            for s in link.sections.all()
            # A link may carry topics of a second chapter named in the same clause; facet them
            # under their own document, as the labels say.
        ]
    if citation.kind == GuidelineCitation.Kind.MTUS and citation.document:
        name = citation.document.strip()
        return [name], [
            {"label": f"{name}{SECTION_SEPARATOR}{s.strip()}", "url": ""}
            for s in citation.sections or []
            if s and s.strip()
        ]
    if citation.kind == GuidelineCitation.Kind.NON_MTUS:
        chapter = odg_chapter(citation.document or citation.clause)
        if chapter:
            return [chapter], []
    return [], []


def unique(values) -> list:
    """Values in first-seen order, without duplicates or blanks."""
    return list(dict.fromkeys(v for v in values if v not in (None, "")))


def regions(request: str, body_region: str) -> list[str]:
    """Every body region the request names (classification keeps one, or "multiple"): "MRI of
    the cervical and thoracic spine" is about both. Falls back to the classified region."""
    tax = default_taxonomy()
    found = body_regions(request_text(request or "", tax), tax)
    if not found and body_region not in ("", tax.multiple_region, tax.unspecified_region):
        found = [body_region]
    return found


def _letter_fields(det: Determination) -> dict:
    days = None
    if det.decision_date and det.date_assigned:
        days = (det.decision_date - det.date_assigned).days
    return {
        "letter_id": det.pk,
        "case_number": det.case_number or "",
        "decision_date": det.decision_date.isoformat() if det.decision_date else None,
        "decision_year": str(det.decision_date.year) if det.decision_date else "",
        "decision_month": det.decision_date.strftime("%Y-%m") if det.decision_date else "",
        # When the letter was stored: what "new since the last alert" means (in milliseconds,
        # the precision both engines compare it at: search.backends.base.epoch_ms).
        "ingested_at": det.created_at.isoformat(timespec="milliseconds") if det.created_at else None,
        "date_assigned": det.date_assigned.isoformat() if det.date_assigned else None,
        "days_to_decision": days,
        "priority": det.priority or "",
        "specialty": unique(s.strip() for s in det.reviewer_specialty or [] if isinstance(s, str)),
        "licensure": unique(s.strip() for s in det.reviewer_licensure or [] if isinstance(s, str)),
        "patient_age": det.patient_age,
        "patient_sex": det.patient_sex or "",
        "summary": det.clinical_summary or "",
    }


def decision_document(item: DisputedItem, letter: dict, n_decisions: int) -> dict:
    documents, sections = [], []
    for citation in item.citations.all():
        if citation.party == GuidelineCitation.Party.MAXIMUS:
            d, s = citation_guidelines(citation)
            documents += d
            sections += s
    section_links = list({s["label"]: s for s in sections}.values())
    return {
        **letter,
        "id": item.pk,
        "order": item.order,
        "n_decisions": n_decisions,
        "first": item.order == 0,
        "request": item.request,
        "disputed_portion": item.disputed_portion or "",
        "title": item.disputed_portion or item.request,
        "decision": item.decision or "",
        "procedure": item.procedure or "",
        "procedure_category": item.procedure_category or "",
        # The DWC's "Category › Sub-category" (procedures/data/dwc-request-categories.txt).
        "request_category": item.request_category or "",
        "body_region": item.body_region or "",
        "regions": regions(item.request, item.body_region or ""),
        "laterality": item.laterality or "",
        "guideline_document": unique(documents),
        "guideline_section": [s["label"] for s in section_links],
        "sections": section_links,
        "rationale": item.rationale or "",
        "quotes": "\n".join(q.text for q in item.quoted_passages.all()),
    }


def letter_document(det: Determination) -> dict:
    """What index_determinations takes for one letter: its decisions, in letter order."""
    letter = _letter_fields(det)
    items = sorted(det.items.all(), key=lambda i: i.order)
    return {"id": det.pk, "decisions": [decision_document(item, letter, len(items)) for item in items]}


def prefetched(queryset):
    """Prefetch what letter_document reads: items, their MAXIMUS citations with links, linked
    documents and sections, and the reviewer quotes (five queries per batch)."""
    citations = (
        GuidelineCitation.objects.filter(party=GuidelineCitation.Party.MAXIMUS)
        .select_related("link__document")
        .order_by("order")
        .prefetch_related(
            Prefetch(
                "link__sections",
                queryset=GuidelineSection.objects.select_related("document").order_by("document_id", "order"),
            )
        )
    )
    return queryset.prefetch_related(
        Prefetch("items", queryset=DisputedItem.objects.order_by("order")),
        Prefetch("items__citations", queryset=citations),
        Prefetch("items__quoted_passages", queryset=QuotedPassage.objects.order_by("order", "pk")),
    )


def determination_documents(ids=None, batch_size: int = 500):
    """Yield letter documents for indexable determinations (all, or those ids), in id order."""
    qs = indexable_determinations().order_by("pk")
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    last = 0
    while True:
        batch = list(prefetched(qs.filter(pk__gt=last))[:batch_size])
        if not batch:
            return
        for det in batch:
            yield letter_document(det)
        last = batch[-1].pk
