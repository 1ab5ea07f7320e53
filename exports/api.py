"""GET /api/search/export.csv and /api/search/export.jsonl: every decision a search counts, one
row each, streamed (exports.decisions). Same query string as /api/search/ and /search/, whose
"Download" links point here; paging and sorting are ignored (an export holds every decision, in
the scan order: decision date, letter, decision)."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from exports import decisions as export
from search.api_views import COMMON_PARAMETERS, answer, facet_parameters
from search.backends.base import FACETS
from search.params import parse_search_params
from search.serializers import ErrorSerializer

_PARAMS = [p for p in COMMON_PARAMETERS if p.name not in ("sort", "page", "page_size")] + facet_parameters(FACETS)


class _ErrorsAsJson(JSONRenderer):
    """Lets a client asking for text/csv or application/x-ndjson through content negotiation (no
    406); only the 400 and 503 answers are rendered, as JSON."""


class _CsvRenderer(_ErrorsAsJson):
    media_type = "text/csv"
    format = "csv"


class _JsonlRenderer(_ErrorsAsJson):
    media_type = "application/x-ndjson"
    format = "jsonl"


class _ExportView(APIView):
    fmt = "csv"
    # Public read-only research data, as /api/search/.
    authentication_classes: list = []
    permission_classes: list = []

    def get(self, request):
        data = request.query_params.copy()
        data.setlist("target", ["determinations"])
        params = parse_search_params(data)
        return answer(request, params, lambda: self._stream(request, params))

    def _stream(self, request, params):
        # The scan runs here, before the response starts: an engine failure is a 503, not a
        # truncated file.
        ids = export.decision_ids(params)
        rows = export.rows(ids, base_url=request.build_absolute_uri("/"))
        response = StreamingHttpResponse(export.lines(self.fmt, rows, bom=True), content_type=export.FORMATS[self.fmt])
        response["Content-Disposition"] = f'attachment; filename="{export.filename(params, self.fmt)}"'
        return response


def _schema(fmt: str, media: str):
    return extend_schema(
        operation_id=f"search_export_{fmt}",
        summary=f"Export a search's decisions as {fmt.upper()}",
        description=(
            "Every decision the search counts (same parameters as /api/search/), one row each, streamed: the "
            "decision with its letter's fields (case_number, order: the decision's 1-based position in its letter, "
            "dates, reviewer, patient), its guideline citations and the guideline sections they link to, with URLs. "
            "Ordered by decision date, letter, decision. CSV joins lists with ' | ' and prefixes cells starting with "
            "= + - @ with an apostrophe (no spreadsheet formulas); JSON lines keep lists as arrays."
        ),
        parameters=_PARAMS,
        responses={
            (200, media): OpenApiResponse(OpenApiTypes.STR, description=f"{fmt.upper()} rows"),
            400: ErrorSerializer,
            503: ErrorSerializer,
        },
        tags=["search"],
    )


class CsvExportAPIView(_ExportView):
    fmt = "csv"
    renderer_classes = [JSONRenderer, _CsvRenderer]

    @_schema("csv", "text/csv")
    def get(self, request):
        return super().get(request)


class JsonlExportAPIView(_ExportView):
    fmt = "jsonl"
    renderer_classes = [JSONRenderer, _JsonlRenderer]

    @_schema("jsonl", "application/x-ndjson")
    def get(self, request):
        return super().get(request)
