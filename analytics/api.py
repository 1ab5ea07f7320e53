"""GET /api/analytics/: outcome analytics of any search, as JSON (the analytics page's numbers).

The query string is the search's (search.params, the same parser as /search/ and /api/search/).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.payload import analytics_payload, run
from analytics.serializers import AnalyticsResponseSerializer
from search.api_views import COMMON_PARAMETERS, answer, facet_parameters
from search.backends.base import FACETS
from search.params import parse_search_params
from search.serializers import ErrorSerializer

# Paging and sorting mean nothing here: every matching decision is counted.
_PARAMS = [p for p in COMMON_PARAMETERS if p.name not in ("sort", "page", "page_size")] + facet_parameters(FACETS)


class AnalyticsAPIView(APIView):
    # Public read-only research data.
    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(
        operation_id="search_analytics",
        summary="Outcome analytics of a search",
        description=(
            "For the decisions a search matches (same parameters as /api/search/): decisions, letters, the overturn "
            "rate with its 95% Wilson interval, the trend by month and by year, the guideline sections most relied "
            "upon, the reviewer specialties, the treatment categories and procedures, the pharmaceutical and opioid "
            "shares, and the days from assignment to decision (median and 90th percentile, exact). Every number comes "
            "with the /search/ URL listing its decisions."
        ),
        parameters=_PARAMS,
        responses={200: AnalyticsResponseSerializer, 400: ErrorSerializer, 503: ErrorSerializer},
        tags=["search"],
    )
    def get(self, request):
        params = parse_search_params(request.query_params)
        return answer(request, params, lambda: Response(analytics_payload(run(params))))
