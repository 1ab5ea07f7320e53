"""Letter layouts: the registry picks the right layout for every real letter, and a new layout is
one module plus its fixtures. The invented "2025" layout (fixtures/layouts/imr2025.py) is
registered here through the registry's public functions; no file of cases/parser knows it."""

from __future__ import annotations

import json
import pkgutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

import tests.parser.fixtures.layouts as fixture_layouts
from cases.parser import layouts, parse_text
from cases.parser.layouts import LetterText
from tests.parser.fixtures.layouts import imr2025

HERE = Path(__file__).resolve().parent
PARSER = HERE.parent.parent / "cases" / "parser"
LETTERS = HERE / "fixtures" / "letters"
GOLDEN = HERE.parent / "golden" / "out"
INVENTED = LETTERS / "imr2025-invented.txt"


@pytest.fixture
def invented():
    layout = layouts.register_layout(imr2025)
    try:
        yield layout
    finally:
        layouts.unregister_layout(layout.name)


@pytest.fixture
def fixture_layouts_registered():
    added = layouts.register_package(fixture_layouts)
    try:
        yield added
    finally:
        for layout in added:
            layouts.unregister_layout(layout.name)


def read(path: Path) -> LetterText:
    return LetterText.of(path.read_text(encoding="utf-8"))


# --- the registry ----------------------------------------------------------------------------


def test_the_registry_is_the_package_modules():
    modules = sorted(m.name for m in pkgutil.iter_modules(layouts.__path__) if not m.name.startswith("_"))
    assert modules == ["dwc2013", "dwc2016"]
    assert [layout.name for layout in layouts.registered()] == ["2013", "2016"]
    assert layouts.get("2016") is layouts.default()


def test_the_fallback_reads_with_the_default_declarations():
    fallback = layouts.fallback()
    assert fallback.name == "unknown"
    assert fallback.reviewer == layouts.default().reviewer
    assert fallback.header_labels == layouts.default().header_labels
    assert fallback.score(LetterText.of("HOW THE IMR FINAL DETERMINATION WAS MADE")) == 0


def test_registration_checks_names_and_modules(invented):
    with pytest.raises(ValueError, match="already registered"):
        layouts.register_layout(imr2025)
    with pytest.raises(ValueError, match="fallback"):
        layouts.register_layout(layouts.fallback())
    with pytest.raises(ValueError, match="1 to 16 characters"):
        layouts.register_layout(replace(invented, name="a-name-longer-than-16"))
    with pytest.raises(TypeError, match="LAYOUT"):
        layouts.register_layout(fixture_layouts)  # a package without LAYOUT
    assert [layout.name for layout in layouts.registered()] == ["2013", "2016", "2025"]


# --- detection on the real letters -------------------------------------------------------------


@pytest.mark.parametrize("with_invented", [False, True], ids=["builtin", "with-2025"])
def test_detection_picks_2016_for_the_150_letters(dwc_txt_dir, with_invented, request):
    if with_invented:
        request.getfixturevalue("invented")
    paths = sorted(dwc_txt_dir.glob("*.txt"))
    assert len(paths) == 150
    chosen = {p.stem: layouts.choose(read(p)).name for p in paths}
    assert {name for name, layout in chosen.items() if layout != "2016"} == set()


@pytest.mark.parametrize("with_invented", [False, True], ids=["builtin", "with-2025"])
def test_detection_picks_2013_for_the_seed(seed_letter_path, with_invented, request):
    if with_invented:
        request.getfixturevalue("invented")
    assert layouts.choose(read(seed_letter_path)).name == "2013"


def test_detection_scores(dwc_txt_dir, seed_letter_path, invented):
    scores = {layout.name: layout.score(read(dwc_txt_dir / "CM16-0219557.txt")) for layout in layouts.registered()}
    assert scores == {"2013": 0.5, "2016": 1.0, "2025": 0.0}
    scores = {layout.name: layout.score(read(seed_letter_path)) for layout in layouts.registered()}
    assert scores == {"2013": 0.5, "2016": 0.0, "2025": 0.0}
    scores = {layout.name: layout.score(read(INVENTED)) for layout in layouts.registered()}
    assert scores == {"2013": 0.0, "2016": 0.0, "2025": 1.0}


# --- a third layout: one module and its fixtures ---------------------------------------------


def test_cases_parser_does_not_know_the_invented_layout():
    for path in PARSER.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "imr2025" not in source and "DETERMINATION BASIS" not in source, path


def test_without_its_module_the_invented_letter_is_unknown():
    parsed = parse_text(INVENTED.read_text(encoding="utf-8"))
    assert parsed.layout == "unknown"
    assert parsed.errors == ["no IMR ISSUES, DECISIONS AND RATIONALES section found"]


