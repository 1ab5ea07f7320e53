"""HTML pages: recent determinations and one determination. Letter text is autoescaped, never marked safe."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from cases.filters import DeterminationFilter
from cases.models import Determination, GuidelineCitation
from cases.queries import MAX_ID, items_in_order, items_with_citations

PAGE_SIZE = 50
FILTERS = ("decision", "specialty", "year")


def determination_list(request):
    filters = {k: request.GET.get(k, "") for k in FILTERS}
    failed = Determination.objects.filter(parse_status=Determination.ParseStatus.FAILED).count()
    context = {
        "failed_count": failed,
        "failed_url": reverse("admin:cases_determination_changelist") + "?parse_status__exact=failed",
        "filters": filters,
    }
    filterset = DeterminationFilter(
        request.GET, queryset=Determination.objects.exclude(parse_status=Determination.ParseStatus.FAILED)
    )
    if not filterset.is_valid():
        # A bad filter value is the visitor's mistake: say which and why, with a 400.
        context["errors"] = [f"{name}: {'; '.join(messages)}" for name, messages in filterset.errors.items()]
        return render(request, "web/letter_list.html", context, status=400)
    queryset = filterset.qs.order_by("-decision_date", "case_number", "pk").prefetch_related(items_in_order())
    context["page"] = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/letter_list.html", context)


def _detail(request, det: Determination):
    rows = []
    for item in det.items.all():
        citations = list(item.citations.all())
        rows.append(
            {
                "item": item,
                "claims_administrator": [
                    c for c in citations if c.party == GuidelineCitation.Party.CLAIMS_ADMINISTRATOR
                ],
                "maximus": [c for c in citations if c.party == GuidelineCitation.Party.MAXIMUS],
            }
        )
    return render(request, "web/letter.html", {"det": det, "rows": rows})


def _letter():
    return Determination.objects.prefetch_related(items_with_citations())


def determination_detail(request, case_number: str):
    return _detail(request, get_object_or_404(_letter(), case_number=case_number))


def determination_detail_pk(request, pk: int):
    if pk > MAX_ID:
        raise Http404("No determination has this id.")
    return _detail(request, get_object_or_404(_letter(), pk=pk))
