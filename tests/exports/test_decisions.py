"""Exports (exports.decisions): every decision a search counts, as CSV and JSON lines, from the API,
the search page's links and `manage.py search --format`, on both backends, over the real letters.

Expected rows come from the database (tests/support/oracle.py and the ORM), never from the export
or search code.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from html import unescape
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import DisputedItem, GuidelineCitation
from exports import decisions as export
from tests.support import oracle
from tests.support.corpus_fixtures import HOSTILE_CASE
from tests.support.pages import figures

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_corpus_index")]

CASES = oracle.PROCEDURE_CASES
BASE = "http://testserver"


def body(response) -> str:
    assert response.status_code == 200, response.content[:300]
    assert response.streaming
    return b"".join(response.streaming_content).decode("utf-8")


def parse_csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline="")))


def parse_jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def api(client, fmt: str, params: dict) -> str:
    return body(client.get(f"/api/search/export.{fmt}", params))


def cli(fmt: str, q: str, filters: dict | None = None, *extra) -> str:
    args = ["search", q, "--format", fmt, "--base-url", BASE, *extra]
    for facet, values in (filters or {}).items():
        args += [f"--filter={facet}={v}" for v in values]
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def oracle_pairs(ids: set[int]) -> set[tuple[str, int]]:
    return {
        (case or "", order + 1)
        for case, order in DisputedItem.objects.filter(pk__in=ids).values_list("determination__case_number", "order")
    }


def _check(client, case):
    """The export holds the oracle's decisions, as many as the page counts, in CSV and JSONL."""
    expected = case.expected()
    params = {"q": case.q, **case.filters}
    rows = parse_jsonl(api(client, "jsonl", params))
    assert {r["decision_id"] for r in rows} == expected
    assert len(rows) == len(expected) == figures(client.get("/search/", params).content.decode())[0]
    assert {(r["case_number"], r["order"]) for r in rows} == oracle_pairs(expected)
    table = parse_csv(api(client, "csv", params))
    assert [(r["case_number"], int(r["order"])) for r in table] == [(r["case_number"], r["order"]) for r in rows]
    assert list(table[0]) == export.CSV_COLUMNS


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.q}-{c.filters}")
def test_rows_are_the_decisions_the_search_counts(client, case):
    _check(client, case)


@pytest.mark.services
@pytest.mark.parametrize("case", [c for c in CASES if c.filters] + CASES[:3], ids=lambda c: f"{c.q}-{c.filters}")
def test_rows_are_the_decisions_the_search_counts_on_elasticsearch(client, on_elasticsearch, case):  # noqa: F811
    _check(client, case)


@pytest.mark.services
def test_both_engines_give_the_same_rows_in_the_same_order(client, settings, es_corpus):
    from search.backends import reset_backend

    params = {"q": "physical therapy", "decision_year": "2017"}
    embedded = api(client, "jsonl", params)
    for key, value in es_corpus.items():
        setattr(settings, key, value)
    reset_backend()
    assert api(client, "jsonl", params) == embedded
    assert len(parse_jsonl(embedded)) > 10


# --- what a row holds ----------------------------------------------------------------------------


def test_a_row_holds_the_decision_its_letter_citations_and_links(client):
    rows = parse_jsonl(api(client, "jsonl", {"q": "lumbar MRI"}))
    row = next(r for r in rows if r["case_number"] == HOSTILE_CASE)
    item = DisputedItem.objects.select_related("determination").get(pk=row["decision_id"])
    det = item.determination
    assert row["order"] == item.order + 1 and row["request"] == item.request and "<b>zqxss</b>" in row["request"]
    assert row["letter_url"] == f"{BASE}/determinations/{HOSTILE_CASE}/"
    assert (row["decision_date"], row["date_assigned"], row["decision_year"]) == (
        det.decision_date.isoformat(),
        det.date_assigned.isoformat(),
        det.decision_date.year,
    )
    assert row["days_to_decision"] == (det.decision_date - det.date_assigned).days
    assert row["reviewer_specialty"] == [s.strip() for s in det.reviewer_specialty]
    assert (row["patient_age"], row["patient_sex"], row["decision"], row["procedure"]) == (
        det.patient_age,
        det.patient_sex,
        item.decision,
        item.procedure,
    )
    assert row["rationale"] == item.rationale
    maximus = item.citations.filter(party=GuidelineCitation.Party.MAXIMUS).order_by("order")
    assert row["guideline_citations"] == [c.clause.strip() for c in maximus if c.clause.strip()]
    linked = {f"{s.document.label} › {s.label}" for c in maximus if hasattr(c, "link") for s in c.link.sections.all()}
    assert {s["label"] for s in row["guideline_sections"]} == linked
    assert linked
    for section in row["guideline_sections"]:
        assert client.get(section["url"].removeprefix(BASE)).status_code == 200
    assert client.get(row["letter_url"].removeprefix(BASE)).status_code == 200
    # A section's rows are as many as the search's facet counts for it.
    facet = client.get("/api/search/", {"q": "lumbar MRI"}).json()["facets"]["guideline_section"]
    special = next(f["count"] for f in facet if f["value"] == "Low Back Complaints (2004) › Special Studies")
    assert (
        special
        == sum(
            any(s["label"] == "Low Back Complaints (2004) › Special Studies" for s in r["guideline_sections"])
            for r in rows
        )
        >= 10
    )
    # The CSV says the same, lists joined.
    table = parse_csv(api(client, "csv", {"q": "lumbar MRI"}))
    flat = next(r for r in table if r["case_number"] == HOSTILE_CASE)
    assert flat["guideline_sections"] == " | ".join(s["label"] for s in row["guideline_sections"])
    assert flat["guideline_section_urls"] == " | ".join(s["url"] for s in row["guideline_sections"])
    assert flat["reviewer_specialty"] == " | ".join(row["reviewer_specialty"])
    assert flat["request"] == row["request"] and flat["rationale"] == row["rationale"]


