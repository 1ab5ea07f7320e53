"""manage.py parse_letter: JSON array of ParsedLetter.to_dict(), one per file, nothing saved."""

from __future__ import annotations

import json
from io import StringIO

from django.core.management import call_command

from cases.parser import parse_file

KEYS = [
    "case_number",
    "date_assigned",
    "date_of_injury",
    "decision_date",
    "ur_denial_date",
    "application_received",
    "priority",
    "reviewer",
    "patient",
    "items",
    "errors",
    "warnings",
]


def run(*args) -> str:
    out = StringIO()
    call_command("parse_letter", *args, stdout=out)
    return out.getvalue()


def test_json_output_shape(dwc_txt_dir, dwc_pdf_dir, tmp_path):
    bad = tmp_path / "garbage.pdf"
    bad.write_bytes(b"%PDF-1.4 truncated")
    files = [dwc_txt_dir / "CM16-0247802.txt", dwc_pdf_dir / "CM16-0229336.pdf", bad]
    text = run(*map(str, files), "--json")
    data = json.loads(text)
    assert isinstance(data, list) and len(data) == 3
    for obj in data:
        assert list(obj) == KEYS
    assert data[0] == parse_file(files[0]).to_dict()
    assert data[1] == parse_file(files[1]).to_dict()
    assert data[0]["case_number"] == "CM16-0247802" and len(data[0]["items"]) == 5
    assert set(data[0]["items"][0]) == {
        "request",
        "disputed_portion",
        "decision",
        "claims_administrator",
        "maximus",
        "rationale",
    }
    assert set(data[0]["items"][1]["claims_administrator"][0]) == {"kind", "document", "year", "sections", "pages"}
    assert data[1]["items"][0]["decision"] == "Overturned"
    assert data[2]["items"] == [] and data[2]["case_number"] is None
    assert data[2]["errors"] and "truncated" in data[2]["errors"][0]
    # ensure_ascii=False, indent 2
    assert text.startswith('[\n  {\n    "case_number"')


def test_json_keeps_non_ascii(tmp_path, dwc_txt_dir):
    path = tmp_path / "letter.txt"
    path.write_text((dwc_txt_dir / "CM16-0219557.txt").read_text().replace("Facet joint", "Facet jöint"))
    text = run(str(path), "--json")
    assert "Facet jöint" in text


def test_human_summary(dwc_txt_dir, tmp_path):
    missing = tmp_path / "missing.pdf"
    text = run(str(dwc_txt_dir / "CM16-0219557.txt"), str(missing))
    assert "CM16-0219557.txt: OK" in text
    assert "[Upheld] Facet joint injections L4-5, L5-S1" in text
    assert f"{missing}: FAILED" in text and "file not found" in text
