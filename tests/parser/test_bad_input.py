"""Bad input gives a ParsedLetter with errors (parse_file, parse_text) or a clear
ExtractionError (extract_text), never an unexpected exception."""

from __future__ import annotations

import shutil

import pytest
from pypdf import PdfReader, PdfWriter

from cases.parser import ExtractionError, extract_text, parse_file, parse_text
from cases.parser.pdf import MAX_BYTES


@pytest.fixture
def real_pdf(dwc_pdf_dir):
    return dwc_pdf_dir / "CM16-0219557.pdf"


def assert_fails(path, *needles):
    with pytest.raises(ExtractionError) as exc:
        extract_text(path)
    message = str(exc.value)
    assert str(path) in message
    for needle in needles:
        assert needle in message.lower()
    parsed = parse_file(path)
    assert parsed.errors and not parsed.items
    assert any(needles[0] in e.lower() for e in parsed.errors)
    return parsed


def test_empty_file(tmp_path):
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    assert_fails(path, "empty file")


def test_whitespace_only_text(tmp_path):
    path = tmp_path / "blank.txt"
    path.write_text(" \n\n \t\n")
    assert_fails(path, "whitespace")


def test_missing_file(tmp_path):
    assert_fails(tmp_path / "nope.txt", "not found")


def test_binary_garbage(tmp_path):
    path = tmp_path / "garbage.bin"
    path.write_bytes(bytes(range(256)) * 50)
    assert_fails(path, "binary")


def test_control_characters_without_nul(tmp_path):
    path = tmp_path / "ctrl.txt"
    path.write_bytes(bytes([1, 2, 3, 4, 5, 6, 7, 8, 14, 15, 16]) * 200)
    assert_fails(path, "binary")


def test_latin1_text_is_accepted(tmp_path, dwc_txt_dir):
    text = (dwc_txt_dir / "CM16-0219557.txt").read_text(encoding="utf-8").replace("applicant", "applicánt")
    path = tmp_path / "latin1.txt"
    path.write_bytes(text.encode("latin-1"))
    parsed = parse_file(path)
    assert parsed.errors == []
    assert "applicánt" in parsed.clinical_summary


def test_non_imr_text(tmp_path):
    path = tmp_path / "recipe.txt"
    path.write_text("Pancakes\n\nMix flour, eggs and milk. Fry on both sides.\n")
    parsed = parse_file(path)
    assert parsed.items == []
    assert any("not an IMR determination letter" in e for e in parsed.errors)


def test_parse_text_bad_values():
    assert parse_text("").errors == ["empty text: nothing to parse"]
    assert parse_text("\x00\x01\x02 garbage \ufffd\ufffd").errors
    assert parse_text(None).errors  # type: ignore[arg-type]
    assert parse_text("Decision rationale: but no sections at all").errors == [
        "no IMR ISSUES, DECISIONS AND RATIONALES section found"
    ]


def test_letter_without_items_section_content(dwc_txt_dir):
    text = (dwc_txt_dir / "CM16-0219557.txt").read_text()
    head = text.split("IMR ISSUES, DECISIONS AND RATIONALES")[0] + "IMR ISSUES, DECISIONS AND RATIONALES\n"
    parsed = parse_text(head, source_name="cut.txt")
    assert parsed.case_number == "CM16-0219557"
    assert parsed.errors and "no disputed items" in parsed.errors[0] and parsed.errors[0].startswith("cut.txt: ")


def test_item_without_rationale_is_a_warning(dwc_txt_dir):
    text = (dwc_txt_dir / "CM16-0219557.txt").read_text()
    cut = text.split("Decision rationale:")[0]
    parsed = parse_text(cut)
    assert parsed.errors == []
    assert len(parsed.items) == 1
    assert any("no decision rationale" in w for w in parsed.warnings)


def test_truncated_pdf(tmp_path, real_pdf):
    data = real_pdf.read_bytes()
    path = tmp_path / "truncated.pdf"
    path.write_bytes(data[: len(data) // 2])
    assert_fails(path, "truncated")


def test_corrupt_pdf_with_eof_marker(tmp_path):
    path = tmp_path / "corrupt.pdf"
    path.write_bytes(b"%PDF-1.4\n" + b"this is not a pdf body " * 100 + b"\n%%EOF\n")
    assert_fails(path, "corrupt")


def test_encrypted_pdf(tmp_path, real_pdf):
    writer = PdfWriter(clone_from=PdfReader(real_pdf))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    path = tmp_path / "encrypted.pdf"
    with open(path, "wb") as fh:
        writer.write(fh)
    assert_fails(path, "encrypted")


def test_pdf_without_text_layer(tmp_path):
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.add_blank_page(width=612, height=792)
    path = tmp_path / "scanned.pdf"
    with open(path, "wb") as fh:
        writer.write(fh)
    assert_fails(path, "no text layer")


def test_file_over_size_limit(tmp_path):
    path = tmp_path / "huge.txt"
    with open(path, "wb") as fh:
        fh.truncate(MAX_BYTES + 1)  # sparse: no real disk use
    assert_fails(path, "too large")


def test_directory_instead_of_file(tmp_path):
    assert_fails(tmp_path, "directory")


def test_pdf_renamed_as_txt_is_still_read_as_pdf(tmp_path, real_pdf):
    path = tmp_path / "letter.txt"
    shutil.copyfile(real_pdf, path)
    assert parse_file(path).case_number == "CM16-0219557"


def test_windows_1252_and_utf16_text(tmp_path, dwc_txt_dir):
    text = (
        (dwc_txt_dir / "CM16-0219557.txt")
        .read_text(encoding="utf-8")
        .replace("applicant is a 34-year-old", "applicant \u201cis\u201d a 34-year-old")
    )
    cp = tmp_path / "cp1252.txt"
    cp.write_bytes(text.encode("cp1252"))
    u16 = tmp_path / "utf16.txt"
    u16.write_bytes(text.encode("utf-16"))
    for path in (cp, u16):
        parsed = parse_file(path)
        assert parsed.errors == [], path
        assert "\u201cis\u201d" in parsed.clinical_summary
        assert (parsed.patient.age, parsed.patient.sex) == (34, "male")
