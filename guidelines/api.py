"""Read-only API: guideline documents, and a section with the determinations that cite it."""

from __future__ import annotations

from django.db.models import Count
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import api_view
from rest_framework.response import Response

from guidelines.models import GuidelineDocument, GuidelineSection
from guidelines.queries import citing_determinations, citing_items


class SectionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="anchor", read_only=True)
    has_text = serializers.SerializerMethodField()

    class Meta:
        model = GuidelineSection
        fields = ["anchor", "number", "title", "parent", "page_start", "page_end", "has_text"]

    def get_has_text(self, obj) -> bool:
        return bool(obj.text)


class DocumentSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="edition_year", allow_null=True)
    sections = SectionSerializer(many=True, read_only=True)

    class Meta:
        model = GuidelineDocument
        fields = [
            "slug",
            "family",
            "title",
            "short_title",
            "year",
            "regulation",
            "edition",
            "page_start",
            "page_end",
            "sections",
        ]


class DocumentListSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="edition_year", allow_null=True)
    section_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = GuidelineDocument
        fields = ["slug", "family", "title", "short_title", "year", "regulation", "edition", "section_count"]


class GuidelineDocumentViewSet(viewsets.ReadOnlyModelViewSet):
    """The catalog, paginated like every list (imr_kb.pagination); a document with its sections."""

    lookup_field = "slug"

    def get_queryset(self):
        queryset = GuidelineDocument.objects.order_by("family", "order", "title")
        if self.action == "list":
            return queryset.annotate(section_count=Count("sections"))
        return queryset.prefetch_related("sections")

    def get_serializer_class(self):
        return DocumentListSerializer if self.action == "list" else DocumentSerializer


class _DocumentRef(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    family = serializers.CharField()


class _Quote(serializers.Serializer):
    text = serializers.CharField()
    case_number = serializers.CharField(allow_null=True)


class _CitingItem(serializers.Serializer):
    request = serializers.CharField()
    decision = serializers.CharField(allow_null=True)


class _CitingDetermination(serializers.Serializer):
    case_number = serializers.CharField(allow_null=True)
    decision_date = serializers.DateField(allow_null=True)
    items = _CitingItem(many=True)


class SectionDetailSerializer(SectionSerializer):
    """The section endpoint's response (documents the schema; the view builds the data)."""

    document = _DocumentRef()
    text = serializers.CharField()
    quotes = _Quote(many=True)
    decision_counts = serializers.DictField(child=serializers.IntegerField())
    citing_determinations = _CitingDetermination(many=True)

    class Meta(SectionSerializer.Meta):
        fields = SectionSerializer.Meta.fields + [
            "document",
            "text",
            "quotes",
            "decision_counts",
            "citing_determinations",
        ]


@extend_schema(responses=SectionDetailSerializer)
@api_view(["GET"])
def section_detail(request, slug: str, anchor: str):
    """A section, its text (blank when not loaded), the reviewers' quotes and every citing
    determination with its items' decisions."""
    section = get_object_or_404(
        GuidelineSection.objects.select_related("document", "parent"), document__slug=slug, anchor=anchor
    )
    groups, counts = citing_determinations(citing_items(section=section))
    data = SectionSerializer(section).data
    data.update(
        {
            "document": {
                "slug": section.document.slug,
                "title": section.document.title,
                "year": section.document.edition_year,
                "family": section.document.family,
            },
            "text": section.text,
            "quotes": [
                {"text": q.text, "case_number": q.item.determination.case_number}
                for q in section.quoted_passages.select_related("item__determination")
            ],
            "decision_counts": counts,
            "citing_determinations": [
                {
                    "case_number": g["determination"].case_number,
                    "decision_date": g["determination"].decision_date,
                    "items": [{"request": i.request, "decision": i.decision or None} for i in g["items"]],
                }
                for g in groups
            ],
        }
    )
    return Response(data)
