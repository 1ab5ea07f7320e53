"""Queries shared by the guideline pages and the API: section trees, citing determinations."""

from __future__ import annotations

import time
from collections import OrderedDict

from django.db.models import Count

from cases.models import DisputedItem
from guidelines.models import GuidelineDocument, GuidelineSection


def section_tree(document: GuidelineDocument) -> list[dict]:
    """[{"section", "count" (citing determinations), "children": [...]}] in catalog order."""
    sections = list(
        document.sections.annotate(n=Count("citation_links__citation__item__determination", distinct=True)).order_by(
            "order", "pk"
        )
    )
    nodes = {s.pk: {"section": s, "count": s.n, "children": []} for s in sections}
    roots = []
    for s in sections:
        (nodes[s.parent_id]["children"] if s.parent_id in nodes else roots).append(nodes[s.pk])
    return roots


def document_citing_count(document: GuidelineDocument) -> int:
    return DisputedItem.objects.filter(citations__link__document=document).values("determination_id").distinct().count()


def citing_items(section: GuidelineSection | None = None, document: GuidelineDocument | None = None):
    items = DisputedItem.objects.exclude(determination__parse_status="failed")
    if section is not None:
        items = items.filter(citations__link__sections=section)
    else:
        items = items.filter(citations__link__document=document)
    return (
        items.select_related("determination")
        .distinct()
        .order_by("-determination__decision_date", "determination_id", "order")
    )


def citing_determinations(items) -> tuple[list[dict], dict]:
    """Group items by determination: ([{"determination", "items"}], {"Upheld": n, "Overturned": n})."""
    groups: "OrderedDict[int, dict]" = OrderedDict()
    counts = {"Upheld": 0, "Overturned": 0}
    for item in items:
        group = groups.setdefault(item.determination_id, {"determination": item.determination, "items": []})
        group["items"].append(item)
        if item.decision in counts:
            counts[item.decision] += 1
    return list(groups.values()), counts


_section_urls: dict = {"loaded_at": None, "urls": {}}
SECTION_URLS_TTL = 60.0  # seconds a process trusts its map: the catalog changes rarely


def section_urls_by_label() -> dict[str, str]:
    """Qualified section label ("Low Back Complaints (2004) › Special Studies") -> section page,
    for search results that name sections by label. One query per process a minute at most."""
    now = time.monotonic()
    loaded = _section_urls["loaded_at"]
    if loaded is None or now - loaded > SECTION_URLS_TTL:
        _section_urls["urls"] = {
            s.qualified_label: s.get_absolute_url() for s in GuidelineSection.objects.select_related("document")
        }
        _section_urls["loaded_at"] = now
    return _section_urls["urls"]


def forget_section_urls() -> None:
    _section_urls["loaded_at"] = None
