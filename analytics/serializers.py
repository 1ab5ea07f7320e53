"""The OpenAPI description (drf-spectacular) of the analytics payload that analytics.payload
builds for GET /api/analytics/ and the analytics and dashboard pages."""

from __future__ import annotations

from rest_framework import serializers

from search.serializers import QueryInfoSerializer

_URL = {"allow_null": True}


class NumberUrlsSerializer(serializers.Serializer):
    decisions = serializers.CharField(help_text="/search/ URL listing these decisions", **_URL)
    upheld = serializers.CharField(help_text="/search/ URL listing the upheld ones", **_URL)
    overturned = serializers.CharField(help_text="/search/ URL listing the overturned ones", **_URL)
    analytics = serializers.CharField(help_text="/analytics/ URL of these decisions", **_URL)


class OutcomesSerializer(serializers.Serializer):
    decisions = serializers.IntegerField()
    upheld = serializers.IntegerField(help_text="The denial stands: the treatment stays denied")
    overturned = serializers.IntegerField(help_text="The denial was reversed: the treatment is authorized")
    overturn_rate = serializers.FloatField(allow_null=True, help_text="overturned / (upheld + overturned)")
    overturn_rate_ci95 = serializers.ListField(
        child=serializers.FloatField(), allow_null=True, help_text="95% Wilson score interval [low, high]"
    )
    urls = NumberUrlsSerializer(
        help_text="Where each number's decisions are listed; null for a zero, or when no "
        "search URL lists exactly these decisions"
    )


class RowSerializer(OutcomesSerializer):
    value = serializers.CharField()
    letters = serializers.IntegerField(
        allow_null=True,
        help_text=(
            "Letters with this value: for month, year and specialty when the query selects whole letters "
            "(no procedure, words, region or decision-level filter), else null"
        ),
    )
    share = serializers.FloatField(allow_null=True, help_text="decisions / all matching decisions")


class MonthSerializer(RowSerializer):
    label = serializers.CharField(help_text='"Jan 2017"')


class SectionRowSerializer(RowSerializer):
    section_url = serializers.CharField(allow_null=True, help_text="The guideline section's page")


class SummarySerializer(OutcomesSerializer):
    letters = serializers.IntegerField()
    letters_exact = serializers.BooleanField()
    share = serializers.FloatField(allow_null=True)


class OpioidsSerializer(RowSerializer):
    share_of_pharmaceuticals = serializers.FloatField(allow_null=True)


class PharmaceuticalsSerializer(RowSerializer):
    categories = serializers.ListField(
        child=serializers.CharField(), help_text='The DWC request categories "Pharmaceuticals › …" counted'
    )
    opioids = OpioidsSerializer(help_text='The DWC request category "Pharmaceuticals › Opioids"')


class CategoryRowSerializer(RowSerializer):
    subcategories = RowSerializer(many=True, help_text="Its DWC request categories (Category › Sub-category)")


class DayCountSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    decisions = serializers.IntegerField()
    cumulative_share = serializers.FloatField()


class DaysSerializer(serializers.Serializer):
    n = serializers.IntegerField(help_text="Decisions whose letter has both an assignment and a decision date")
    unknown = serializers.IntegerField(help_text="Matching decisions without both dates")
    mean = serializers.FloatField(allow_null=True)
    min = serializers.IntegerField(allow_null=True)
    median = serializers.FloatField(allow_null=True, help_text="Exact, from the per-day histogram")
    p90 = serializers.FloatField(allow_null=True, help_text="90th percentile, linear between closest ranks")
    max = serializers.IntegerField(allow_null=True)
    histogram = DayCountSerializer(many=True)
    url = serializers.CharField(allow_null=True, help_text="/search/ URL of these decisions (when n is all of them)")


class AnalyticsResponseSerializer(serializers.Serializer):
    query = QueryInfoSerializer()
    search_url = serializers.CharField(help_text="/search/ URL of the decisions counted")
    api_url = serializers.CharField()
    summary = SummarySerializer()
    by_month = MonthSerializer(
        many=True, help_text="Every month from the first to the last decided, empty ones included"
    )
    undated = serializers.IntegerField(help_text="Matching decisions without a decision date")
    by_year = RowSerializer(many=True)
    categories = CategoryRowSerializer(
        many=True, help_text="The DWC's request categories (Pharmaceuticals, DMEPOS, ...), most decisions first"
    )
    request_categories = RowSerializer(
        many=True, help_text="The DWC's request categories with their sub-categories (Category › Sub-category)"
    )
    pharmaceuticals = PharmaceuticalsSerializer(
        help_text="The DWC category Pharmaceuticals, and its sub-category Opioids"
    )
    procedure_categories = RowSerializer(
        many=True, help_text="The project's finer categories of procedures (beneath the DWC's)"
    )
    procedures = RowSerializer(many=True, help_text="The 20 most frequent procedures")
    guideline_sections = SectionRowSerializer(
        many=True,
        help_text=(
            "The 20 guideline sections most relied upon (cited by the IMR reviewer); a decision citing several counts "
            "under each"
        ),
    )
    specialties = RowSerializer(many=True, help_text="Reviewer specialties; a reviewer with two counts under both")
    days_to_decision = DaysSerializer()
