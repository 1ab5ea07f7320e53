"""Read-only determinations API and its OpenAPI schema."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from cases.models import Determination

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_list(api, ingested):
    response = api.get("/api/determinations/")
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 6  # the failed file is left out
    first = data["results"][0]
    assert set(first) >= {"case_number", "decision_date", "priority", "reviewer_specialty", "items", "url"}
    dates = [r["decision_date"] for r in data["results"] if r["decision_date"]]
    assert dates == sorted(dates, reverse=True)
    with_number = next(r for r in data["results"] if r["case_number"])
    assert with_number["url"].endswith(f"/api/determinations/{with_number['case_number']}/")


def test_list_filters(api, ingested):
    def cases(**params):
        return {r["case_number"] for r in api.get("/api/determinations/", params).json()["results"]}

    assert cases(decision="Overturned") == {"CM16-0229336"}
    assert "CM16-0229336" not in cases(decision="Upheld")
    assert cases(specialty="family practice") == {"CM16-0221706", "CM16-0224814"}
    year = Determination.objects.get(case_number="CM16-0219557").decision_date.year
    assert cases(year=year) == {
        d.case_number for d in Determination.objects.filter(decision_date__year=year).exclude(parse_status="failed")
    }
    failed = api.get("/api/determinations/", {"parse_status": "failed"}).json()
    assert failed["count"] == 1 and failed["results"][0]["url"] is None


def test_list_is_paginated(api, ingested):
    data = api.get("/api/determinations/", {"page_size": 4}).json()
    assert data["count"] == 6 and len(data["results"]) == 4 and "page=2" in data["next"]
    page2 = api.get(data["next"]).json()
    assert len(page2["results"]) == 2
    seen = [r["source_name"] if "source_name" in r else r["id"] for r in data["results"] + page2["results"]]
    assert len(set(seen)) == 6
    assert len(api.get("/api/determinations/").json()["results"]) == 6
    assert api.get("/api/determinations/", {"page": 99}).status_code == 404
    assert (page2["page"], page2["num_pages"], page2["page_size"], page2["next"]) == (2, 2, 4, None)
    assert page2["previous"] == "/api/determinations/?page_size=4"


def test_detail_nests_items_and_citations(api, ingested):
    response = api.get("/api/determinations/CM16-0219557/")
    assert response.status_code == 200
    data = response.json()
    assert data["case_number"] == "CM16-0219557"
    assert data["decision_date"] == "2016-12-19"
    assert data["reviewer_licensure"] == ["Texas", "New York", "California"]
    (item,) = data["items"]
    assert item["decision"] == "Upheld"
    parties = {c["party"] for c in item["citations"]}
    assert parties == {"claims_administrator", "maximus"}
    mtus = [c for c in item["citations"] if c["kind"] == "MTUS"]
    assert any(c["document"] == "Low Back Complaints" and c["year"] == 2004 for c in mtus)
    assert "raw_text" not in data


def test_detail_404_and_read_only(api, ingested):
    assert api.get("/api/determinations/CM99-0000000/").status_code == 404
    # Anonymous writes are refused before anything else (401); an authenticated client learns
    # that determinations are read-only (405). Tokens: tests/web/test_api_production.py.
    assert api.post("/api/determinations/", {}).status_code == 401
    assert api.delete("/api/determinations/CM16-0219557/").status_code == 401


def test_schema_of_the_determinations_views_has_no_warnings():
    """Only the letters' endpoints (reading them, web; uploading them and their jobs, pipeline):
    other apps' warnings are theirs to fix."""
    from django.urls import include, path
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    GENERATOR_STATS.reset()
    generator = SchemaGenerator(
        patterns=[path("api/", include("web.api_urls")), path("api/", include("pipeline.api_urls"))]
    )
    schema = generator.get_schema(request=None, public=True)
    assert dict(GENERATOR_STATS._warn_cache) == {} and dict(GENERATOR_STATS._error_cache) == {}
    validate_schema(schema)
    assert set(schema["paths"]) == {
        "/api/determinations/",
        "/api/determinations/{case_number}/",
        "/api/letters/",
        "/api/jobs/{id}/files/",
        "/api/jobs/",
        "/api/jobs/{id}/",
    }
    params = {p["name"] for p in schema["paths"]["/api/determinations/"]["get"]["parameters"]}
    assert params >= {"decision", "specialty", "year", "page", "page_size"}
    assert "DeterminationDetail" in schema["components"]["schemas"]


def test_whole_project_schema_generates(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(out), "--validate")
    assert "/api/determinations/{case_number}/" in out.read_text()


def test_schema_endpoint(api, db):
    response = api.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/determinations/" in response.content
