"""Ingest of real letters: new, unchanged (idempotent), updated with a revision, replace items."""

from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.management import call_command

from cases.models import Determination, DeterminationRevision, DisputedItem, GuidelineCitation
from cases.parser import parse_file, parse_text
from pipeline.ingest import ingest_file, ingest_paths
from tests.support.letters import copy_letters, row_counts

pytestmark = pytest.mark.django_db

LETTERS = ["CM16-0219557.txt", "CM16-0221706.txt", "CM16-0224814.txt"]


def test_new_then_unchanged_is_idempotent(dwc_txt_dir, seed_letter_path, tmp_path):
    files = copy_letters(dwc_txt_dir, tmp_path / "letters", LETTERS)
    copy_letters(seed_letter_path.parent, tmp_path / "letters" / "seed", [seed_letter_path.name])

    first = ingest_paths([tmp_path / "letters"])
    assert sorted(o.status for o in first) == ["new"] * 4
    counts = row_counts()
    updated_at = dict(Determination.objects.values_list("pk", "updated_at"))

    second = ingest_paths([tmp_path / "letters"])
    assert [o.status for o in second] == ["unchanged"] * 4
    assert row_counts() == counts
    # Nothing was rewritten.
    assert dict(Determination.objects.values_list("pk", "updated_at")) == updated_at
    assert counts["revisions"] == 0

    for path in files:
        det = Determination.objects.get(case_number=path.stem)
        assert det.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        assert det.source_name == path.name
        assert det.raw_text == path.read_text(encoding="utf-8")
        assert det.parse_status in ("ok", "warnings")


def test_stored_fields_match_the_parser(dwc_txt_dir, tmp_path):
    path = copy_letters(dwc_txt_dir, tmp_path, ["CM16-0219557.txt"])[0]
    outcome = ingest_file(path)
    assert (outcome.status, outcome.case_number) == ("new", "CM16-0219557")
    parsed = parse_file(path)
    det = Determination.objects.get(pk=outcome.determination_id)
    assert det.decision_date == parsed.decision_date
    assert det.date_assigned == parsed.date_assigned
    assert det.priority == parsed.priority == "Standard"
    assert det.reviewer_specialty == parsed.reviewer.specialty
    assert det.reviewer_licensure == parsed.reviewer.licensure
    assert (det.patient_age, det.patient_sex) == (parsed.patient.age, parsed.patient.sex)
    assert det.layout == "2016"
    assert det.clinical_summary == parsed.clinical_summary
    items = list(det.items.order_by("order"))
    assert [i.request for i in items] == [i.request for i in parsed.items]
    assert [i.decision for i in items] == [i.decision for i in parsed.items]
    for row, item in zip(items, parsed.items):
        for party in ("claims_administrator", "maximus"):
            stored = list(row.citations.filter(party=party).order_by("order"))
            expected = getattr(item, party)
            assert [(c.kind, c.document, c.year, c.sections, c.pages, c.clause) for c in stored] == [
                (c.kind, c.document, c.year, list(c.sections), c.pages, c.clause) for c in expected
            ]


def test_changed_letter_is_updated_with_a_revision(dwc_txt_dir, tmp_path):
    path = copy_letters(dwc_txt_dir, tmp_path, ["CM16-0219557.txt"])[0]
    original = path.read_text(encoding="utf-8")
    first = ingest_file(path)
    old_sha = Determination.objects.get().sha256
    items_before = DisputedItem.objects.count()

    changed = original.replace("Decision rationale: No, the request", "Decision rationale: No, the amended request", 1)
    assert changed != original
    path.write_text(changed, encoding="utf-8")
    second = ingest_file(path)

    assert second.status == "updated"
    assert second.determination_id == first.determination_id
    assert Determination.objects.count() == 1
    assert DisputedItem.objects.count() == items_before  # replaced, not appended
    det = Determination.objects.get()
    assert det.raw_text == changed
    assert "amended request" in det.items.get(order=0).rationale
    revision = DeterminationRevision.objects.get()
    assert revision.determination_id == det.id
    assert revision.previous_sha256 == old_sha
    assert revision.new_sha256 == det.sha256 != old_sha
    assert revision.previous_raw_text == original
    assert "items" in revision.changed_fields and "raw_text" in revision.changed_fields
    assert "decision_date" not in revision.changed_fields

    # And the changed file is now the stored version: re-ingest is unchanged.
    assert ingest_file(path).status == "unchanged"