def test_a_letter_without_a_case_number_links_by_id(client):
    rows = parse_jsonl(api(client, "jsonl", {"q": "MBB"}))
    seed = [r for r in rows if not r["case_number"]]
    assert seed and all(re.fullmatch(rf"{BASE}/determinations/id/\d+/", r["letter_url"]) for r in seed)


def test_rows_are_ordered_by_date_then_letter_then_decision(client):
    rows = parse_jsonl(api(client, "jsonl", {}))
    assert len(rows) == len(oracle.ids(oracle.items()))
    # Undated letters first, then by date.
    dates = [(r["decision_date"] is not None, r["decision_date"] or "") for r in rows]
    assert dates == sorted(dates) and len(set(dates)) > 30
    by_letter: dict[str, list[int]] = {}
    for r in rows:
        by_letter.setdefault(r["letter_url"], []).append(r["order"])
    assert all(orders == sorted(orders) for orders in by_letter.values())


def test_a_typo_exports_what_the_page_shows(client):
    html = client.get("/search/", {"q": "lumbr mri"}).content.decode()
    assert 'id="corrected"' in html
    assert api(client, "jsonl", {"q": "lumbr mri"}) == api(client, "jsonl", {"q": "lumbar mri"})


# --- one row builder for page, API and command line -----------------------------------------------


def test_the_page_links_the_api_and_the_command_line_give_identical_rows(client):
    params = {
        "q": "physical therapy",
        "decision": "Upheld",
        "body_region": "lumbar spine",
        "sort": "-date",
        "page": "2",
        "page_size": "5",
    }
    html = client.get("/search/", params).content.decode()
    links = {fmt: unescape(re.search(rf'href="([^"]+)" id="export-{fmt}"', html).group(1)) for fmt in export.FORMATS}
    # The query and filters carried; the page and the order are not (an export has them all).
    assert (
        links["csv"].startswith("/api/search/export.csv?")
        and "page=" not in links["csv"]
        and "sort" not in links["csv"]
    )
    assert "q=physical+therapy" in links["csv"] and "body_region=lumbar+spine" in links["csv"]
    from_page = {fmt: body(client.get(url)) for fmt, url in links.items()}
    query = {k: v for k, v in params.items() if k not in ("sort", "page", "page_size")}
    from_api = {fmt: api(client, fmt, query) for fmt in export.FORMATS}
    filters = {"decision": ["Upheld"], "body_region": ["lumbar spine"]}
    from_cli = {fmt: cli(fmt, "physical therapy", filters) for fmt in export.FORMATS}
    assert from_page == from_api
    assert parse_jsonl(from_cli["jsonl"]) == parse_jsonl(from_api["jsonl"])
    assert parse_csv(from_cli["csv"]) == parse_csv(from_api["csv"])
    total = figures(html)[0]
    assert len(parse_jsonl(from_api["jsonl"])) == total and f"Download the {total} decisions" in html


def test_no_download_links_without_decisions(client):
    html = client.get("/search/", {"q": "zzqqxx unknown words"}).content.decode()
    assert 'id="export-links"' not in html
    assert parse_csv(api(client, "csv", {"q": "zzqqxx unknown words"})) == []
    assert api(client, "jsonl", {"q": "zzqqxx unknown words"}) == ""


# --- headers, bad input -----------------------------------------------------------------------------


