"""A word naming a procedure in any of its forms selects that procedure's decisions, over the real
letters (issue 14): "shockwave" alone, "chiro", "FRP", "UDS", a brand alone, in any case or spelling
variant, through the search API. Expected decisions come from the database (the ORM and patterns
over the request text), never from the search or taxonomy code. Text queries say where each
decision matched.
"""

from __future__ import annotations

import re

import pytest

from cases.models import DisputedItem
from tests.support import oracle

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_corpus_index")]


def search(client, q: str, **params) -> dict:
    response = client.get("/api/search/", {"q": q, "page_size": 100, **params})
    assert response.status_code == 200, response.content[:300]
    return response.json()


def matched(data: dict) -> set[int]:
    return {i["id"] for r in data["results"] for i in r["items"] if i["matched"]}


def items_where(procedures: list[str], request: str) -> set[int]:
    rx = re.compile(request, re.I)
    return {
        i.pk
        for i in oracle.items()
        if i.procedure in procedures or rx.search(f"{i.request}\n{i.disputed_portion or ''}")
    }


@pytest.mark.parametrize(
    "forms, procedure, pattern",
    [
        (
            ["shockwave", "Shock-wave", "shock wave", "shockwave therapy", "ESWT"],
            "extracorporeal shockwave therapy (ESWT)",
            r"shock.?wave|\bESWT\b",
        ),
        (
            ["chiro", "Chiro", "chiropractic", "chiropractic treatments"],
            "chiropractic manipulation",
            r"chiropract|\bchiro\b",
        ),
        (["Percocet", "Roxicodone", "oxycodone", "Oxycodon"], "oxycodone", r"oxycod|percocet|roxicodone|endocet"),
        (["Norco", "norco", "Vicodin", "Lortab"], "hydrocodone/acetaminophen", r"norco|hydrocodone|vicodin|lortab"),
    ],
)
def test_every_form_selects_the_same_decisions(client, forms, procedure, pattern):
    expected = items_where([procedure], pattern)
    assert expected
    for q in forms:
        data = search(client, q)
        assert procedure in data["query"]["procedures"], q
        assert data["query"]["matched_on"] == "request", q
        assert matched(data) == expected, q
        assert data["decisions"]["total"] == len(expected), q


def test_shockwave_selects_the_decision_not_every_decision_of_letters_mentioning_it(client):
    data = search(client, "shockwave")
    letters_mentioning = {
        i.determination_id
        for i in oracle.items().select_related("determination")
        if re.search(r"shock.?wave", f"{i.rationale}\n{i.determination.clinical_summary}", re.I)
    }
    in_those_letters = oracle.ids(oracle.items().filter(determination_id__in=letters_mentioning))
    assert len(matched(data)) == 1 < len(in_those_letters)


@pytest.mark.parametrize("forms", [["FRP", "frp", "functional restoration program", "functional restoration"]])
def test_frp_finds_functional_restoration_programs_only(client, forms):
    frp = oracle.ids(oracle.items().filter(procedure="functional restoration program"))
    # The demo's two acute inpatient rehabilitation stays and its psychiatric partial
    # hospitalization are not functional restoration programs.
    misfiled = oracle.ids(
        oracle.items().filter(request__iregex=r"inpatient rehabilitation|acute rehabilitation unit|partial hospitali")
    )
    assert len(misfiled) == 3 and not (misfiled & frp)
    for item in DisputedItem.objects.filter(pk__in=misfiled):
        assert item.procedure_category != "functional restoration/programs", item.request
        assert item.request_category and not item.request_category.startswith("Programs"), item.request
    for q in forms:
        data = search(client, q)
        assert "functional restoration program" in data["query"]["procedures"], q
        assert matched(data) == frp and not (matched(data) & misfiled), q


def test_uds_and_urine_drug_test_are_one_procedure(client):
    expected = items_where(["urine drug screen"], r"urine drug|\bUDS\b|\bUDT\b|toxicolog")
    for q in ["UDS", "uds", "urine drug test", "urine drug screen", "urine drug testing", "UDT"]:
        data = search(client, q)
        assert data["query"]["procedures"] == ["urine drug screen"], q
        assert matched(data) == expected, q


def test_the_dwc_category_facet_counts_what_selecting_it_returns(client):
    data = search(client, "")
    values = {f["value"]: f["count"] for f in data["facets"]["request_category"]}
    counts = oracle.facet_counts()["request_category"]
    assert values == dict(counts)
    lines = set((oracle_vocabulary()))
    assert set(values) <= lines
    for value in ["Pharmaceuticals › Opioids", "Rehabilitation › Chiropractic"]:
        assert search(client, "", request_category=value)["decisions"]["total"] == counts[value]


def oracle_vocabulary() -> list[str]:
    from tests.support import SHARED_DATA

    path = SHARED_DATA / "dwc-search-vocabulary" / "request-categories.txt"
    return [" ".join(line.split()) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_text_queries_say_where_each_decision_matched(client):
    """ "radiculopathy" names no procedure: a decision matches when a word is in its request,
    rationale, quotes or its letter's summary, and says which; one found only through the
    summary reads as such on the page."""
    data = search(client, "radiculopathy")
    assert data["query"]["matched_on"] == "text"
    rx = re.compile(r"radiculopath", re.I)
    items = {i.pk: i for i in oracle.items().select_related("determination").prefetch_related("quoted_passages")}
    summary_only = 0
    for letter in data["results"]:
        for entry in letter["items"]:
            if not entry["matched"]:
                assert entry["matched_in"] == []
                continue
            item = items[entry["id"]]
            quotes = "\n".join(q.text for q in item.quoted_passages.all())
            where = {
                "request": bool(rx.search(f"{item.request}\n{item.disputed_portion or ''}")),
                "rationale": bool(rx.search(item.rationale)),
                "quotes": bool(rx.search(quotes)),
                "summary": bool(rx.search(item.determination.clinical_summary)),
            }
            assert entry["matched_in"] == [k for k, v in where.items() if v], (entry["id"], entry["matched_in"])
            summary_only += entry["matched_in"] == ["summary"]
    assert summary_only > 0
    html = client.get("/search/", {"q": "radiculopathy", "page_size": 100}).content.decode()
    assert html.count("Matched only in the letter's clinical summary") == summary_only
