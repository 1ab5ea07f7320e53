"""The API as a client sees it in production: token authentication for writes, one pagination
shape, 400 (never 500) for bad parameters, and citations carrying their guideline link."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases.models import Determination, GuidelineCitation
from guidelines.models import CitationLink
from pipeline.catalog import load_catalog
from tests.support.letter_fixtures import LINKED_CASE as CASE

pytestmark = pytest.mark.django_db
PAGE_KEYS = {"count", "page", "page_size", "num_pages", "next", "previous", "results"}


@pytest.fixture
def api():
    return APIClient()


def test_anonymous_write_is_401_with_a_token_challenge(api, ingested):
    response = api.post("/api/determinations/", {})
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert "credentials were not provided" in response.json()["detail"]


def test_token_from_the_admin_authenticates(api, admin_client, ingested):
    """An admin creates a token in the admin (authtoken's own admin page); the token then
    authenticates API requests: a write reaches the view (405: determinations are read-only)."""
    user = User.objects.create_user("integrator", password="unused-here")
    response = admin_client.post("/admin/authtoken/tokenproxy/add/", {"user": user.pk})
    assert response.status_code == 302, response.content[:2000]
    key = Token.objects.get(user=user).key
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.post("/api/determinations/", {}).status_code == 405
    assert api.get("/api/determinations/").status_code == 200
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    bad = api.post("/api/determinations/", {})
    assert bad.status_code == 401 and bad.json()["detail"] == "Invalid token."


@pytest.mark.parametrize("url", ["/api/determinations/", "/api/guidelines/"])
def test_every_list_endpoint_has_one_pagination_shape(api, ingested, url):
    load_catalog()
    first = api.get(url, {"page_size": 2}).json()
    assert set(first) == PAGE_KEYS
    assert first["page"] == 1 and first["page_size"] == 2 and first["previous"] is None
    assert first["num_pages"] == -(-first["count"] // 2) and len(first["results"]) == 2
    # Links are paths with the query string, like /api/search/'s: right behind any proxy.
    assert first["next"] == f"{url}?page=2&page_size=2"
    second = api.get(first["next"]).json()
    assert set(second) == PAGE_KEYS and second["page"] == 2
    assert second["previous"] == f"{url}?page_size=2"


@pytest.mark.parametrize(
    "params, name, fragment",
    [
        ({"year": "0"}, "year", "from 1 to 9999"),
        ({"year": "10000"}, "year", "from 1 to 9999"),
        ({"year": "99999999999999999999"}, "year", "from 1 to 9999"),
        ({"year": "twenty"}, "year", "from 1 to 9999"),
        ({"decision": "Maybe"}, "decision", "not one of Upheld, Overturned"),
        ({"decision": "100%"}, "decision", "'100%' is not one of"),
        ({"specialty": "%s%(x)s"}, None, None),  # any text is a fine specialty: 200, no match
        ({"parse_status": "great"}, "parse_status", "great"),
        ({"page": "0"}, "page", "whole number"),
        ({"page": "abc"}, "page", "whole number"),
        ({"page": "99999999999999999999"}, "page", "whole number"),
        ({"page_size": "0"}, "page_size", "from 1 to 100"),
        ({"page_size": "1000"}, "page_size", "from 1 to 100"),
    ],
)
def test_bad_parameters_are_400_with_a_message(api, ingested, params, name, fragment):
    response = api.get("/api/determinations/", params)
    if name is None:
        assert response.status_code == 200 and response.json()["count"] == 0
        return
    assert response.status_code == 400, response.content[:500]
    messages = response.json()[name]
    assert any(fragment in m for m in messages), messages


def test_bad_parameters_of_the_guidelines_list_are_400(api, db):
    assert api.get("/api/guidelines/", {"page": "-1"}).status_code == 400
    assert api.get("/api/guidelines/", {"page_size": "x"}).status_code == 400


def test_good_year_and_decision_still_filter(api, ingested):
    year = Determination.objects.get(case_number=CASE).decision_date.year
    expected = set(
        Determination.objects.filter(decision_date__year=year)
        .exclude(parse_status="failed")
        .values_list("case_number", flat=True)
    )
    got = {
        r["case_number"] for r in api.get("/api/determinations/", {"year": year, "page_size": 100}).json()["results"]
    }
    assert got == expected
    # Case-insensitive decision, as before django-filter.
    lower = api.get("/api/determinations/", {"decision": "overturned"}).json()
    assert {r["case_number"] for r in lower["results"]} == {"CM16-0229336"}


def test_unknown_api_url_is_a_json_404(api, db):
    response = api.get("/api/no-such-endpoint/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_citations_carry_their_guideline_link(api, linked_letter):
    data = api.get(f"/api/determinations/{CASE}/").json()
    citations = [c for item in data["items"] for c in item["citations"]]
    # Oracle: the CitationLink rows of this letter, read straight from the ORM.
    rows = {
        (c.party, c.order, c.item.order): c for c in GuidelineCitation.objects.filter(item__determination=linked_letter)
    }
    assert len(citations) == len(rows)
    linked_sections = 0
    for item in data["items"]:
        for cit in item["citations"]:
            row = rows[(cit["party"], cit["order"], item["order"])]
            link = CitationLink.objects.filter(citation=row).first()
            if link is None:
                assert cit["link"] is None
                continue
            assert cit["link"]["method"] == link.method
            if link.document is None:
                assert cit["link"]["document"] is None
                continue
            assert cit["link"]["document"]["slug"] == link.document.slug
            assert cit["link"]["document"]["url"] == f"http://testserver/guidelines/{link.document.slug}/"
            expected = sorted((s.document.slug, s.anchor) for s in link.sections.all())
            assert sorted((s["document"], s["anchor"]) for s in cit["link"]["sections"]) == expected
            linked_sections += len(expected)
    assert linked_sections >= 2
    facet = next(s for c in citations if c["link"] for s in c["link"]["sections"] if s["anchor"] == "facet-blocks")
    assert facet["url"] == "http://testserver/guidelines/mtus-chronic-pain-2016/facet-blocks/"
    assert facet["api_url"] == "http://testserver/api/guidelines/mtus-chronic-pain-2016/sections/facet-blocks/"
    # The section URLs answer.
    assert api.get(facet["api_url"]).json()["title"] == "Facet blocks"
    assert api.get(facet["url"]).status_code == 200