def test_changed_decision_is_recorded(dwc_txt_dir, tmp_path):
    path = copy_letters(dwc_txt_dir, tmp_path, ["CM16-0219557.txt"])[0]
    ingest_file(path)
    assert DisputedItem.objects.get(order=0).decision == "Upheld"
    path.write_text(
        path.read_text(encoding="utf-8").replace("L5-S1:  Upheld", "L5-S1:  Overturned", 1), encoding="utf-8"
    )
    assert ingest_file(path).status == "updated"
    assert DisputedItem.objects.get(order=0).decision == "Overturned"
    assert DeterminationRevision.objects.get().changed_fields == ["raw_text", "items"]


def test_letter_without_case_number_is_matched_by_source_name(seed_letter_path, tmp_path):
    path = copy_letters(seed_letter_path.parent, tmp_path, [seed_letter_path.name])[0]
    first = ingest_file(path)
    assert first.status == "new" and first.case_number is None
    det = Determination.objects.get()
    assert det.layout == "2013" and det.items.exists()
    path.write_text(path.read_text(encoding="utf-8") + "\n\n", encoding="utf-8")
    second = ingest_file(path)
    assert second.status == "updated" and second.determination_id == first.determination_id
    assert Determination.objects.count() == 1
    assert DeterminationRevision.objects.get().changed_fields == ["raw_text"]


def test_force_rewrites_an_unchanged_letter(dwc_txt_dir, tmp_path):
    path = copy_letters(dwc_txt_dir, tmp_path, ["CM16-0221706.txt"])[0]
    ingest_file(path)
    counts = row_counts()
    outcome = ingest_file(path, force=True)
    assert outcome.status == "updated"
    assert row_counts() == counts


def test_all_150_pdfs_in_one_command_run(dwc_pdf_dir):
    expected_items = 0
    expected_citations = 0
    for pdf in sorted(dwc_pdf_dir.glob("*.pdf")):
        parsed = parse_file(pdf)
        expected_items += len(parsed.items)
        expected_citations += sum(len(i.claims_administrator) + len(i.maximus) for i in parsed.items)

    out = StringIO()
    call_command("ingest", str(dwc_pdf_dir), stdout=out, stderr=StringIO())
    lines = out.getvalue().splitlines()
    assert lines[-1] == "new: 150, updated: 0, unchanged: 0, failed: 0"
    assert "new CM16-0219557 (CM16-0219557.pdf)" in lines
    assert Determination.objects.count() == 150
    assert Determination.objects.exclude(parse_status="ok").count() == 0
    assert set(Determination.objects.values_list("case_number", flat=True)) == {
        p.stem for p in dwc_pdf_dir.glob("*.pdf")
    }
    assert DisputedItem.objects.count() == expected_items
    assert GuidelineCitation.objects.count() == expected_citations
    counts = row_counts()

    out = StringIO()
    call_command("ingest", str(dwc_pdf_dir), "--quiet", stdout=out, stderr=StringIO())
    assert out.getvalue().strip() == "new: 0, updated: 0, unchanged: 150, failed: 0"
    assert row_counts() == counts


def test_pdf_and_text_of_a_letter_parse_the_same(dwc_txt_dir, dwc_pdf_dir):
    """The PDF then the shipped text of the same letter: same record, only the raw text differs."""
    ingest_file(dwc_pdf_dir / "CM16-0219557.pdf")
    items = list(DisputedItem.objects.values_list("request", "decision"))
    outcome = ingest_file(dwc_txt_dir / "CM16-0219557.txt")
    assert outcome.status == "updated"
    assert list(DisputedItem.objects.values_list("request", "decision")) == items
    assert "items" not in DeterminationRevision.objects.get().changed_fields