def test_the_invented_layout_reads_every_field(invented):
    parsed = parse_text(INVENTED.read_text(encoding="utf-8"))
    assert parsed.errors == []
    assert parsed.warnings == []
    assert parsed.layout == "2025"
    assert parsed.case_number == "CM25-0012345"
    assert parsed.date_assigned == date(2025, 3, 3)  # "Received:"
    assert parsed.date_of_injury == date(2024, 1, 15)  # "Injury Date:"
    assert parsed.decision_date == date(2025, 4, 2)  # "Decided On:"
    assert parsed.ur_denial_date == date(2025, 2, 20)  # "UR Denial:"
    assert parsed.application_received is None  # no such label in this layout
    assert parsed.priority == "Expedited"  # "Review Type:"
    assert parsed.reviewer.licensure == ["California", "Oregon", "Washington"]
    assert parsed.reviewer.specialty == ["Orthopaedic Surgery", "Sports Medicine"]
    assert parsed.clinical_summary == (
        "The injured worker is a 47-year-old woman who hurt her right shoulder lifting boxes at work on January "
        "15, 2024. Pain persisted despite six weeks of rest and anti-inflammatory medication. An orthopaedic "
        "surgeon requested physical therapy, an MRI of the right shoulder and acupuncture. Utilization review "
        "denied all three on February 20, 2025."
    )
    assert (parsed.patient.age, parsed.patient.sex) == (47, "female")

    therapy, mri, acupuncture = parsed.items
    assert (therapy.request, therapy.decision, therapy.disputed_portion) == (
        "Physical therapy, 12 sessions for the right shoulder",
        "Overturned",
        None,
    )
    assert [c.to_dict() for c in therapy.claims_administrator] == [
        {
            "kind": "MTUS",
            "document": "Shoulder Complaints",
            "year": 2004,
            "sections": ["Physical Therapy"],
            "pages": None,
        },
    ]
    assert [c.to_dict() for c in therapy.maximus] == [
        {
            "kind": "MTUS",
            "document": "Chronic Pain Medical Treatment",
            "year": 2016,
            "sections": ["Physical Medicine"],
            "pages": None,
        },
        {
            "kind": "NON_MTUS",
            "document": "ODG Shoulder, Physical therapy, pg. 12",
            "year": None,
            "sections": [],
            "pages": "12",
        },
    ]
    assert therapy.rationale == (
        "The guidelines support a course of physical therapy for shoulder pain that persists after rest and "
        "medication, and the injured worker has had no therapy so far.\n\nThe request is medically necessary."
    )

    assert (mri.request, mri.decision) == ("MRI of the right shoulder without contrast", "Upheld")
    assert [c.kind for c in mri.claims_administrator] == ["NONE"]
    assert [c.to_dict() for c in mri.maximus] == [
        {
            "kind": "MTUS",
            "document": "Shoulder Complaints",
            "year": 2004,
            "sections": ["Special Studies", "Diagnostic Criteria"],
            "pages": "207-209",
        },
    ]
    # the line-wrap hyphen "com-" / "pleted" is repaired as in every layout
    assert mri.rationale == (
        "Imaging is not recommended before a trial of conservative care, and the care has not been completed. "
        "The request is not medically necessary."
    )

    # partial authorisation, worded as in the DWC letters (imr2025 reuses dwc2016.PARTIAL)
    assert acupuncture.request.startswith("Acupuncture, 6 sessions for the right shoulder was the original request.")
    assert acupuncture.request.endswith("of the original request, 3 more sessions of acupuncture, is")
    assert acupuncture.disputed_portion == "3 more sessions of acupuncture"
    assert acupuncture.decision == "Upheld"
    for party in (acupuncture.claims_administrator, acupuncture.maximus):
        assert [(c.kind, c.document, c.year) for c in party] == [("MTUS", "Acupuncture Medical Treatment", 2007)]
    assert acupuncture.rationale.endswith("have not yet been given. The request is not medically necessary.")


def test_the_invented_layout_names_its_own_sections_and_warnings(invented):
    text = INVENTED.read_text(encoding="utf-8")
    # detection needs the "IMR No.:" label; with the label but no number the layout warns
    assert parse_text(text.replace("IMR No.: CM25-0012345", "")).layout == "unknown"
    parsed = parse_text(text.replace("IMR No.: CM25-0012345", "IMR No.:"))
    assert (parsed.layout, parsed.case_number) == ("2025", None)
    assert parsed.warnings == ["IMR No. not found in the header block"]
    parsed = parse_text(text.replace(" -- ", " "))
    assert parsed.errors == [
        "no disputed items found in the DECISIONS section (expected '<request> -- Upheld|Overturned')"
    ]
    parsed = parse_text(text.replace("CASE SUMMARY", "SUMMARY"))
    assert "no CASE SUMMARY section found" in parsed.warnings


@pytest.mark.parametrize("letter", sorted(p.name for p in LETTERS.glob("*.txt")))
def test_fixture_letters_match_their_golden_json(letter, fixture_layouts_registered):
    """Every letter in fixtures/letters/ parses to tests/golden/out/<name>.json (with the
    fixture layouts registered): a new layout's letters are checked by adding them there."""
    expected = json.loads((GOLDEN / letter.replace(".txt", ".json")).read_text(encoding="utf-8"))
    assert parse_text((LETTERS / letter).read_text(encoding="utf-8")).to_dict() == expected
