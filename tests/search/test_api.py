"""GET /api/search/ and /api/search/sections/ over the 150 real letters, and their OpenAPI schema."""

from __future__ import annotations

import pytest

from tests.support import oracle
from tests.support.corpus_fixtures import HOSTILE_CASE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_corpus_index")]


def test_search_response_shape(client):
    response = client.get("/api/search/", {"q": "MBB"})
    assert response.status_code == 200
    data = response.json()
    assert set(data) >= {
        "count",
        "count_exact",
        "page",
        "page_size",
        "num_pages",
        "next",
        "previous",
        "query",
        "decisions",
        "summary",
        "results",
        "facets",
        "facet_alternatives",
        "suggestions",
    }
    assert data["count"] >= 1 and data["page"] == 1 and data["page_size"] == 20
    assert data["query"]["procedures"][:2] == ["medial branch block", "facet joint injection"]
    assert data["query"]["matched_on"] == "request"
    assert "medial branch block" in data["query"]["expansions"]
    assert set(data["decisions"]) == {"total", "Upheld", "Overturned"}
    first = data["results"][0]
    assert set(first) >= {"id", "case_number", "decision_date", "items", "highlights", "url", "matched"}
    assert first["url"] == (
        f"/determinations/{first['case_number']}/" if first["case_number"] else f"/determinations/id/{first['id']}/"
    )
    item = first["items"][0]
    assert set(item) >= {
        "order",
        "request",
        "title",
        "decision",
        "matched",
        "procedure",
        "procedure_category",
        "body_region",
        "guideline_documents",
        "guideline_sections",
        "sections",
        "highlights",
    }
    assert any(
        i["matched"] and i["procedure"] in ("medial branch block", "facet joint injection") for i in first["items"]
    )
    for name in [
        "decision",
        "procedure_category",
        "procedure",
        "body_region",
        "guideline_document",
        "guideline_section",
        "specialty",
        "decision_year",
    ]:
        assert name in data["facets"]
        for fv in data["facets"][name]:
            assert set(fv) == {"value", "count"} and fv["count"] > 0


def test_counts_are_decisions_and_letters(client):
    data = client.get("/api/search/", {"q": "physical therapy", "decision": "Upheld"}).json()
    case = next(c for c in oracle.PROCEDURE_CASES if c.q == "physical therapy" and not c.filters)
    expected = {i for i in case.expected() if oracle.decisions_of({i})["Upheld"]}
    assert data["decisions"] == {"total": len(expected), "Upheld": len(expected), "Overturned": 0}
    assert data["count"] == len(oracle.letters_of(expected)) and data["count_exact"] is True
    assert data["facets"]["decision"] == [{"value": "Upheld", "count": len(expected)}]
    every = oracle.decisions_of(case.expected())
    assert {f["value"]: f["count"] for f in data["facet_alternatives"]["decision"]} == dict(every)
    summary = data["summary"]
    assert (summary["decisions"], summary["upheld"], summary["overturned"]) == (len(expected), len(expected), 0)
    assert summary["overturn_rate"] == 0.0 and summary["overturn_rate_ci95"][0] == 0.0


def test_every_item_of_a_listed_letter_with_its_1_based_order(client):
    from cases.models import DisputedItem

    data = client.get("/api/search/", {"q": "Norco"}).json()
    for letter in data["results"]:
        db = list(DisputedItem.objects.filter(determination_id=letter["id"]).order_by("order"))
        assert [(i["order"], i["request"]) for i in letter["items"]] == [(d.order + 1, d.request) for d in db]
        assert letter["matched"] == sum(i["matched"] for i in letter["items"]) >= 1


def test_filters_or_within_and_across_facets(client):
    upheld = client.get("/api/search/", {"decision": "Upheld"}).json()["decisions"]["total"]
    overturned = client.get("/api/search/", {"decision": "Overturned"}).json()["decisions"]["total"]
    either = client.get("/api/search/?decision=Upheld&decision=Overturned").json()
    assert either["decisions"]["total"] == upheld + overturned == len(oracle.ids(oracle.items()))
    both = client.get("/api/search/", {"decision": "Overturned", "procedure": "MRI"}).json()
    expected = oracle.ids(oracle.items().filter(decision="Overturned", procedure="MRI"))
    assert both["decisions"]["total"] == len(expected) and both["count"] == len(oracle.letters_of(expected))
    assert both["query"]["filters"] == {"decision": ["Overturned"], "procedure": ["MRI"]}


