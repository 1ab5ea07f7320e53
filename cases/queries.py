"""Determination query helpers shared by the pages, the API filters and the admin."""

from __future__ import annotations

import json

from django.db.models import Prefetch, Q, QuerySet

from cases.models import Determination, DisputedItem, GuidelineCitation

# Larger ids cannot be stored (SQLite and PostgreSQL bigint): a URL with one names no letter.
MAX_ID = 2**63 - 1


def filter_specialty(queryset: QuerySet, specialty: str) -> QuerySet:
    """Letters whose reviewer_specialty list holds `specialty` (whole element, case-insensitive).

    JSON `contains` is not available on SQLite, so this matches the quoted element in the JSON
    text, which works on SQLite and PostgreSQL alike.
    """
    value = specialty.strip()
    # SQLite keeps Django's json.dumps text (non-ASCII as \\u escapes); PostgreSQL renders jsonb
    # with the characters themselves. Either form matches.
    condition = Q(reviewer_specialty__icontains=json.dumps(value))
    if not value.isascii():
        condition |= Q(reviewer_specialty__icontains=json.dumps(value, ensure_ascii=False))
    return queryset.filter(condition)


def distinct_specialties() -> list[str]:
    """Every specialty named in any letter, sorted (a few hundred letters: fine in Python)."""
    found: set[str] = set()
    for values in Determination.objects.values_list("reviewer_specialty", flat=True):
        for value in values or []:
            if isinstance(value, str) and value.strip():
                found.add(value.strip())
    return sorted(found, key=str.lower)


def items_in_order() -> Prefetch:
    """A letter's items, in letter order (list page and list API: the items' own fields only)."""
    return Prefetch("items", queryset=DisputedItem.objects.order_by("order"))


def items_with_citations() -> Prefetch:
    """A letter's items with everything the letter page and the detail API show of them, in a
    fixed number of queries whatever the number of items: citations with their guideline link
    (the guidelines app's CitationLink, reached by its related names so this app imports none of
    it), the link's document and sections, and the passages the reviewer quoted."""
    citations = (
        GuidelineCitation.objects.order_by("party", "order")
        .select_related("link__document")
        .prefetch_related("link__sections__document")
    )
    return Prefetch(
        "items",
        queryset=DisputedItem.objects.order_by("order").prefetch_related(
            Prefetch("citations", queryset=citations),
            "quoted_passages",
        ),
    )
