"""The JSON shape of search results, shared by GET /api/search/ and `manage.py search --json`.

`determination_payload` / `section_payload` build plain dicts (the command prints them as is);
the serializers below describe the same shape for the OpenAPI schema (drf-spectacular).
"""
from __future__ import annotations

import math

from rest_framework import serializers

from search.backends.base import SearchResult
from search.forms import SearchParams


def determination_url(case_number: str | None, pk: int | None = None) -> str | None:
    """The letter's page (cases app): by case number, or by id for letters that carry none."""
    if case_number:
        return f"/determinations/{case_number}/"
    return f"/determinations/id/{pk}/" if pk is not None else None


def _facets(result: SearchResult, params: SearchParams) -> dict:
    return {
        name: [{"value": fv.value, "count": fv.count} for fv in result.facets.get(name, [])]
        for name in params.facet_names
        if name in result.facets
    }


def _page_info(result: SearchResult, params: SearchParams) -> dict:
    return {
        "count": result.total,
        "page": params.page,
        "page_size": params.page_size,
        "num_pages": max(1, math.ceil(result.total / params.page_size)) if params.page_size else 1,
    }


def _query_info(params: SearchParams) -> dict:
    return {
        "q": params.q,
        "target": params.target,
        "expansions": list(params.expansion.phrases),
        "procedures": list(params.expansion.procedures),
        "filters": {k: list(v) for k, v in params.filters.items()},
        "date_from": params.date_from.isoformat() if params.date_from else None,
        "date_to": params.date_to.isoformat() if params.date_to else None,
        "sort": params.sort,
    }


def determination_payload(result: SearchResult, params: SearchParams) -> dict:
    results = []
    for hit in result.hits:
        src = hit.source or {}
        results.append({
            "id": hit.id,
            "case_number": src.get("case_number") or None,
            "decision_date": src.get("decision_date"),
            "url": determination_url(src.get("case_number"), hit.id),
            "score": round(float(hit.score), 4) if hit.score is not None else None,
            "specialty": list(src.get("specialty") or []),
            "items": [
                {
                    "request": item.get("request", ""),
                    "decision": item.get("decision", ""),
                    "procedure": item.get("procedure", ""),
                    "procedure_category": item.get("procedure_category", ""),
                    "body_region": item.get("body_region", ""),
                    "guideline_documents": list(item.get("guideline_documents") or []),
                    "guideline_sections": list(item.get("guideline_sections") or []),
                }
                for item in src.get("items") or []
            ],
            "highlights": {k: list(v) for k, v in (hit.highlights or {}).items()},
        })
    return {**_page_info(result, params), "query": _query_info(params), "results": results,
            "facets": _facets(result, params)}


def section_payload(result: SearchResult, params: SearchParams) -> dict:
    results = []
    for hit in result.hits:
        src = hit.source or {}
        results.append({
            "id": hit.id,
            "document": src.get("document", ""),
            "family": src.get("family", ""),
            "title": src.get("title", ""),
            "url": src.get("url") or None,
            "score": round(float(hit.score), 4) if hit.score is not None else None,
            "highlights": {k: list(v) for k, v in (hit.highlights or {}).items()},
        })
    return {**_page_info(result, params), "query": _query_info(params), "results": results,
            "facets": _facets(result, params)}


def payload(result: SearchResult, params: SearchParams) -> dict:
    if params.target == "sections":
        return section_payload(result, params)
    return determination_payload(result, params)


# --- OpenAPI description of the same shapes ---------------------------------------------------

class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField()
    count = serializers.IntegerField()


class FacetsSerializer(serializers.Serializer):
    """Facet name -> values with letter counts (sorted by count, then value)."""

    decision = FacetValueSerializer(many=True, required=False)
    procedure_category = FacetValueSerializer(many=True, required=False)
    procedure = FacetValueSerializer(many=True, required=False)
    body_region = FacetValueSerializer(many=True, required=False)
    guideline_document = FacetValueSerializer(many=True, required=False)
    guideline_section = FacetValueSerializer(many=True, required=False)
    specialty = FacetValueSerializer(many=True, required=False)
    decision_year = FacetValueSerializer(many=True, required=False)
    family = FacetValueSerializer(many=True, required=False, help_text="Sections only")


class QueryInfoSerializer(serializers.Serializer):
    q = serializers.CharField(allow_blank=True)
    target = serializers.ChoiceField(choices=["determinations", "sections"])
    expansions = serializers.ListField(child=serializers.CharField(),
                                       help_text="Synonyms and abbreviations OR-ed in (from the procedure taxonomy)")
    procedures = serializers.ListField(child=serializers.CharField(),
                                       help_text="Canonical procedures the query refers to")
    filters = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField(allow_null=True)
    sort = serializers.ChoiceField(choices=["relevance", "-date", "date"])


class SearchItemSerializer(serializers.Serializer):
    request = serializers.CharField()
    decision = serializers.CharField(allow_blank=True)
    procedure = serializers.CharField(allow_blank=True)
    procedure_category = serializers.CharField(allow_blank=True)
    body_region = serializers.CharField(allow_blank=True)
    guideline_documents = serializers.ListField(child=serializers.CharField())
    guideline_sections = serializers.ListField(child=serializers.CharField())


class DeterminationHitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case_number = serializers.CharField(allow_null=True)
    decision_date = serializers.DateField(allow_null=True)
    url = serializers.CharField(allow_null=True)
    score = serializers.FloatField(allow_null=True)
    specialty = serializers.ListField(child=serializers.CharField())
    items = SearchItemSerializer(many=True)
    highlights = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="field -> HTML snippets: letter text HTML-escaped, matches wrapped in <mark>",
    )


class SectionHitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    document = serializers.CharField()
    family = serializers.CharField(allow_blank=True)
    title = serializers.CharField()
    url = serializers.CharField(allow_null=True)
    score = serializers.FloatField(allow_null=True)
    highlights = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class _PageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Matching letters (or sections)")
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    num_pages = serializers.IntegerField()
    query = QueryInfoSerializer()
    facets = FacetsSerializer()


class SearchResponseSerializer(_PageSerializer):
    results = DeterminationHitSerializer(many=True)


class SectionSearchResponseSerializer(_PageSerializer):
    results = SectionHitSerializer(many=True)


class ErrorSerializer(serializers.Serializer):
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                   help_text="parameter -> messages")