def test_reparse_from_raw_text(dwc_txt_dir, tmp_path):
    from pipeline.ingest import reparse_determination

    path = copy_letters(dwc_txt_dir, tmp_path, ["CM16-0224814.txt"])[0]
    ingest_file(path)
    det = Determination.objects.get()
    # Simulate an older parser's output: wrong fields, one item lost.
    det.items.exclude(order=0).delete()
    det.priority = ""
    det.save()
    outcome = reparse_determination(det)
    assert outcome.status == "updated"
    det.refresh_from_db()
    parsed = parse_text(det.raw_text)
    assert det.priority == parsed.priority
    assert det.items.count() == len(parsed.items)
    assert DeterminationRevision.objects.count() == 0  # the letter itself did not change


def test_failed_reparse_keeps_the_stored_version(dwc_txt_dir, tmp_path):
    from pipeline.ingest import reparse_determination

    path = copy_letters(dwc_txt_dir, tmp_path, ["CM16-0224814.txt"])[0]
    ingest_file(path)
    det = Determination.objects.get()
    counts = row_counts()
    det.raw_text = "Not a letter any more"  # e.g. a parser regression: nothing parses
    det.save(update_fields=["raw_text"])
    outcome = reparse_determination(det)
    assert outcome.status == "failed" and "stored version is kept" in outcome.message
    det.refresh_from_db()
    assert det.parse_status == "ok" and row_counts() == counts


def _links_and_quotes():
    from guidelines.models import CitationLink, QuotedPassage

    links = sorted(
        (
            lk.citation.item.determination.case_number,
            lk.citation.item.order,
            lk.citation.party,
            lk.citation.order,
            lk.document_id,
            lk.method,
            tuple(sorted(s.pk for s in lk.sections.all())),
        )
        for lk in CitationLink.objects.select_related("citation__item__determination").prefetch_related("sections")
    )
    quotes = sorted(
        QuotedPassage.objects.values_list(
            "item__determination__case_number", "item__order", "order", "text", "document_id", "section_id"
        )
    )
    return links, quotes


def test_worker_processes_link_as_the_writer_does(dwc_txt_dir, tmp_path):
    """Links and quotes planned in the parser processes (--workers 2) are those the writer makes
    itself (one process): same documents, sections, methods and quotes for the 150 letters."""
    from pipeline.catalog import load_catalog

    load_catalog()
    ingest_paths([dwc_txt_dir], workers=1)
    alone = _links_and_quotes()
    Determination.objects.all().delete()
    from pipeline.ingest import Timings

    timings = Timings()
    ingest_paths([dwc_txt_dir], workers=2, timings=timings)
    assert timings["link and quotes (plan)"] > 0  # planned in the parser processes
    assert _links_and_quotes() == alone
    assert len(alone[0]) == GuidelineCitation.objects.count() > 800 and len(alone[1]) > 300


def test_a_reparse_that_takes_another_letter_s_case_number_fails_alone(dwc_txt_dir, tmp_path):
    """A conflict that is the letter's own (its new case number belongs to another record) fails
    that letter, quickly, and the others are re-parsed."""
    from pipeline.ingest import reparse_letters

    copy_letters(dwc_txt_dir, tmp_path, LETTERS)
    ingest_paths([tmp_path])
    first, second, third = (Determination.objects.get(case_number=n[:-4]) for n in LETTERS)
    Determination.objects.filter(pk=first.pk).update(
        raw_text=first.raw_text.replace(first.case_number, second.case_number)
    )
    outcomes = reparse_letters([first.pk, second.pk, third.pk])
    assert [o.status for o in outcomes] == ["failed", "updated", "updated"]
    assert "conflicts with a stored letter" in outcomes[0].message
    first.refresh_from_db()
    assert first.case_number == "CM16-0219557" and first.parse_status == "ok" and first.items.exists()
