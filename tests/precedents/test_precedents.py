"""The precedent finder end to end: `manage.py precedents --json`, GET/POST /api/precedents/, the
/precedents/ page and the similar decisions on each letter page, over the 150 real letters (plus
the seed letter and a letter with markup in it: tests/web/test_search_page.py's corpus), on the
embedded engine and again on osmem-server.

Expected values come from the database (tests/support/oracle.py, precedent_oracle.py): which
decisions have the request's procedure, their outcomes, the reviewers' quotes and the guideline
sections their citations link to; the request is parsed by the product (the taxonomy classifies
it), the oracle names the procedure by hand.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from html import unescape
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from cases.models import Determination, DisputedItem, GuidelineCitation
from guidelines.models import QuotedPassage
from tests.support.corpus_fixtures import HOSTILE_CASE
from tests.support.precedent_oracle import PRECEDENT_CASES, PrecedentCase

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_corpus_index")]

MBB = PrecedentCase("bilateral L4-5 medial branch blocks", "medial branch block")
LUMBAR_MRI = next(c for c in PRECEDENT_CASES if c.procedure == "MRI" and "lumbar spine" in c.regions)
NORCO = next(c for c in PRECEDENT_CASES if c.procedure == "hydrocodone/acetaminophen")
TOP_KEYS = {"total", "outcomes", "results"}


def command(*args) -> dict:
    out = StringIO()
    call_command("precedents", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def items_of(results) -> list[DisputedItem]:
    by_id = DisputedItem.objects.select_related("determination").in_bulk([r["id"] for r in results])
    return [by_id[r["id"]] for r in results]


def check_ranking(data: dict, case: PrecedentCase, exclude_letters=()):
    """Same procedure (and region) first, then the rest, as the database says; the numbers agree."""
    results = data["results"]
    items = items_of(results)
    for r, item in zip(results, items):
        assert r["case_number"] == item.determination.case_number
        assert r["order"] == item.order + 1
        assert r["request"] == item.request and r["decision"] == item.decision
    same, elsewhere = case.tiers(exclude_letters)
    expected_head = [same, elsewhere]
    position = 0
    for group in expected_head:
        n = min(len(group), len(results) - position)
        assert {r["id"] for r in results[position : position + n]} <= group and n == len(
            {r["id"] for r in results[position : position + n]}
        )
        position += n
    assert all(item.procedure != case.procedure for item in items[position:])
    assert [r["same_procedure"] for r in results] == [item.procedure == case.procedure for item in items]
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    assert data["total"] == len(results)
    counts = Counter(item.decision for item in items)
    assert data["outcomes"] == {"Upheld": counts["Upheld"], "Overturned": counts["Overturned"]}


# --- manage.py precedents --json -------------------------------------------------------------------


def test_command_json_has_exactly_the_evaluated_keys_best_first():
    data = command(MBB.request)
    assert set(data) == TOP_KEYS
    assert set(data["outcomes"]) == {"Upheld", "Overturned"}
    assert len(data["results"]) >= 20
    for r in data["results"]:
        assert {"case_number", "order", "request", "decision", "score"} <= set(r)
        assert isinstance(r["order"], int) and r["order"] >= 1 and isinstance(r["score"], float)
    # The seed letter's lumbar medial branch block request comes first: the only one like it.
    first = items_of(data["results"][:1])[0]
    assert first.procedure == "medial branch block" and first.determination.case_number is None
    assert data["results"][0]["case_number"] is None
    check_ranking(data, MBB)


@pytest.mark.parametrize("case", PRECEDENT_CASES, ids=lambda c: c.request)
def test_command_ranks_as_the_database_says(case):
    check_ranking(command(case.request, "--size", "100"), case)


def test_a_pasted_summary_finds_the_letter_it_came_from():
    item = DisputedItem.objects.select_related("determination").filter(procedure="MRI").order_by("pk")[3]
    data = command(item.request, "--summary", item.determination.clinical_summary)
    assert data["results"][0]["case_number"] == item.determination.case_number
    check_ranking(data, PrecedentCase(item.request, "MRI", *_region_of(item)))


def _region_of(item):
    from tests.support.oracle import CERVICAL, LUMBAR

    if re.search(LUMBAR, item.request, re.I):
        return LUMBAR, ["lumbar spine"]
    if re.search(CERVICAL, item.request, re.I):
        return CERVICAL, ["cervical spine"]
    raise AssertionError(f"pick an MRI of the lumbar or cervical spine, not {item.request!r}")


def test_exclude_leaves_a_letter_out():
    whole = command(LUMBAR_MRI.request, "--size", "100")
    case = whole["results"][0]["case_number"]
    letter = Determination.objects.get(case_number=case).pk
    data = command(LUMBAR_MRI.request, "--size", "100", "--exclude", case)
    assert case not in {r["case_number"] for r in data["results"]}
    check_ranking(data, LUMBAR_MRI, exclude_letters=[letter])
    with pytest.raises(CommandError, match="No letter with case number 'CM00-0000000'"):
        command(LUMBAR_MRI.request, "--exclude", "CM00-0000000")
    with pytest.raises(CommandError, match="request"):
        command("")


def test_text_output():
    out = StringIO()
    call_command("precedents", NORCO.request, stdout=out)
    text = out.getvalue()
    assert "read as: hydrocodone/acetaminophen" in text
    data = command(NORCO.request)
    assert f"{data['total']} precedent(s): {data['outcomes']['Upheld']} upheld" in text


# --- the API ---------------------------------------------------------------------------------------


def test_api_get_and_post_answer_as_the_command(client):
    printed = command(NORCO.request, "--summary", "chronic low back pain on opioids", "--size", "30")
    got = client.get(
        "/api/precedents/", {"request": NORCO.request, "summary": "chronic low back pain on opioids", "size": 30}
    )
    assert got.status_code == 200
    data = got.json()
    assert {k: data[k] for k in TOP_KEYS} == printed
    assert data["query"]["procedure"] == "hydrocodone/acetaminophen" and data["query"]["with_summary"]
    posted = client.post(
        "/api/precedents/",
        {"request": NORCO.request, "summary": "chronic low back pain on opioids", "size": 30},
        content_type="application/json",
    )
    assert posted.status_code == 200 and posted.json() == data
    form = client.post(
        "/api/precedents/", {"request": NORCO.request, "summary": "chronic low back pain on opioids", "size": "30"}
    )
    assert form.status_code == 200 and form.json() == data


def test_api_quotes_and_sections_come_from_the_database(client):
    data = client.get("/api/precedents/", {"request": LUMBAR_MRI.request, "size": 40}).json()
    quoted = 0
    for r in data["results"]:
        texts = list(
            QuotedPassage.objects.filter(item_id=r["id"]).order_by("order", "pk").values_list("text", flat=True)
        )
        assert [q["text"] for q in r["quotes"]] == texts
        quoted += len(texts)
        labels = set()
        for c in GuidelineCitation.objects.filter(item_id=r["id"], party="maximus", link__isnull=False).select_related(
            "link"
        ):
            labels |= {s.qualified_label for s in c.link.sections.select_related("document")}
        assert {s["label"] for s in r["sections"]} == labels
    assert quoted > 0, "no reviewer quote among 40 lumbar MRI precedents"
    cited = Counter(s["label"] for r in data["results"] for s in r["sections"])
    assert [(s["label"], s["count"]) for s in data["relied_on"]] == sorted(
        cited.items(), key=lambda kv: (-kv[1], kv[0])
    )[:8]
    top = data["relied_on"][0]
    assert top["upheld"] + top["overturned"] <= top["count"]
    for q in top["quotes"]:
        assert QuotedPassage.objects.filter(text=q["text"], section__isnull=False).exists()


@pytest.mark.parametrize(
    "params",
    [{"request": LUMBAR_MRI.request, "size": 100}, {"request": NORCO.request, "summary": "opioid weaning " * 200}],
)
def test_api_makes_one_sql_query_whatever_the_results(client, django_assert_max_num_queries, params):
    with django_assert_max_num_queries(1):  # the quotes
        assert client.get("/api/precedents/", params).status_code == 200
    with django_assert_max_num_queries(2):  # and the excluded letter's id
        assert client.get("/api/precedents/", {**params, "exclude": "CM16-0219557"}).status_code == 200


def test_api_errors_name_the_parameter(client):
    for params, name in [
        ({}, "request"),
        ({"request": "MRI", "size": 0}, "size"),
        ({"request": "MRI", "size": 101}, "size"),
        ({"request": "x" * 1001}, "request"),
        ({"request": "MRI", "exclude": "CM00-0000000"}, "exclude"),
    ]:
        response = client.get("/api/precedents/", params)
        assert response.status_code == 400 and name in response.json()["errors"], (params, response.content)
    bad = client.post("/api/precedents/", "[1, 2]", content_type="application/json")
    assert bad.status_code == 400


def test_openapi_schema_documents_precedents(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    path = schema["paths"]["/api/precedents/"]
    assert {"get", "post"} <= set(path)
    assert {p["name"] for p in path["get"]["parameters"]} >= {"request", "summary", "exclude", "size"}
    ref = path["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    body = schema["components"]["schemas"][ref]
    assert {"total", "outcomes", "results", "relied_on", "query"} <= set(body["properties"])
    assert "requestBody" in path["post"]


# --- the page --------------------------------------------------------------------------------------


def test_page_form_and_answer(client):
    empty = client.get("/precedents/")
    assert empty.status_code == 200
    html = empty.content.decode()
    assert 'id="precedent-form"' in html and 'id="precedents"' not in html and 'href="/precedents/"' in html
    response = client.post("/precedents/", {"request": NORCO.request, "summary": "chronic low back pain on opioids"})
    assert response.status_code == 200
    html = response.content.decode()
    data = client.get(
        "/api/precedents/", {"request": NORCO.request, "summary": "chronic low back pain on opioids"}
    ).json()
    listed = re.findall(r'<li class="card precedent[^"]*" data-case="([^"]*)" data-order="(\d+)"', html)
    assert listed == [(r["case_number"] or "", str(r["order"])) for r in data["results"]]
    assert f'<strong class="n-upheld">{data["outcomes"]["Upheld"]}</strong>' in html
    assert f'<strong class="n-overturned">{data["outcomes"]["Overturned"]}</strong>' in html
    assert "<strong>hydrocodone/acetaminophen</strong>" in html
    assert 'name="csrfmiddlewaretoken"' in html
    # A letter page's link asks by GET.
    linked = client.get("/precedents/", {"request": NORCO.request})
    assert linked.status_code == 200 and 'id="precedents"' in linked.content.decode()


def test_page_escapes_letter_text_and_reports_errors(client):
    html = client.get(
        "/precedents/", {"request": "MRI of the lumbar spine without contrast", "size": 100}
    ).content.decode()
    assert HOSTILE_CASE in html
    assert "<b>zqxss</b>" not in html and "&lt;b&gt;zqxss&lt;/b&gt;" in html
    too_long = "MRI " * 300
    html = client.get("/precedents/", {"request": too_long}).content.decode()
    assert 'id="form-errors"' in html and 'id="precedents"' not in html
    assert (
        unescape(re.search(r'name="request" id="id_request"[^>]*value="([^"]*)"', html).group(1))
        == too_long.strip()[:1000]
    )


# --- the letter page -------------------------------------------------------------------------------


def _similar_sections(html: str) -> list[list[str]]:
    sections = re.findall(r'<section class="similar"[^>]*>(.*?)</section>', html, re.S)
    return [re.findall(r'<li><a href="([^"]+)"', s) for s in sections]


def test_letter_page_lists_similar_decisions_from_other_letters(client):
    from precedents.payload import find, payload
    from precedents.query import PrecedentParams

    det = Determination.objects.get(case_number="CM17-0010006")
    items = list(det.items.order_by("order"))
    assert len(items) >= 5
    html = client.get(f"/determinations/{det.case_number}/").content.decode()
    listed = _similar_sections(html)
    assert len(listed) == len(items)
    for item, links in zip(items, listed):
        assert 1 <= len(links) <= 5
        assert not any(link.startswith(f"/determinations/{det.case_number}/") for link in links)
        expected = payload(
            find(PrecedentParams(request=item.request, summary=det.clinical_summary, exclude_letters=[det.pk], size=5))
        )["results"]
        assert links == [r["url"] for r in expected]
    assert html.count("css/precedents.css") == 1
    assert "/precedents/?request=" in html and f"exclude={det.case_number}" in html


def test_letter_page_similar_decisions_add_no_sql(client, settings):
    """The page's SQL with the similar decisions is the page's SQL without them."""
    counts = {}
    for case in ("CM16-0219557", "CM17-0010006"):
        with CaptureQueriesContext(connection) as with_section:
            assert client.get(f"/determinations/{case}/").status_code == 200
        blank = [
            {
                **settings.TEMPLATES[0],
                "APP_DIRS": False,
                "OPTIONS": {
                    **settings.TEMPLATES[0]["OPTIONS"],
                    "loaders": [
                        ("django.template.loaders.locmem.Loader", {"precedents/_similar_decisions.html": ""}),
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                },
            }
        ]
        with override_settings(TEMPLATES=blank), CaptureQueriesContext(connection) as without:
            html = client.get(f"/determinations/{case}/").content.decode()
            assert 'class="similar"' not in html
        counts[case] = (len(with_section), len(without))
    assert all(a == b for a, b in counts.values()), counts


# --- the same on Elasticsearch (osmem-server) --------------------------------------------------------


@pytest.mark.services
def test_precedents_on_elasticsearch(client, on_elasticsearch):
    test_command_json_has_exactly_the_evaluated_keys_best_first()
    for case in PRECEDENT_CASES:
        test_command_ranks_as_the_database_says(case)
    test_exclude_leaves_a_letter_out()
    test_api_quotes_and_sections_come_from_the_database(client)
    test_page_form_and_answer(client)
    test_letter_page_lists_similar_decisions_from_other_letters(client)
