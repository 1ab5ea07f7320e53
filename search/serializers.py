"""The OpenAPI description (drf-spectacular) of the search payload that search.payload builds
for GET /api/search/, `manage.py search --json` and the search page."""

from __future__ import annotations

from rest_framework import serializers

from search.facets import DECISION_FACETS, SECTION_FACETS_DECLARED

# --- OpenAPI description of the same shapes ---------------------------------------------------


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField()
    count = serializers.IntegerField()


# Facet name -> values with decision counts (sorted by count, then value): one field per facet
# declared in search.facets.
FacetsSerializer = type(
    "FacetsSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "Facet name -> values with decision counts (sorted by count, then value).",
        **{
            facet.name: FacetValueSerializer(many=True, required=False, help_text=facet.label)
            for facet in DECISION_FACETS
        },
        **{
            facet.name: FacetValueSerializer(many=True, required=False, help_text=f"{facet.label} (sections only)")
            for facet in SECTION_FACETS_DECLARED
            if facet.name not in {f.name for f in DECISION_FACETS}
        },
    },
)


class QueryInfoSerializer(serializers.Serializer):
    q = serializers.CharField(allow_blank=True, help_text="The query as typed")
    corrected = serializers.CharField(
        allow_null=True,
        help_text="The typo-corrected query that was run instead, when the query as typed found nothing",
    )
    target = serializers.ChoiceField(choices=["determinations", "sections"])
    matched_on = serializers.ChoiceField(
        choices=["request", "widened", "text", "sections"],
        help_text="request: decisions whose request or classified procedure is the named procedure; widened: "
        "also decisions whose rationale or clinical summary names it; text: the words anywhere",
    )
    widen = serializers.BooleanField()
    expansions = serializers.ListField(
        child=serializers.CharField(), help_text="Synonyms, brands and family members of the named procedure"
    )
    procedures = serializers.ListField(
        child=serializers.CharField(), help_text="Canonical procedures the query refers to"
    )
    regions = serializers.ListField(child=serializers.CharField(), help_text="Body regions the query names")
    words = serializers.ListField(
        child=serializers.CharField(), help_text="Other words, each required in the decision's text"
    )
    filters = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField(allow_null=True)
    sort = serializers.ChoiceField(choices=["relevance", "-date", "date"])


class SectionLinkSerializer(serializers.Serializer):
    label = serializers.CharField(help_text='Qualified by its document: "Low Back Complaints (2004) › Special Studies"')
    url = serializers.CharField(allow_null=True, help_text="The section's page (null for an unlinked citation)")


_SNIPPETS = serializers.DictField(
    child=serializers.ListField(child=serializers.CharField()),
    help_text="field -> HTML snippets: letter text HTML-escaped, matches wrapped in <mark>",
)


class SearchItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.IntegerField(help_text="1-based position of the disputed item in its letter")
    request = serializers.CharField()
    title = serializers.CharField(
        help_text="The disputed portion when the request was partly authorized, else the request"
    )
    disputed_portion = serializers.CharField(allow_null=True)
    decision = serializers.CharField(
        allow_blank=True, help_text="Upheld: the denial stands; Overturned: the treatment is authorized"
    )
    matched = serializers.BooleanField(help_text="Whether this decision matches the query and filters")
    matched_in = serializers.ListField(
        child=serializers.CharField(),
        help_text="Where a matching decision matched: request, rationale, quotes, summary (its letter's clinical "
        "summary only, when alone), classification (its procedure is the one the query names), names",
    )
    request_category = serializers.CharField(
        allow_blank=True, help_text="The DWC request category, Category › Sub-category"
    )
    procedure = serializers.CharField(allow_blank=True)
    procedure_category = serializers.CharField(allow_blank=True)
    body_region = serializers.CharField(allow_blank=True)
    guideline_documents = serializers.ListField(child=serializers.CharField())
    guideline_sections = serializers.ListField(child=serializers.CharField())
    sections = SectionLinkSerializer(many=True)
    highlights = _SNIPPETS


class DeterminationHitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case_number = serializers.CharField(allow_null=True)
    decision_date = serializers.DateField(allow_null=True)
    url = serializers.CharField(allow_null=True)
    score = serializers.FloatField(allow_null=True)
    specialty = serializers.ListField(child=serializers.CharField())
    matched = serializers.IntegerField(help_text="How many of the letter's decisions match")
    items = SearchItemSerializer(many=True, help_text="Every disputed item of the letter, in letter order")
    highlights = _SNIPPETS


class SectionHitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    document = serializers.CharField()
    family = serializers.CharField(allow_blank=True)
    title = serializers.CharField()
    url = serializers.CharField(allow_null=True)
    score = serializers.FloatField(allow_null=True)
    highlights = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class _PageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Letters with a matching decision (sections, for sections)")
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    num_pages = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    query = QueryInfoSerializer()
    facets = FacetsSerializer()


class DecisionCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Matching decisions (disputed items)")
    Upheld = serializers.IntegerField(help_text="Of which the denial was upheld (the treatment stays denied)")
    Overturned = serializers.IntegerField(help_text="Of which the denial was overturned (the treatment is authorized)")


class ReliedOnSerializer(serializers.Serializer):
    label = serializers.CharField()
    count = serializers.IntegerField(help_text="Matching decisions whose reviewer cites it")
    url = serializers.CharField(allow_null=True)


class OutcomeSummarySerializer(serializers.Serializer):
    decisions = serializers.IntegerField()
    letters = serializers.IntegerField()
    letters_exact = serializers.BooleanField()
    upheld = serializers.IntegerField()
    overturned = serializers.IntegerField()
    overturn_rate = serializers.FloatField(allow_null=True)
    overturn_rate_ci95 = serializers.ListField(
        child=serializers.FloatField(), allow_null=True, help_text="95% Wilson score interval [low, high]"
    )
    relied_on = ReliedOnSerializer(many=True, help_text="The guideline sections these decisions rely on most")


class SearchResponseSerializer(_PageSerializer):
    count_exact = serializers.BooleanField(
        help_text="False when more than 10,000 decisions match (tantivy; 40,000 on Elasticsearch) and the letter count is the engine's estimate"
    )
    decisions = DecisionCountsSerializer()
    summary = OutcomeSummarySerializer()
    results = DeterminationHitSerializer(many=True)
    facet_alternatives = FacetsSerializer(
        help_text="For each facet with a selection: counts with that facet's own filter removed"
    )
    suggestions = serializers.ListField(
        child=serializers.CharField(), help_text="Procedure names nearest a query that found nothing"
    )


class SectionSearchResponseSerializer(_PageSerializer):
    results = SectionHitSerializer(many=True)


class ErrorSerializer(serializers.Serializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), help_text="parameter -> messages"
    )
