"""Read-only API representations of determinations, with items and citations nested.

A citation carries its guideline link (the guidelines app's CitationLink: document, sections and
their URLs), read through the related name `link` so this app imports nothing of guidelines.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.models import Determination, DisputedItem, GuidelineCitation


def _absolute(request, path: str | None) -> str | None:
    if path is None:
        return None
    return request.build_absolute_uri(path) if request else path


class LetterDownloadsMixin(serializers.Serializer):
    """Absolute URLs of the letter's downloads (cases.downloads); null when there is none."""

    letter_pdf_url = serializers.SerializerMethodField()
    letter_txt_url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_letter_pdf_url(self, obj) -> str | None:
        """The original PDF (null: the letter was a text file, or its original was not kept)."""
        return _absolute(self.context.get("request"), obj.letter_pdf_url())

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_letter_txt_url(self, obj) -> str | None:
        """The original text file, or the text extracted from the PDF (null: none kept)."""
        return _absolute(self.context.get("request"), obj.letter_txt_url())


class LinkedDocumentSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    url = serializers.URLField(help_text="The document's page")
    api_url = serializers.URLField(help_text="The document in the API")


class LinkedSectionSerializer(serializers.Serializer):
    anchor = serializers.CharField()
    number = serializers.CharField()
    title = serializers.CharField()
    document = serializers.CharField(help_text="Slug of the section's document")
    url = serializers.URLField(help_text="The section's page")
    api_url = serializers.URLField(help_text="The section in the API, with its text and citing letters")


class CitationLinkSerializer(serializers.Serializer):
    document = LinkedDocumentSerializer(allow_null=True)
    sections = LinkedSectionSerializer(many=True)
    method = serializers.CharField(help_text="How the linker resolved it (exact_title, alias, ..., unresolved)")
    needs_review = serializers.BooleanField()

    def to_representation(self, link):
        request = self.context.get("request")
        doc = link.document
        document = None
        if doc is not None:
            document = {
                "slug": doc.slug,
                "title": doc.title,
                "year": doc.edition_year,
                "url": _absolute(request, doc.get_absolute_url()),
                "api_url": _absolute(request, reverse("guideline-detail", kwargs={"slug": doc.slug})),
            }
        sections = [
            {
                "anchor": s.anchor,
                "number": s.number,
                "title": s.title,
                "document": s.document.slug,
                "url": _absolute(request, s.get_absolute_url()),
                "api_url": _absolute(
                    request, reverse("guideline-section", kwargs={"slug": s.document.slug, "anchor": s.anchor})
                ),
            }
            for s in sorted(link.sections.all(), key=lambda s: s.order)
        ]
        return {"document": document, "sections": sections, "method": link.method, "needs_review": link.needs_review}


class GuidelineCitationSerializer(serializers.ModelSerializer):
    sections = serializers.ListField(child=serializers.CharField(), read_only=True)
    link = serializers.SerializerMethodField()

    class Meta:
        model = GuidelineCitation
        fields = ["party", "order", "kind", "document", "year", "sections", "pages", "clause", "link"]

    @extend_schema_field(CitationLinkSerializer(allow_null=True))
    def get_link(self, citation) -> dict | None:
        """The guideline document and sections this citation resolved to (null: not linked yet)."""
        try:
            link = citation.link
        except ObjectDoesNotExist:
            return None
        return CitationLinkSerializer(link, context=self.context).data


class DisputedItemSerializer(serializers.ModelSerializer):
    citations = GuidelineCitationSerializer(many=True, read_only=True)

    class Meta:
        model = DisputedItem
        fields = [
            "order",
            "request",
            "disputed_portion",
            "decision",
            "rationale",
            "request_category",
            "procedure",
            "procedure_category",
            "body_region",
            "laterality",
            "classification_confidence",
            "classification_signal",
            "citations",
        ]


class DisputedItemSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = DisputedItem
        fields = ["order", "request", "decision", "procedure"]


class DeterminationListSerializer(LetterDownloadsMixin, serializers.ModelSerializer):
    reviewer_licensure = serializers.ListField(child=serializers.CharField(), read_only=True)
    reviewer_specialty = serializers.ListField(child=serializers.CharField(), read_only=True)
    items = DisputedItemSummarySerializer(many=True, read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Determination
        fields = [
            "id",
            "url",
            "case_number",
            "decision_date",
            "priority",
            "reviewer_specialty",
            "reviewer_licensure",
            "parse_status",
            "letter_pdf_url",
            "letter_txt_url",
            "items",
        ]

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_url(self, obj) -> str | None:
        """The detail endpoint (null for a letter without a case number)."""
        if not obj.case_number:
            return None
        path = reverse("determination-detail", kwargs={"case_number": obj.case_number})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class DeterminationDetailSerializer(LetterDownloadsMixin, serializers.ModelSerializer):
    reviewer_licensure = serializers.ListField(child=serializers.CharField(), read_only=True)
    reviewer_specialty = serializers.ListField(child=serializers.CharField(), read_only=True)
    parse_errors = serializers.ListField(child=serializers.CharField(), read_only=True)
    parse_warnings = serializers.ListField(child=serializers.CharField(), read_only=True)
    items = DisputedItemSerializer(many=True, read_only=True)

    class Meta:
        model = Determination
        fields = [
            "id",
            "case_number",
            "date_assigned",
            "date_of_injury",
            "decision_date",
            "ur_denial_date",
            "application_received",
            "priority",
            "reviewer_licensure",
            "reviewer_specialty",
            "patient_age",
            "patient_sex",
            "clinical_summary",
            "layout",
            "source_name",
            "parse_status",
            "parse_errors",
            "parse_warnings",
            "letter_pdf_url",
            "letter_txt_url",
            "items",
        ]
