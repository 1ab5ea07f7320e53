"""Importer tests on documents written here: plain text, HTML and a generated PDF."""

import pytest
from django.core.management import CommandError, call_command

from guidelines.importer import ImportFailed, find_document
from guidelines.linker.textsplit import looks_like_heading, split_sections
from guidelines.models import GuidelineDocument, GuidelineSection
from pipeline.catalog import import_document

from .pdfgen import make_pdf

SECTIONS = [
    {"anchor": "special-studies", "number": "", "title": "Special Studies", "aliases": []},
    {"anchor": "surgical-considerations", "number": "", "title": "Surgical Considerations", "aliases": []},
    {"anchor": "summary", "number": "", "title": "Summary", "aliases": ["Summary of Recommendations"]},
    {
        "anchor": "3-3-initiating",
        "number": "3.3",
        "title": "Initiating and Monitoring Chronic Opioid Treatment",
        "aliases": [],
    },
]


def test_split_by_headings_pages_and_toc():
    text = (
        "Contents\nSpecial Studies ........ 303\nSurgical Considerations ..... 305\n"
        "Page 303\nSPECIAL STUDIES\nImaging is discussed here.\nIt spans two lines.\n"
        "Page 304\nMore on studies.\n"
        "Page 305\nSurgical  considerations\nSurgery text.\n"
        "Red Flags Table\nStill surgery.\n"
        "Page 308\nSummary of recommendations\nThe table.\n"
        "3.3 Initiating and Monitoring Chronic Opioid Treatment\nOpioid text.\n"
    )
    result = split_sections([(None, text)], SECTIONS)
    studies = result.sections["special-studies"]
    assert "Imaging is discussed here. It spans two lines." in studies.text
    assert "More on studies." in studies.text
    assert (studies.page_start, studies.page_end) == (303, 304)
    surgical = result.sections["surgical-considerations"]
    assert surgical.page_start == 305 and "Still surgery." in surgical.text
    assert result.sections["summary"].page_start == 308
    assert result.sections["3-3-initiating"].text == "Opioid text."
    assert (305, "Red Flags Table") in result.unplaced


def test_heading_detection():
    assert looks_like_heading("Red Flags Table")
    assert looks_like_heading("SPECIAL STUDIES")
    assert not looks_like_heading("Imaging is discussed here.")
    assert not looks_like_heading("the patient should be seen")


def test_printed_page_numbers_in_pdf_pages():
    pages = [
        (1, "Special Studies\nImaging text.\n303"),
        (2, "More imaging.\nChronic Pain Medical Treatment Guidelines 8 CCR 9792.20 Page 304 of 400"),
        (3, "Surgical Considerations\nSurgery.\nAs noted on page 82\n305"),
    ]
    result = split_sections(pages, SECTIONS)
    studies = result.sections["special-studies"]
    assert (studies.page_start, studies.page_end) == (303, 304)
    assert "Page 304" not in studies.text and "303" not in studies.text
    surgical = result.sections["surgical-considerations"]
    assert surgical.page_start == 305 and "As noted on page 82" in surgical.text


@pytest.fixture
def doc(db):
    doc = GuidelineDocument.objects.create(
        family="MTUS", title="Low Back Complaints", slug="mtus-low-back-test", edition_year=2004
    )
    for n, s in enumerate(SECTIONS):
        GuidelineSection.objects.create(
            document=doc, anchor=s["anchor"], number=s["number"], title=s["title"], aliases=s["aliases"], order=n
        )
    return doc


def test_import_text_file(doc, tmp_path):
    path = tmp_path / "low-back.txt"
    path.write_text("Special Studies\nStudy text.\n\fSurgical Considerations\nSurgery text.\nUnknown Heading Here\n")
    report = import_document(doc, path)
    assert report.kind == "text"
    assert set(report.filled) == {"Special Studies", "Surgical Considerations"}
    assert "Summary" in report.missing
    assert any(line == "Unknown Heading Here" for _, line in report.unplaced)
    section = doc.sections.get(anchor="special-studies")
    assert section.text == "Study text."
    doc.refresh_from_db()
    assert doc.text_source == "low-back.txt" and doc.imported_at


def test_import_html_file(doc, tmp_path):
    path = tmp_path / "low-back.html"
    path.write_text(
        "<!doctype html><html><head><title>Low back</title><style>h2{color:red}</style></head><body>"
        "<h2>Special&nbsp;Studies</h2><p>Imaging   text &amp; more.</p><p>Second paragraph.</p>"
        "<h2>Surgical Considerations</h2><p>Surgery <b>bold</b> text.</p>"
        "<h3>Algorithm 12-1</h3><p>Flow.</p></body></html>"
    )
    report = import_document(doc, path)
    assert report.kind == "html"
    studies = doc.sections.get(anchor="special-studies").text
    assert "Imaging text & more." in studies and "Second paragraph." in studies
    assert "color" not in studies
    assert doc.sections.get(anchor="surgical-considerations").text.startswith("Surgery bold text.")
    assert any(line == "Algorithm 12-1" for _, line in report.unplaced)


def test_import_generated_pdf(doc, tmp_path):
    path = tmp_path / "low-back.pdf"
    path.write_bytes(
        make_pdf(
            [
                ["Special Studies", "Imaging is not recommended in the first month."],
                ["More about imaging."],
                ["Surgical Considerations", "Referral is indicated for severe deficits."],
            ]
        )
    )
    report = import_document(doc, path)
    assert report.kind == "pdf" and report.pages == 3
    studies = doc.sections.get(anchor="special-studies")
    assert "Imaging is not recommended in the first month." in studies.text
    assert "More about imaging." in studies.text
    assert (studies.page_start, studies.page_end) == (1, 2)
    surgical = doc.sections.get(anchor="surgical-considerations")
    assert surgical.page_start == 3 and "Referral is indicated" in surgical.text


def test_import_command_and_errors(doc, tmp_path, capsys):
    path = tmp_path / "doc.txt"
    path.write_text("Summary of Recommendations\nTable text.\n")
    call_command("import_guideline", "mtus-low-back-test", str(path))
    out = capsys.readouterr().out
    assert "sections filled: 1 of 4" in out
    assert doc.sections.get(anchor="summary").text == "Table text."
    assert find_document("low back complaints") == doc
    with pytest.raises(CommandError, match="no guideline document"):
        call_command("import_guideline", "no-such-doc", str(path))
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4 garbage")
    with pytest.raises(CommandError, match="bad.pdf"):
        call_command("import_guideline", "mtus-low-back-test", str(bad))
    with pytest.raises(ImportFailed, match="cannot read"):
        import_document(doc, tmp_path / "missing.txt")