def test_headers_name_the_format_and_the_file(client):
    response = client.get("/api/search/export.csv", {"q": "lumbar MRI"}, HTTP_ACCEPT="text/csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="imr-decisions-lumbar-mri.csv"'
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeffcase_number,order,")  # the BOM spreadsheets need to read UTF-8
    response = client.get("/api/search/export.jsonl", {"q": "Norco", "decision": "Overturned"})
    assert response["Content-Type"] == "application/x-ndjson; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="imr-decisions-norco.jsonl"'
    assert client.get("/api/search/export.jsonl")["Content-Disposition"] == 'attachment; filename="imr-decisions.jsonl"'


@pytest.mark.parametrize(
    "params, name",
    [
        ({"date_from": "2017-13-01"}, "date_from"),
        ({"date_from": "2017-02-01", "date_to": "2017-01-01"}, "date_to"),
        ({"page": "0"}, "page"),
        ({"q": "x" * 501}, "q"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(client, params, name):
    for fmt in export.FORMATS:
        response = client.get(f"/api/search/export.{fmt}", params)
        assert response.status_code == 400
        assert name in response.json()["errors"]


def test_a_missing_index_is_a_503_before_any_row(client, settings, tmp_path):
    from search.backends import reset_backend

    settings.SEARCH_INDEX_DIR = tmp_path / "nothing-here"
    reset_backend()
    response = client.get("/api/search/export.csv", {"q": "MBB"})
    assert response.status_code == 503 and not response.streaming
    with pytest.raises(CommandError, match="search backend failed"):
        cli("csv", "MBB")


def test_the_command_refuses_what_an_export_cannot_be():
    with pytest.raises(CommandError, match="--format"):
        cli("csv", "MBB", None, "--sections")
    with pytest.raises(CommandError, match="invalid search"):
        cli("jsonl", "MBB", None, "--date-from", "2017-02-30")


# --- formulas, queries ---------------------------------------------------------------------------


def test_cells_a_spreadsheet_would_run_as_formulas_are_escaped(client):
    rows = parse_jsonl(api(client, "jsonl", {"q": "Norco"}))
    item = DisputedItem.objects.get(pk=rows[0]["decision_id"])
    item.request = '=HYPERLINK("http://evil.example","Norco")'
    item.disputed_portion = "+1+2"
    item.rationale = "@SUM(A1:A9) Norco"
    item.save()
    citation = item.citations.filter(party=GuidelineCitation.Party.MAXIMUS).first()
    citation.clause = "-2+3 MTUS"
    citation.save()
    table = parse_csv(api(client, "csv", {"q": "Norco"}))
    row = next(r for r in table if int(r["decision_id"]) == item.pk)
    assert row["request"] == '\'=HYPERLINK("http://evil.example","Norco")'
    assert row["disputed_portion"] == "'+1+2" and row["rationale"] == "'@SUM(A1:A9) Norco"
    assert row["guideline_citations"].startswith("'-2+3 MTUS")
    # JSON lines carry the text as it is (no spreadsheet reads them).
    again = next(r for r in parse_jsonl(api(client, "jsonl", {"q": "Norco"})) if r["decision_id"] == item.pk)
    assert again["request"].startswith("=HYPERLINK") and again["guideline_citations"][0] == "-2+3 MTUS"
    assert [export.csv_cell(v) for v in ("\tx", "\rx", "a=b", -3, None, ["=a", "b"])] == [
        "'\tx",
        "'\rx",
        "a=b",
        -3,
        "",
        "'=a | b",
    ]


@pytest.mark.parametrize("chunk", [500, 100])
def test_sql_queries_are_a_few_per_chunk_of_rows(client, monkeypatch, chunk):
    monkeypatch.setattr(export, "CHUNK", chunk)
    with CaptureQueriesContext(connection) as queries:
        rows = parse_jsonl(api(client, "jsonl", {}))
    assert len(rows) >= 300
    # At most four per chunk (decisions with their letters, citations, linked sections, sections
    # not met in an earlier chunk) plus the index health check (when its cached answer is stale).
    assert len(queries) <= 4 * math.ceil(len(rows) / chunk) + 1, [q["sql"][:120] for q in queries]


def test_the_api_schema_documents_the_exports(client):
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]
    for fmt, media in (("csv", "text/csv"), ("jsonl", "application/x-ndjson")):
        operation = paths[f"/api/search/export.{fmt}"]["get"]
        assert set(operation["responses"]) == {"200", "400", "503"}
        assert set(operation["responses"]["200"]["content"]) == {media}
        names = {p["name"] for p in operation["parameters"]}
        assert {"q", "widen", "date_from", "decision", "procedure"} <= names and "page" not in names
