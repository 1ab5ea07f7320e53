"""The export's request_category column: the DWC's "Category › Sub-category" of every decision,
exactly as procedures/data/dwc-request-categories.txt spells it (its first spelling where the list
has two), checked against the shared vocabulary file and the database."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from tests.support import SHARED_DATA, oracle

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_corpus_index")]

SECOND_SPELLINGS = {
    "Pharmaceuticals › Benzodiazepines",
    "Pharmaceuticals › Asthma Medications",
    "Pharmaceuticals › Histamine 2",
}


def vocabulary() -> list[str]:
    path = SHARED_DATA / "dwc-search-vocabulary" / "request-categories.txt"
    return [" ".join(line.split()) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_decision_has_a_dwc_category_spelt_as_the_list_does():
    out = StringIO()
    call_command("search", "", "--format", "jsonl", stdout=out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    items = {
        (i.determination.case_number or "", i.order + 1): i for i in oracle.items().select_related("determination")
    }
    assert {(r["case_number"], r["order"]) for r in rows} == set(items)
    allowed = set(vocabulary()) - SECOND_SPELLINGS
    for row in rows:
        assert row["request_category"] in allowed, row
        assert row["request_category"] == items[(row["case_number"], row["order"])].request_category


def test_the_csv_has_the_column():
    out = StringIO()
    call_command("search", "Norco", "--format", "csv", stdout=out)
    header, first = out.getvalue().splitlines()[:2]
    assert "request_category" in header.split(",")
    assert "Pharmaceuticals › Opioids" in first
