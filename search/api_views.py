"""GET /api/search/ and /api/search/sections/: the search page's results as JSON.

Parameters are parsed by search.params (the same parser as the page and `manage.py search`),
so every page URL has an API twin with the same query string.
"""

from __future__ import annotations

import logging

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from search.backends.base import FACETS, SECTION_FACETS, SearchBackendError
from search.health import UNAVAILABLE
from search.params import SORTS, parse_search_params
from search.payload import payload, run
from search.serializers import ErrorSerializer, SearchResponseSerializer, SectionSearchResponseSerializer

log = logging.getLogger(__name__)


def answer(request, params, respond):
    """The API's one error shape for parsed parameters: 400 with their errors when they are not
    valid, else `respond()` (the response), or 503 with a plain message when the engine fails
    (logged with the request, never shown)."""
    if not params.is_valid:
        return Response({"errors": params.errors}, status=status.HTTP_400_BAD_REQUEST)
    try:
        return respond()
    except SearchBackendError:
        log.exception("search backend failed for %s", request.get_full_path())
        return Response({"errors": {"backend": [UNAVAILABLE]}}, status=status.HTTP_503_SERVICE_UNAVAILABLE)


COMMON_PARAMETERS = [
    OpenApiParameter(
        "q",
        OpenApiTypes.STR,
        description=(
            "Query as typed. A named procedure (abbreviations, synonyms and brand names included: MBB, Norco, "
            "EMG/NCS) selects the decisions whose request or classified procedure is that procedure, and a named "
            "body region ('lumbar MRI') those about that region; other words must appear in the decision's text."
        ),
    ),
    OpenApiParameter(
        "widen",
        OpenApiTypes.BOOL,
        description=(
            "1: a named procedure may also be found in the decision's rationale or the letter's clinical summary"
        ),
    ),
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="Decision date from (inclusive), YYYY-MM-DD"),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="Decision date to (inclusive), YYYY-MM-DD"),
    OpenApiParameter(
        "sort",
        OpenApiTypes.STR,
        enum=[s for s, _ in SORTS],
        description="relevance (default), -date newest first, date oldest first",
    ),
    OpenApiParameter("page", OpenApiTypes.INT, description="1-based page number"),
    OpenApiParameter("page_size", OpenApiTypes.INT, description="Results per page (default 20, max 100)"),
]


def facet_parameters(names):
    return [
        OpenApiParameter(
            name,
            OpenApiTypes.STR,
            many=True,
            explode=True,
            description=f"Filter on facet '{name}'; repeat for OR (AND across facets)",
        )
        for name in names
    ]


class _SearchView(APIView):
    target = "determinations"
    # Public read-only research data.
    authentication_classes: list = []
    permission_classes: list = []

    def get(self, request):
        data = request.query_params.copy()
        data.setlist("target", [self.target])
        params = parse_search_params(data)
        return answer(request, params, lambda: Response(payload(run(params))))


class SearchAPIView(_SearchView):
    target = "determinations"

    @extend_schema(
        operation_id="search_determinations",
        summary="Search IMR determinations",
        description="Search IMR decisions (the disputed items of determination letters). Filters, facet "
        "counts and the outcome summary count decisions; results are the letters holding a "
        "matching decision, each with all of its decisions, the matching ones marked.",
        parameters=COMMON_PARAMETERS + facet_parameters(FACETS),
        responses={200: SearchResponseSerializer, 400: ErrorSerializer, 503: ErrorSerializer},
        tags=["search"],
    )
    def get(self, request):
        return super().get(request)


class SectionSearchAPIView(_SearchView):
    target = "sections"

    @extend_schema(
        operation_id="search_guideline_sections",
        summary="Search guideline sections",
        description="Full-text search over guideline sections (title, text and passages quoted in letters).",
        parameters=COMMON_PARAMETERS + facet_parameters(SECTION_FACETS),
        responses={200: SectionSearchResponseSerializer, 400: ErrorSerializer, 503: ErrorSerializer},
        tags=["search"],
    )
    def get(self, request):
        return super().get(request)
