"""Read-only determinations API: list (filters in cases.filters) and detail by case number.

Reads are public; the project-wide permission (IsAuthenticatedOrReadOnly) answers an anonymous
write with 401 and an authenticated one with 405 (no write here).
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets

from cases.filters import DeterminationAPIFilter
from cases.models import Determination
from cases.queries import items_in_order, items_with_citations
from web.letter_serializers import DeterminationDetailSerializer, DeterminationListSerializer


@extend_schema_view(
    list=extend_schema(summary="List determinations, newest decision first"),
    retrieve=extend_schema(
        summary="One determination with its items, citations and their guideline links",
        parameters=[
            OpenApiParameter(
                "case_number", OpenApiTypes.STR, OpenApiParameter.PATH, description="IMR case number, e.g. CM16-0219557"
            )
        ],
    ),
)
class DeterminationViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "case_number"
    lookup_value_regex = "[^/]+"
    filterset_class = DeterminationAPIFilter

    def get_serializer_class(self):
        return DeterminationDetailSerializer if self.action == "retrieve" else DeterminationListSerializer

    def get_queryset(self):
        if self.action == "retrieve":
            return Determination.objects.prefetch_related(items_with_citations())
        return Determination.objects.order_by("-decision_date", "case_number", "pk").prefetch_related(items_in_order())
