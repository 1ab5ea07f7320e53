"""`manage.py search` (same JSON as the API), `manage.py reclassify`, and the classification ingest does."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.support import oracle

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_corpus_index")]


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_json_is_the_api_json(client):
    printed = json.loads(run("search", "MBB", "--json", "--filter", "decision=Upheld"))
    api = client.get("/api/search/", {"q": "MBB", "decision": "Upheld"}).json()
    assert printed == api
    assert printed["count"] >= 1
    for letter in printed["results"]:
        assert {"case_number", "items"} <= set(letter)
        assert all({"order", "request", "decision", "matched"} <= set(i) for i in letter["items"])
        assert all(i["decision"] == "Upheld" for i in letter["items"] if i["matched"])


def test_json_counts_decisions(client):
    printed = json.loads(run("search", "lumbar MRI", "--json"))
    case = next(c for c in oracle.PROCEDURE_CASES if c.q == "lumbar MRI" and not c.filters)
    expected = case.expected()
    counts = oracle.decisions_of(expected)
    assert printed["count"] == len(oracle.letters_of(expected))
    assert printed["decisions"] == {
        "total": len(expected),
        "Upheld": counts["Upheld"],
        "Overturned": counts["Overturned"],
    }
    assert {f["value"]: f["count"] for f in printed["facets"]["decision"]} == dict(counts)
    widened = json.loads(run("search", "lumbar MRI", "--json", "--widen"))
    assert widened["query"]["matched_on"] == "widened" and widened["decisions"]["total"] > len(expected)


def test_sort_page_and_filters(client):
    printed = json.loads(
        run(
            "search",
            "MRI",
            "--json",
            "--sort=-date",
            "--page",
            "2",
            "--page-size",
            "5",
            "--filter",
            "procedure_category=imaging",
            "--filter",
            "body_region=lumbar spine",
        )
    )
    api = client.get(
        "/api/search/?q=MRI&sort=-date&page=2&page_size=5&procedure_category=imaging&body_region=lumbar+spine"
    ).json()
    assert printed == api
    assert printed["page"] == 2 and len(printed["results"]) <= 5
    dates = [r["decision_date"] for r in printed["results"]]
    assert dates == sorted(dates, reverse=True)


def test_text_output_lists_letters_and_facets():
    out = run("search", "Norco")
    assert "expanded:" in out and "hydrocodone" in out
    assert "3 decision(s) in 3 letter(s): 2 upheld (denial stands), 1 overturned" in out
    assert "overturn rate 33.3%" in out and "decision: Upheld (2), Overturned (1)" in out
    assert "relied on: " in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--filter", "decision"], "expected NAME=VALUE"),
        (["--filter", "colour=blue"], "unknown facet 'colour'"),
        (["--date-from", "not-a-date"], "date_from"),
    ],
)
def test_bad_arguments_are_clear_errors(args, message):
    with pytest.raises(CommandError, match=message):
        run("search", "MRI", *args)


def test_sections_json():
    printed = json.loads(run("search", "facet", "--sections", "--json"))
    assert printed["query"]["target"] == "sections"


# --- taxonomy maintenance ----------------------------------------------------------------------


def test_reclassify_recomputes_items_of_another_version():
    from cases.models import DisputedItem
    from procedures.taxonomy import taxonomy_version

    current = taxonomy_version()
    assert not DisputedItem.objects.exclude(taxonomy_version=current).exists()
    item = DisputedItem.objects.filter(procedure="hydrocodone/acetaminophen").first()
    DisputedItem.objects.filter(pk=item.pk).update(
        procedure="stale", procedure_category="stale", taxonomy_version="old"
    )
    out = run("reclassify", "--dry-run")
    assert "1 item(s) to recompute" in out and "1 item(s) in 1 letter(s) would change" in out
    assert DisputedItem.objects.get(pk=item.pk).procedure == "stale"
    out = run("reclassify")
    assert "1 changed" in out
    item.refresh_from_db()
    assert (item.procedure, item.procedure_category, item.taxonomy_version) == (
        "hydrocodone/acetaminophen",
        "medications: opioids",
        current,
    )
    # Queued for re-indexing through the search sync path.
    from search.models import IndexQueue

    assert IndexQueue.objects.filter(object_id=item.determination_id).exists()
    assert "0 item(s) to recompute" in run("reclassify")


def test_ingest_classifies_a_letter_when_it_is_written(tmp_path):
    from cases.models import Determination
    from pipeline.ingest import ingest_file
    from procedures.taxonomy import taxonomy_version
    from tests.support import DWC_TXT

    text = (DWC_TXT / "CM16-0247255.txt").read_text(encoding="utf-8").replace("CM16-0247255", "CM99-0000002")
    path = tmp_path / "CM99-0000002.txt"
    path.write_text(text, encoding="utf-8")
    outcome = ingest_file(path)
    det = Determination.objects.get(pk=outcome.determination_id)
    items = list(det.items.all())
    assert items and all(i.taxonomy_version == taxonomy_version() for i in items)
    assert [(i.procedure, i.procedure_category, i.body_region) for i in items] == [("MRI", "imaging", "lumbar spine")]


def test_reclassify_report_over_the_real_letters():
    """The share per deciding signal and the "other" share, over the 150 letters, the seed and the
    hostile copy: no decision is "other" or without a DWC request category."""
    import re

    out = run("reclassify", "--report")
    other = re.search(r"'other' \(no procedure\): (\d+)/(\d+)", out)
    assert int(other.group(1)) == 0 and int(other.group(2)) >= 334
    assert re.search(r"without a DWC request category: 0/\d+", out)
    shares = dict(
        (name, int(n))
        for n, name in re.findall(r"^\s+(\d+)\s+[\d.]+%\s+(request|drug|section|manual|fallback|none)$", out, re.M)
    )
    assert sum(shares.values()) == int(other.group(2)) and shares["request"] > shares["drug"] > 0
