"""/analytics/?<search query string> (analytics of any search) and /dashboard/ (the DWC annual
report's headline tables recomputed from the stored letters, optionally for one search too).

Both render analytics.payload' payload, the dict GET /api/analytics/ returns, and add the
charts (analytics.charts). The query string is the search page's: same parser, so a
search, its analytics and its API calls mean the same decisions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.shortcuts import render
from django.utils.safestring import mark_safe

from analytics import charts
from analytics.payload import analytics_payload, run
from analytics.svg import NARROW, WIDTH
from search.backends.base import SearchBackendError
from search.health import UNAVAILABLE
from search.params import parse_search_params

log = logging.getLogger(__name__)


def _context(request):
    params = parse_search_params(request.GET)
    data, error = None, None
    if not params.errors.get("q"):
        try:
            data = analytics_payload(run(params))
        except SearchBackendError:
            log.exception("search backend failed for %s", request.get_full_path())
            error = UNAVAILABLE
    return {"params": params, "data": data, "error": error, "form_errors": params.errors, "chips": params.chips()}


def _svg(drawn: dict[str, Callable[[float], str]]) -> dict:
    """Each chart drawn for a desktop column and for a phone (analytics.svg: the CSS shows one of
    the two, so chart text stays readable on a phone)."""
    # analytics.svg escapes every text it draws.
    return {name: mark_safe(draw(WIDTH) + draw(NARROW)) for name, draw in drawn.items()}  # noqa: S308


def analytics_page(request):
    context = _context(request)
    data = context["data"]
    if data and data["summary"]["decisions"]:
        context["charts"] = _svg(
            {
                "months": lambda w: charts.decisions_per(
                    "months", data["by_month"], "Decisions per month", "label", width=w
                ),
                "month_rates": lambda w: charts.rate_per(
                    "month-rates", data["by_month"], "Overturn rate per month", "label", width=w
                ),
                "years": lambda w: charts.decisions_per("years", data["by_year"], "Decisions per year", width=w),
                "sections": lambda w: charts.counts(
                    "sections", data["guideline_sections"][:10], "Guideline sections most relied upon", width=w
                ),
                "specialties": lambda w: charts.shares(
                    "specialties", data["specialties"][:12], "Decisions by reviewer specialty", width=w
                ),
                "days": lambda w: charts.days_histogram(
                    "days", data["days_to_decision"], "Days from assignment to decision", width=w
                ),
                "categories": lambda w: charts.rates(
                    "categories", data["categories"], "Overturn rate by DWC request category", width=w
                ),
            }
        )
    return render(request, "analytics/analytics.html", context)


def dashboard_page(request):
    context = _context(request)
    data = context["data"]
    if data and data["summary"]["decisions"]:
        context["charts"] = _svg(
            {
                "months": lambda w: charts.decisions_per(
                    "months", data["by_month"], "Decisions per month", "label", width=w
                ),
                "categories": lambda w: charts.rates(
                    "categories", data["categories"], "Overturn rate by treatment category", width=w
                ),
                "specialties": lambda w: charts.shares(
                    "specialties", data["specialties"], "Share of decisions by reviewer specialty", width=w
                ),
                "days": lambda w: charts.days_histogram(
                    "days", data["days_to_decision"], "Days from assignment to decision", width=w
                ),
            }
        )
        pharma = data["pharmaceuticals"]
        context["medications"] = [
            {
                **r,
                "label": r["value"].partition(" › ")[2] or r["value"],
                "share_of_pharmaceuticals": r["decisions"] / pharma["decisions"],
            }
            for r in data["request_categories"]
            if r["value"] in pharma["categories"]
        ]
        context["years"] = [
            {
                "value": r["value"],
                "url": "/dashboard/"
                + context["params"].querystring(
                    filters={**context["params"].filters, "decision_year": [r["value"]]}, page=1
                ),
                "selected": context["params"].filters.get("decision_year") == [r["value"]],
            }
            for r in data["by_year"]
            if r["decisions"]
        ]
    return render(request, "analytics/dashboard.html", context)
