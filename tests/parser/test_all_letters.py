"""Every one of the 150 real letters parses cleanly, from the shipped text and from the PDF."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from cases.parser import extract_text, parse_file, parse_text


@pytest.fixture(scope="module")
def parsed_txt(dwc_txt_dir):
    return {p.stem: parse_file(p) for p in sorted(dwc_txt_dir.glob("*.txt"))}


def test_there_are_150_letters(parsed_txt):
    assert len(parsed_txt) == 150


def test_all_letters_parse_without_errors(parsed_txt):
    failures = {name: p.errors for name, p in parsed_txt.items() if p.errors}
    assert failures == {}


def test_required_fields_present(parsed_txt):
    problems = []
    for name, p in parsed_txt.items():
        if p.case_number != name:
            problems.append(f"{name}: case number {p.case_number!r}")
        if p.decision_date is None:
            problems.append(f"{name}: no decision date")
        if not p.reviewer.specialty or not p.reviewer.licensure:
            problems.append(f"{name}: reviewer {p.reviewer}")
        if not p.items:
            problems.append(f"{name}: no items")
        if p.layout != "2016" or p.priority not in ("Standard", "Expedited"):
            problems.append(f"{name}: layout {p.layout} priority {p.priority}")
        if p.patient.age is None or p.patient.sex is None:
            problems.append(f"{name}: patient {p.patient}")
        for it in p.items:
            if it.decision not in ("Upheld", "Overturned"):
                problems.append(f"{name}: item {it.request!r} decision {it.decision!r}")
            if not it.request or not it.rationale:
                problems.append(f"{name}: item {it.request!r} empty request or rationale")
            if not it.claims_administrator or not it.maximus:
                problems.append(f"{name}: item {it.request!r} missing citations")
    assert problems == []


def test_no_warnings_on_real_letters(parsed_txt):
    assert {n: p.warnings for n, p in parsed_txt.items() if p.warnings} == {}


_DECISION = re.compile(r"(Upheld|Overturned)\s*$", re.MULTILINE)


def test_item_counts_match_an_independent_grep(parsed_txt, dwc_txt_dir):
    """Count decision words ending a line in the raw text (no parser involved) and compare."""
    grep = Counter()
    parsed = Counter()
    for name, p in parsed_txt.items():
        raw = Counter(_DECISION.findall((dwc_txt_dir / f"{name}.txt").read_text()))
        mine = Counter(it.decision for it in p.items)
        assert mine == raw, name
        grep.update(raw)
        parsed.update(mine)
    assert parsed == grep
    # SOURCE.md: "about 333 disputed items, ~297 Upheld and ~36 Overturned"
    assert sum(grep.values()) == 333
    assert grep == Counter({"Upheld": 297, "Overturned": 36})


def test_dates_are_consistent(parsed_txt):
    for name, p in parsed_txt.items():
        assert p.date_of_injury is None or p.date_of_injury <= p.decision_date, name
        assert p.date_assigned is None or p.date_assigned <= p.decision_date, name
        assert p.decision_date.year in (2016, 2017), name


def test_all_pdfs_parse_the_same_as_the_shipped_text(parsed_txt, dwc_pdf_dir):
    """The chosen extraction (pypdfium2) must parse exactly like the shipped pypdf text."""
    mismatched = []
    for pdf in sorted(dwc_pdf_dir.glob("*.pdf")):
        from_pdf = parse_text(extract_text(pdf), source_name=pdf.name)
        assert from_pdf.errors == [], pdf.name
        if from_pdf.to_dict() != parsed_txt[pdf.stem].to_dict():
            mismatched.append(pdf.stem)
    assert len(list(dwc_pdf_dir.glob("*.pdf"))) == 150
    assert mismatched == []
