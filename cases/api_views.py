"""Read-only determinations API: list (filter by decision, specialty, year) and detail by case number."""
from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.pagination import PageNumberPagination

from .models import Determination, DisputedItem, GuidelineCitation
from .serializers import DeterminationDetailSerializer, DeterminationListSerializer
from .views import filter_determinations

LIST_PARAMETERS = [
    OpenApiParameter("decision", OpenApiTypes.STR, enum=list(DisputedItem.Decision.values),
                     description="Letters with at least one item of this decision"),
    OpenApiParameter("specialty", OpenApiTypes.STR, description="Reviewer specialty (whole name, case-insensitive)"),
    OpenApiParameter("year", OpenApiTypes.INT, description="Decision year"),
    OpenApiParameter("parse_status", OpenApiTypes.STR, enum=list(Determination.ParseStatus.values),
                     description="Parse status (default: letters that parsed, i.e. not failed)"),
]


class DeterminationPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 200


@extend_schema_view(
    list=extend_schema(parameters=LIST_PARAMETERS, summary="List determinations, newest decision first"),
    retrieve=extend_schema(
        summary="One determination with its items and citations",
        parameters=[OpenApiParameter("case_number", OpenApiTypes.STR, OpenApiParameter.PATH,
                                     description="IMR case number, e.g. CM16-0219557")],
    ),
)
class DeterminationViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "case_number"
    pagination_class = DeterminationPagination
    lookup_value_regex = "[^/]+"

    def get_serializer_class(self):
        return DeterminationDetailSerializer if self.action == "retrieve" else DeterminationListSerializer

    def get_queryset(self):
        queryset = Determination.objects.all()
        if self.action == "retrieve":
            return queryset.prefetch_related(Prefetch(
                "items",
                queryset=DisputedItem.objects.order_by("order").prefetch_related(
                    Prefetch("citations", queryset=GuidelineCitation.objects.order_by("party", "order"))
                ),
            ))
        params = self.request.query_params
        status = params.get("parse_status", "")
        if status in Determination.ParseStatus.values:
            queryset = queryset.filter(parse_status=status)
        else:
            queryset = queryset.exclude(parse_status=Determination.ParseStatus.FAILED)
        queryset = filter_determinations(
            queryset, decision=params.get("decision", ""), specialty=params.get("specialty", ""),
            year=params.get("year", ""),
        )
        return queryset.order_by("-decision_date", "case_number", "pk").prefetch_related(
            Prefetch("items", queryset=DisputedItem.objects.order_by("order"))
        )
