"""export_determinations: the parse_letter --json shape from the database, with citation links."""

import copy
import json

from django.core.management import call_command

from cases.models import Determination
from cases.parser import parse_text
from tests.support.letters import store_letter

LETTERS = ["CM16-0219557", "CM16-0231706", "CM17-0003623"]


def test_export_shape_matches_the_parser_plus_links(catalog, dwc_txt_dir, tmp_path):
    texts = {}
    for case in LETTERS:
        texts[case] = (dwc_txt_dir / f"{case}.txt").read_text(encoding="utf-8")
        store_letter(texts[case], f"{case}.txt")
    Determination.objects.create(
        source_name="broken.pdf",
        sha256="1" * 64,
        parse_status=Determination.ParseStatus.FAILED,
        parse_errors=["not a PDF"],
    )
    out = tmp_path / "export.jsonl"
    call_command("export_determinations", "--format", "jsonl", "--output", str(out))
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [d["case_number"] for d in lines] == LETTERS  # the failed parse is skipped

    for exported in copy.deepcopy(lines):
        expected = parse_text(texts[exported["case_number"]], source_name=f"{exported['case_number']}.txt").to_dict()
        assert list(exported) == list(expected)
        links = []
        for item in exported["items"]:
            for party in ("claims_administrator", "maximus"):
                for citation in item[party]:
                    links.append(citation.pop("link"))
        assert exported == expected
        for link in links:
            assert link is None or {"document", "year", "sections", "method", "confidence"} <= set(link)

    first = lines[0]["items"][0]
    summary = first["maximus"][0]["link"]
    assert summary["document"] == "Low Back Complaints" and summary["year"] == 2004
    assert summary["sections"] == [{"title": "Summary", "number": None, "anchor": "summary"}]
    assert summary["method"] == "exact_title" and summary["confidence"] == 1.0
    assert first["claims_administrator"][0]["link"]["sections"] == []  # document only

    opioid_letter = lines[2]
    elbow = [c for i in opioid_letter["items"] for c in i["maximus"] if c["document"] == "Elbow Complaints"]
    assert elbow and elbow[0]["link"]["sections"] == [
        {"title": "Diagnostic Criteria", "number": None, "anchor": "diagnostic-criteria"}
    ]
    none_cits = [
        c
        for d in lines
        for i in d["items"]
        for p in ("claims_administrator", "maximus")
        for c in i[p]
        if c["kind"] == "NONE"
    ]
    assert all(c["link"] is None for c in none_cits)


def test_export_keeps_a_topic_of_another_chapter_out_of_the_linked_documents_sections(catalog, dwc_txt_dir, tmp_path):
    # CM17-0009996: "Official Disability Guidelines (ODG) Knee/DME, Low Back Lumbar and
    # Thoracic/Mattress selection ...": linked to ODG Knee & Leg; "Mattress selection" is an ODG
    # Low Back topic and must not be listed as a Knee & Leg section.
    store_letter((dwc_txt_dir / "CM17-0009996.txt").read_text(encoding="utf-8"), "CM17-0009996.txt")
    out = tmp_path / "export.jsonl"
    call_command("export_determinations", "--format", "jsonl", "--output", str(out))
    (letter,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    link = letter["items"][0]["maximus"][0]["link"]
    assert link["slug"] == "odg-knee-and-leg"
    assert [s["title"] for s in link["sections"]] == ["Durable medical equipment (DME)"]
    assert link["other_sections"] == [
        {
            "document": "Low Back - Lumbar & Thoracic (Acute & Chronic)",
            "slug": "odg-low-back",
            "title": "Mattress selection",
            "number": None,
            "anchor": "mattress-selection",
        }
    ]