def test_pages_do_not_overlap_and_link_to_each_other(client):
    one = client.get("/api/search/", {"q": "physical therapy", "page_size": 5}).json()
    assert one["num_pages"] >= 2 and one["previous"] is None
    assert one["next"] == "/api/search/?q=physical+therapy&page_size=5&page=2"
    two = client.get(one["next"]).json()
    assert two["previous"] == "/api/search/?q=physical+therapy&page_size=5"
    assert not {r["id"] for r in one["results"]} & {r["id"] for r in two["results"]}
    beyond = client.get("/api/search/", {"q": "physical therapy", "page": 99}).json()
    assert beyond["results"] == [] and beyond["next"] is None and beyond["count"] == one["count"]


def test_highlights_escape_letter_markup(client):
    data = client.get("/api/search/", {"q": "zqxss"}).json()
    hit = next(r for r in data["results"] if r["case_number"] == HOSTILE_CASE)
    snippets = [s for item in hit["items"] for values in item["highlights"].values() for s in values]
    assert snippets and all("<script" not in s and "<b>" not in s for s in snippets)
    assert any("<mark>zqxss</mark>" in s for s in snippets)


def test_a_typo_is_corrected_and_said(client):
    data = client.get("/api/search/", {"q": "lumbr mri"}).json()
    assert data["query"]["q"] == "lumbr mri" and data["query"]["corrected"] == "lumbar mri"
    assert data["decisions"] == client.get("/api/search/", {"q": "lumbar MRI"}).json()["decisions"]
    nothing = client.get("/api/search/", {"q": "acupunture xyzzy"}).json()
    assert nothing["count"] == 0 and "acupuncture" in nothing["suggestions"]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"page": "0"}, "page"),
        ({"page_size": "1000"}, "page_size"),
        ({"sort": "sideways"}, "sort"),
        ({"date_from": "2017-13-01"}, "date_from"),
        ({"date_from": "2017-02-01", "date_to": "2017-01-01"}, "date_to"),
        ({"q": "x" * 501}, "q"),
    ],
)
def test_invalid_parameters_are_400_naming_the_parameter(client, params, field):
    response = client.get("/api/search/", params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_an_engine_failure_is_a_plain_503(client, settings):
    import socket

    from search.backends import reset_backend

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once the socket is closed
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{port}"
    reset_backend()
    response = client.get("/api/search/", {"q": "MRI"})
    assert response.status_code == 503
    message = response.json()["errors"]["backend"][0]
    assert message == "The search index is unavailable right now; please try again shortly."
    html = client.get("/search/", {"q": "MRI"}).content.decode()
    assert "The search index is unavailable right now" in html and "127.0.0.1" not in html


def test_sections_endpoint(client):
    response = client.get("/api/search/sections/", {"q": "facet"})
    assert response.status_code == 200
    data = response.json()
    assert data["query"]["target"] == "sections"
    assert set(data) >= {"count", "page", "num_pages", "next", "previous", "results", "facets"}
    for r in data["results"]:
        assert set(r) >= {"document", "title", "highlights"}


def test_openapi_schema_documents_search(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    op = schema["paths"]["/api/search/"]["get"]
    names = {p["name"] for p in op["parameters"]}
    assert {
        "q",
        "widen",
        "sort",
        "page",
        "page_size",
        "date_from",
        "date_to",
        "decision",
        "procedure",
        "procedure_category",
        "body_region",
        "guideline_document",
        "guideline_section",
        "specialty",
        "decision_year",
    } <= names
    ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    body = schema["components"]["schemas"][ref]
    assert {"count", "decisions", "summary", "results", "facets", "page", "num_pages", "next"} <= set(
        body["properties"]
    )
    assert "/api/search/sections/" in schema["paths"]
