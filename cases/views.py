"""HTML pages: recent determinations and one determination. Letter text is autoescaped, never marked safe.

Also the determination query helpers shared with the admin and the API (specialty, year, decision).
"""
from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from .models import Determination, DisputedItem, GuidelineCitation

PAGE_SIZE = 50


# --- query helpers ----------------------------------------------------------------------------

def filter_specialty(queryset: QuerySet, specialty: str) -> QuerySet:
    """Letters whose reviewer_specialty list holds `specialty` (whole element, case-insensitive).

    JSON `contains` is not available on SQLite, so this matches the quoted element in the JSON
    text, which works on SQLite and PostgreSQL alike.
    """
    value = specialty.strip()
    # SQLite keeps Django's json.dumps text (non-ASCII as \u escapes); PostgreSQL renders jsonb
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


def filter_determinations(queryset: QuerySet, decision: str = "", specialty: str = "", year: str = "") -> QuerySet:
    """The filters of the list page and the API: item decision, reviewer specialty, decision year."""
    if decision:
        queryset = queryset.filter(items__decision__iexact=decision).distinct()
    if specialty:
        queryset = filter_specialty(queryset, specialty)
    if year and str(year).isdigit():
        queryset = queryset.filter(decision_date__year=int(year))
    return queryset


def with_items(queryset: QuerySet) -> QuerySet:
    return queryset.prefetch_related(
        Prefetch("items", queryset=DisputedItem.objects.order_by("order")),
    )


# --- pages ------------------------------------------------------------------------------------

def determination_list(request):
    queryset = Determination.objects.exclude(parse_status=Determination.ParseStatus.FAILED)
    queryset = filter_determinations(
        queryset,
        decision=request.GET.get("decision", ""),
        specialty=request.GET.get("specialty", ""),
        year=request.GET.get("year", ""),
    ).order_by("-decision_date", "case_number", "pk")
    page = Paginator(with_items(queryset), PAGE_SIZE).get_page(request.GET.get("page"))
    failed = Determination.objects.filter(parse_status=Determination.ParseStatus.FAILED).count()
    failed_url = reverse("admin:cases_determination_changelist") + "?parse_status__exact=failed"
    return render(request, "cases/determination_list.html", {
        "page": page,
        "failed_count": failed,
        "failed_url": failed_url,
        "filters": {k: request.GET.get(k, "") for k in ("decision", "specialty", "year")},
    })


def _detail(request, det: Determination):
    items = (
        det.items.order_by("order")
        .prefetch_related(Prefetch("citations", queryset=GuidelineCitation.objects.order_by("party", "order")))
    )
    rows = []
    for item in items:
        citations = list(item.citations.all())
        rows.append({
            "item": item,
            "claims_administrator": [c for c in citations if c.party == GuidelineCitation.Party.CLAIMS_ADMINISTRATOR],
            "maximus": [c for c in citations if c.party == GuidelineCitation.Party.MAXIMUS],
        })
    return render(request, "cases/determination_detail.html", {"det": det, "rows": rows})


def determination_detail(request, case_number: str):
    return _detail(request, get_object_or_404(Determination, case_number=case_number))


def determination_detail_pk(request, pk: int):
    return _detail(request, get_object_or_404(Determination, pk=pk))
