"""GET or POST /api/precedents/: the precedent finder's answer as JSON (precedents.payload).

GET takes the parameters in the query string; POST takes them as JSON or form fields, for a
pasted clinical summary longer than a URL may be. Both parse with precedents.query.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from precedents.payload import find, payload
from precedents.query import DEFAULT_SIZE, MAX_REQUEST, MAX_SUMMARY, parse_precedent_params
from search.api_views import answer
from search.backends.base import PRECEDENTS_MAX
from search.serializers import ErrorSerializer, SectionLinkSerializer

_REQUEST = "The request as written ('bilateral L4-5 medial branch blocks'): classified by the procedure taxonomy."
_SUMMARY = "Optional: the clinical summary or the UR denial's reasoning, compared with past decisions' text."
_EXCLUDE = "Optional: the case number of a letter whose decisions to leave out (e.g. the letter being read)."
_SIZE = f"How many precedents (default {DEFAULT_SIZE}, at most {PRECEDENTS_MAX})."


# --- OpenAPI description -------------------------------------------------------------------------


class PrecedentRequestSerializer(serializers.Serializer):
    request = serializers.CharField(max_length=MAX_REQUEST, help_text=_REQUEST)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=MAX_SUMMARY, help_text=_SUMMARY)
    exclude = serializers.CharField(required=False, allow_blank=True, help_text=_EXCLUDE)
    size = serializers.IntegerField(required=False, min_value=1, max_value=PRECEDENTS_MAX, help_text=_SIZE)


class QuoteSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="A sentence of the rationale stating what a guideline says")
    section = serializers.CharField(allow_blank=True, help_text="The guideline section (or document) it was kept with")
    url = serializers.CharField(allow_null=True)


class PrecedentSerializer(serializers.Serializer):
    case_number = serializers.CharField(allow_null=True)
    order = serializers.IntegerField(help_text="1-based position of the disputed item in its letter")
    request = serializers.CharField()
    decision = serializers.CharField(
        allow_blank=True, help_text="Upheld: the denial stands; Overturned: it was reversed"
    )
    score = serializers.FloatField(
        help_text="Orders the results: the tier (2 same procedure and region, 1 same "
        "procedure, 0 other) plus the text similarity s as s / (1 + s)"
    )
    id = serializers.IntegerField(help_text="The disputed item's id")
    title = serializers.CharField(help_text="The disputed portion of a partly authorized request, else the request")
    disputed_portion = serializers.CharField(allow_null=True)
    decision_date = serializers.DateField(allow_null=True)
    url = serializers.CharField(allow_null=True, help_text="The decision on its letter's page")
    procedure = serializers.CharField(allow_blank=True)
    body_region = serializers.CharField(allow_blank=True)
    same_procedure = serializers.BooleanField()
    same_region = serializers.BooleanField(allow_null=True, help_text="null when the request names no body region")
    similarity = serializers.FloatField(help_text="The engine's BM25 score for the pasted text")
    sections = SectionLinkSerializer(many=True, help_text="The guideline sections its reviewer relied on")
    quotes = QuoteSerializer(many=True, help_text="What its reviewer quoted")


class OutcomesSerializer(serializers.Serializer):
    Upheld = serializers.IntegerField()
    Overturned = serializers.IntegerField()


class PrecedentQueryInfoSerializer(serializers.Serializer):
    request = serializers.CharField()
    with_summary = serializers.BooleanField()
    procedure = serializers.CharField(
        allow_null=True, help_text="The request's classified procedure (null: none known)"
    )
    procedure_category = serializers.CharField(allow_null=True)
    body_region = serializers.CharField()
    regions = serializers.ListField(child=serializers.CharField(), help_text="Body regions the request names")
    laterality = serializers.CharField(allow_blank=True)
    exclude = serializers.CharField(allow_null=True)
    size = serializers.IntegerField()


class CitedQuoteSerializer(serializers.Serializer):
    text = serializers.CharField()
    case_number = serializers.CharField(allow_null=True)
    order = serializers.IntegerField()
    url = serializers.CharField(allow_null=True)


class PrecedentSectionSerializer(serializers.Serializer):
    label = serializers.CharField()
    url = serializers.CharField(allow_null=True)
    count = serializers.IntegerField(help_text="Listed precedents relying on it")
    upheld = serializers.IntegerField()
    overturned = serializers.IntegerField()
    quotes = CitedQuoteSerializer(many=True, help_text="What those reviewers quoted from it")


class PrecedentResponseSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Precedents listed")
    outcomes = OutcomesSerializer(help_text="The outcome split among them")
    results = PrecedentSerializer(many=True, help_text="Best first")
    query = PrecedentQueryInfoSerializer(help_text="How the request was read")
    relied_on = PrecedentSectionSerializer(many=True, help_text="The guideline sections they rely on most")


_PARAMETERS = [
    OpenApiParameter("request", OpenApiTypes.STR, required=True, description=_REQUEST),
    OpenApiParameter("summary", OpenApiTypes.STR, description=_SUMMARY),
    OpenApiParameter("exclude", OpenApiTypes.STR, description=_EXCLUDE),
    OpenApiParameter("size", OpenApiTypes.INT, description=_SIZE),
]
_DESCRIPTION = (
    "The past IMR decisions most like a request: decisions on the same procedure first (the request "
    "classified by the procedure taxonomy; the same body region first when the request names one), then "
    "by text similarity of their rationale, clinical summary and request to the pasted text. With the "
    "outcome split among them, the guideline sections they relied on and what their reviewers quoted."
)
_RESPONSES = {200: PrecedentResponseSerializer, 400: ErrorSerializer, 503: ErrorSerializer}


class PrecedentAPIView(APIView):
    # Public read-only research data.
    authentication_classes: list = []
    permission_classes: list = []

    def _answer(self, data):
        params = parse_precedent_params(data)
        return answer(self.request, params, lambda: Response(payload(find(params))))

    @extend_schema(
        operation_id="precedents",
        summary="Find precedents for a request",
        description=_DESCRIPTION,
        parameters=_PARAMETERS,
        responses=_RESPONSES,
        tags=["search"],
    )
    def get(self, request):
        return self._answer(request.query_params)

    @extend_schema(
        operation_id="precedents_post",
        summary="Find precedents for a request (long pasted text)",
        description=_DESCRIPTION,
        request=PrecedentRequestSerializer,
        responses=_RESPONSES,
        tags=["search"],
    )
    def post(self, request):
        data = request.data
        if not hasattr(data, "get"):
            return Response(
                {"errors": {"body": ["Expected a JSON object or form fields."]}}, status=status.HTTP_400_BAD_REQUEST
            )
        return self._answer(
            {k: data.get(k) for k in ("request", "summary", "exclude", "size") if data.get(k) is not None}
        )
