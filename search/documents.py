"""Index documents built from the database (the source of truth): one per determination and
one per guideline section. Both backends index exactly these dicts (see search.backends.base).

Guideline facets use the citations of the MAXIMUS reviewer (the passage the IMR decision relies
on), not the claims administrator's. When the guidelines app has linked a citation to a
GuidelineDocument/GuidelineSection (CitationLink), the resolved titles are indexed; otherwise the
citation as parsed: the MTUS document title and its sections, or "ODG: <chapter>" for an ODG
Non-MTUS citation. Other Non-MTUS citations (articles) stay searchable in the rationale text but
are not a facet value.
"""
from __future__ import annotations

import re
from functools import lru_cache

from django.apps import apps
from django.db.models import Prefetch

from cases.models import Determination, DisputedItem, GuidelineCitation

from .rollup import letter_fields_from_items
from .rollup import unique as _unique

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


def indexable_determinations():
    """Determinations that belong in the index (failed parses stay out)."""
    return Determination.objects.exclude(parse_status=Determination.ParseStatus.FAILED)


@lru_cache(maxsize=1)
def _citation_link_accessor() -> str | None:
    """Name of the reverse OneToOne accessor GuidelineCitation -> guidelines.CitationLink, if any.

    Looked up at run time so this module works before (and without) the guidelines models.
    """
    if not apps.is_installed("guidelines"):
        return None
    try:
        model = apps.get_model("guidelines", "CitationLink")
    except LookupError:
        return None
    if not _table_exists(model):
        return None  # model code ahead of its migration: index the citations as parsed
    for f in model._meta.get_fields():
        if getattr(f, "one_to_one", False) and getattr(f, "related_model", None) is GuidelineCitation:
            return f.remote_field.get_accessor_name()
    return None


def _table_exists(model) -> bool:
    from django.db import connections, router

    connection = connections[router.db_for_read(model)]
    with connection.cursor() as cursor:
        return model._meta.db_table in connection.introspection.table_names(cursor)


def _title(obj) -> str:
    for attr in ("title", "name", "heading"):
        value = getattr(obj, attr, None)
        if value:
            return str(value)
    return str(obj)


def odg_chapter(clause: str) -> str | None:
    """ "ODG: Low Back" for an ODG citation clause, "ODG" when no chapter is named, else None."""
    m = ODG_RE.search(clause or "")
    if not m:
        return None
    rest = clause[m.end():m.end() + 80]
    found = [(hit.start(), name) for regex, name in ODG_CHAPTERS if (hit := regex.search(rest))]
    if found:
        return "ODG: " + min(found)[1]
    return "ODG"


def citation_guidelines(citation) -> tuple[list[str], list[str]]:
    """(documents, sections) one citation contributes to the guideline facets."""
    accessor = _citation_link_accessor()
    if accessor:
        link = getattr(citation, accessor, None) if _has_cached_or_exists(citation, accessor) else None
        if link is not None and getattr(link, "document_id", None):
            docs = [_title(link.document)]
            sections = [_title(s) for s in link.sections.all()] if hasattr(link, "sections") else []
            return docs, sections
    if citation.kind == GuidelineCitation.Kind.MTUS and citation.document:
        return [citation.document.strip()], [s.strip() for s in (citation.sections or []) if s and s.strip()]
    if citation.kind == GuidelineCitation.Kind.NON_MTUS:
        chapter = odg_chapter(citation.document or citation.clause)
        if chapter:
            return [chapter], []
    return [], []


def _has_cached_or_exists(obj, accessor) -> bool:
    try:
        getattr(obj, accessor)
        return True
    except Exception:  # RelatedObjectDoesNotExist: no link yet
        return False


def item_document(item) -> dict:
    documents, sections = [], []
    for citation in item.citations.all():
        if citation.party != GuidelineCitation.Party.MAXIMUS:
            continue
        d, s = citation_guidelines(citation)
        documents += d
        sections += s
    request = item.request
    if item.disputed_portion:
        request = f"{request} ({item.disputed_portion})"
    return {
        "order": item.order,
        "request": request,
        "decision": item.decision or "",
        "procedure": item.procedure or "",
        "procedure_category": item.procedure_category or "",
        "body_region": item.body_region or "",
        "rationale": item.rationale or "",
        "guideline_documents": _unique(documents),
        "guideline_sections": _unique(sections),
    }


def determination_document(det) -> dict:
    """The index document for one Determination (items and citations prefetched or not)."""
    items = [item_document(i) for i in sorted(det.items.all(), key=lambda i: i.order)]
    return {
        "id": det.pk,
        "case_number": det.case_number or "",
        "decision_date": det.decision_date.isoformat() if det.decision_date else None,
        "decision_year": str(det.decision_date.year) if det.decision_date else "",
        "specialty": _unique(s.strip() for s in (det.reviewer_specialty or []) if isinstance(s, str)),
        "licensure": _unique(s.strip() for s in (det.reviewer_licensure or []) if isinstance(s, str)),
        "patient_age": det.patient_age,
        "patient_sex": det.patient_sex or "",
        **letter_fields_from_items(items),
        "summary": det.clinical_summary or "",
    }


def prefetched(queryset):
    """Prefetch what determination_document reads (items, citations and their links)."""
    citations = GuidelineCitation.objects.order_by("party", "order")
    accessor = _citation_link_accessor()
    if accessor:
        citations = citations.select_related(f"{accessor}__document").prefetch_related(f"{accessor}__sections")
    return queryset.prefetch_related(
        Prefetch("items", queryset=DisputedItem.objects.order_by("order")),
        Prefetch("items__citations", queryset=citations),
    )


def determination_documents(ids=None, batch_size: int = 500):
    """Yield documents for indexable determinations (all, or those ids), in id order."""
    qs = indexable_determinations().order_by("pk")
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    last = 0
    while True:
        batch = list(prefetched(qs.filter(pk__gt=last))[:batch_size])
        if not batch:
            return
        for det in batch:
            yield determination_document(det)
        last = batch[-1].pk
