"""Read-only API representations of determinations, with items and citations nested."""
from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import Determination, DisputedItem, GuidelineCitation


class GuidelineCitationSerializer(serializers.ModelSerializer):
    sections = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = GuidelineCitation
        fields = ["party", "order", "kind", "document", "year", "sections", "pages", "clause"]


class DisputedItemSerializer(serializers.ModelSerializer):
    citations = GuidelineCitationSerializer(many=True, read_only=True)

    class Meta:
        model = DisputedItem
        fields = ["order", "request", "disputed_portion", "decision", "rationale", "procedure",
                  "procedure_category", "body_region", "laterality", "citations"]


class DisputedItemSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = DisputedItem
        fields = ["order", "request", "decision", "procedure"]


class DeterminationListSerializer(serializers.ModelSerializer):
    reviewer_licensure = serializers.ListField(child=serializers.CharField(), read_only=True)
    reviewer_specialty = serializers.ListField(child=serializers.CharField(), read_only=True)
    items = DisputedItemSummarySerializer(many=True, read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Determination
        fields = ["id", "url", "case_number", "decision_date", "priority", "reviewer_specialty",
                  "reviewer_licensure", "parse_status", "items"]

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_url(self, obj) -> str | None:
        """The detail endpoint (null for a letter without a case number)."""
        if not obj.case_number:
            return None
        path = reverse("determination-detail", kwargs={"case_number": obj.case_number})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class DeterminationDetailSerializer(serializers.ModelSerializer):
    reviewer_licensure = serializers.ListField(child=serializers.CharField(), read_only=True)
    reviewer_specialty = serializers.ListField(child=serializers.CharField(), read_only=True)
    parse_errors = serializers.ListField(child=serializers.CharField(), read_only=True)
    parse_warnings = serializers.ListField(child=serializers.CharField(), read_only=True)
    items = DisputedItemSerializer(many=True, read_only=True)

    class Meta:
        model = Determination
        fields = ["id", "case_number", "date_assigned", "date_of_injury", "decision_date", "ur_denial_date",
                  "application_received", "priority", "reviewer_licensure", "reviewer_specialty", "patient_age",
                  "patient_sex", "clinical_summary", "layout", "source_name", "parse_status", "parse_errors",
                  "parse_warnings", "items"]
