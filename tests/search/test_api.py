"""GET /api/search/ and /api/search/sections/ over the 150 real letters, and their OpenAPI schema."""
from __future__ import annotations

import pytest

from tests.search.test_views import (  # noqa: F401  (module fixtures: the indexed corpus)
    HOSTILE_CASE,
    corpus_index,
    letters_with_item,
    search_index_dir,
)

pytestmark = pytest.mark.django_db


def test_search_response_shape(client):
    response = client.get("/api/search/", {"q": "MBB"})
    assert response.status_code == 200
    data = response.json()
    assert set(data) >= {"count", "page", "page_size", "num_pages", "query", "results", "facets"}
    assert data["count"] >= 1 and data["page"] == 1 and data["page_size"] == 20
    assert "medial branch block" in data["query"]["expansions"]
    assert data["query"]["procedures"][:2] == ["medial branch block", "facet joint injection"]
    first = data["results"][0]
    assert set(first) >= {"case_number", "decision_date", "items", "highlights", "url"}
    assert first["url"] == f"/determinations/{first['case_number']}/"
    assert set(first["items"][0]) >= {"request", "decision", "procedure", "procedure_category", "body_region"}
    # The first letter is about facet interventions (procedure first).
    assert any(i["procedure"] in ("medial branch block", "facet joint injection") for i in first["items"])
    assert all(isinstance(v, list) for v in first["highlights"].values())
    for name in ["decision", "procedure_category", "procedure", "body_region", "guideline_document",
                 "guideline_section", "specialty", "decision_year"]:
        assert name in data["facets"]
        for fv in data["facets"][name]:
            assert set(fv) == {"value", "count"} and fv["count"] > 0


def test_filters_or_within_and_across_facets(client):
    upheld = client.get("/api/search/", {"decision": "Upheld"}).json()["count"]
    overturned = client.get("/api/search/", {"decision": "Overturned"}).json()["count"]
    either = client.get("/api/search/?decision=Upheld&decision=Overturned").json()["count"]
    assert either == len(letters_with_item(decision__in=["Upheld", "Overturned"]))
    assert max(upheld, overturned) <= either <= upheld + overturned
    both = client.get("/api/search/", {"decision": "Overturned", "procedure": "MRI"}).json()
    assert both["count"] == len(letters_with_item(decision="Overturned", procedure="MRI"))
    assert both["query"]["filters"] == {"decision": ["Overturned"], "procedure": ["MRI"]}


def test_pages_do_not_overlap(client):
    one = client.get("/api/search/", {"q": "physical therapy", "page_size": 5}).json()
    two = client.get("/api/search/", {"q": "physical therapy", "page_size": 5, "page": 2}).json()
    assert one["num_pages"] >= 2
    assert not {r["id"] for r in one["results"]} & {r["id"] for r in two["results"]}


def test_highlights_escape_letter_markup(client):
    data = client.get("/api/search/", {"q": "zqxss"}).json()
    hit = next(r for r in data["results"] if r["case_number"] == HOSTILE_CASE)
    snippets = [s for values in hit["highlights"].values() for s in values]
    assert snippets and all("<script" not in s and "<b>" not in s for s in snippets)
    assert any("<mark>" in s for s in snippets)


@pytest.mark.parametrize("params, field", [
    ({"page": "0"}, "page"),
    ({"page_size": "1000"}, "page_size"),
    ({"sort": "sideways"}, "sort"),
    ({"date_from": "2017-13-01"}, "date_from"),
    ({"date_from": "2017-02-01", "date_to": "2017-01-01"}, "date_to"),
])
def test_invalid_parameters_are_400_naming_the_parameter(client, params, field):
    response = client.get("/api/search/", params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_sections_endpoint(client):
    response = client.get("/api/search/sections/", {"q": "facet"})
    assert response.status_code == 200
    data = response.json()
    assert data["query"]["target"] == "sections"
    assert set(data) >= {"count", "results", "facets"}
    for r in data["results"]:
        assert set(r) >= {"document", "title", "highlights"}


def test_openapi_schema_documents_search(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    op = schema["paths"]["/api/search/"]["get"]
    names = {p["name"] for p in op["parameters"]}
    assert {"q", "sort", "page", "page_size", "date_from", "date_to", "decision", "procedure",
            "procedure_category", "body_region", "guideline_document", "guideline_section",
            "specialty", "decision_year"} <= names
    ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    body = schema["components"]["schemas"][ref]
    assert {"count", "results", "facets", "page", "num_pages"} <= set(body["properties"])
    assert "/api/search/sections/" in schema["paths"]
