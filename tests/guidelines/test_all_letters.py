"""The linker on all 150 real letters, against a hand-checked expectation.

"Right" for an MTUS citation naming sections: every named section links to the catalog section
the expectation below gives. The expectation is built independently of the linker, from the
catalog file itself: a numbered section ("3.3.1.2 Opioids for ...: Screening ...") is the section
with that number; a title is the section with that title (case-insensitive); two misspellings in
the letters are mapped by hand; a bare number ("Elbow Complaints 2007, Section(s): 326") is a page
the 2007 Elbow chapter gives no ranges for, so no section is right and it must reach the review
queue (these count as misses in the figure). Documents: a hand-written table for MTUS titles,
and for Non-MTUS clauses an ordered keyword table per ODG/ACOEM chapter.
"""

import re
from collections import Counter

import pytest
import yaml

from cases.parser import parse_text
from guidelines.linker import default_linker, norm
from guidelines.linker.catalog import CATALOG_FILE, section_anchor

MTUS_DOCUMENTS = {
    ("Chronic Pain Medical Treatment", 2016): "mtus-chronic-pain-2016",
    ("Chronic Pain Medical Treatment", 2009): "mtus-chronic-pain-2009",
    ("Low Back Complaints", 2004): "mtus-low-back-2004",
    ("Neck and Upper Back Complaints", 2004): "mtus-neck-and-upper-back-2004",
    ("Shoulder Complaints", 2004): "mtus-shoulder-2004",
    ("Acupuncture Treatment", 2007): "mtus-acupuncture-2007",
    ("Opioid Treatment", 2016): "mtus-opioids-2016",
    ("Forearm, Wrist, and Hand Complaints", 2004): "mtus-forearm-wrist-hand-2004",
    ("Knee Complaints", 2004): "mtus-knee-2004",
    ("General Approaches", 2004): "mtus-general-approaches-2004",
    ("Elbow Complaints", 2007): "mtus-elbow-2007",
    ("Postsurgical Treatment", 2009): "mtus-postsurgical-2009",
    ("Stress-Related Conditions", 2004): "mtus-stress-related-conditions-2004",
    ("Ankle and Foot Complaints", 2004): "mtus-ankle-and-foot-2004",
}


def expected_document(document, year):
    """The hand-written table, matched ignoring case and punctuation (the parser may change
    how it spells a title; the table must still say where it belongs)."""
    for (title, y), slug in MTUS_DOCUMENTS.items():
        if norm(title) == norm(document) and y == year:
            return slug
    raise AssertionError(f"MTUS document not in the hand-checked table: {document!r} {year}")


MISSPELLED = {"diagnositc criteria": "diagnostic criteria", "inital care": "initial care"}

# Non-MTUS: the first of these (by position in the clause) names the chapter.
ODG_CHAPTERS = [
    (r"low back|lower back|lumbar", "odg-low-back"),
    (r"neck", "odg-neck-and-upper-back"),
    (r"\bpain\b", "odg-pain"),
    (r"knee", "odg-knee-and-leg"),
    (r"shoulder", "odg-shoulder"),
    (r"elbow", "odg-elbow"),
    (r"forearm|\bhand\b", "odg-forearm-wrist-hand"),
    (r"carpal tunnel", "odg-carpal-tunnel-syndrome"),
    (r"ankle", "odg-ankle-and-foot"),
    (r"\bhips?\b", "odg-hip-and-pelvis"),
    (r"\bhead\b", "odg-head"),
    (r"mental illness", "odg-mental-illness-and-stress"),
    (r"hernia", "odg-hernia"),
    (r"fitness for duty", "odg-fitness-for-duty"),
    (r"preface|physical (?:therapy|medicine) guidelines", "odg-preface"),
]
ACOEM_CHAPTERS = [
    (r"low back disorders", "acoem3-low-back-disorders"),
    (r"hip and groin", "acoem3-hip-and-groin-disorders"),
]


def expected_non_mtus(clause):
    text = clause.lower()
    if "acoem" in text and not re.search(r"official disability|odg", text):
        table = ACOEM_CHAPTERS
    elif re.search(r"official disability|\bodg\b", text):
        table = ODG_CHAPTERS
        text = re.sub(r"chronic pain", "pain", text) if text.find("pain") >= 0 else text
    elif re.match(r"(low back|shoulder) \(", text):
        table = ODG_CHAPTERS  # "Low Back (Hyperstimulation analgesia)": an ODG chapter title
    else:
        return None
    hits = [(m.start(), slug) for pattern, slug in table for m in [re.search(pattern, text)] if m]
    return min(hits)[1] if hits else None


def catalog_sections():
    """slug -> (number -> anchor, lower title -> anchor), straight from the YAML file."""
    data = yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8"))
    out = {}

    def walk(entries, numbers, titles):
        for entry in entries or []:
            entry = {"title": entry} if isinstance(entry, str) else entry
            number = str(entry.get("number", "") or "")
            anchor = section_anchor(number, entry["title"])
            if number:
                numbers[number] = anchor
            titles.setdefault(entry["title"].lower(), anchor)
            walk(entry.get("sections"), numbers, titles)

    for doc in data["documents"]:
        numbers, titles = {}, {}
        walk(doc.get("sections"), numbers, titles)
        out[doc["slug"]] = (numbers, titles)
    return out


def expected_anchor(slug, cited, sections):
    numbers, titles = sections[slug]
    numbered = re.match(r"^(\d+(?:\.\d+)*)\.?\s", cited)
    if numbered:
        return numbers[numbered.group(1)]
    if cited.strip().isdigit():
        return None  # a page number: no section is right; must be queued
    return titles[MISSPELLED.get(cited.lower(), cited.lower())]


@pytest.fixture(scope="module")
def citations(dwc_txt_dir):
    found = []
    for path in sorted(dwc_txt_dir.glob("*.txt")):
        letter = parse_text(path.read_text(encoding="utf-8", errors="replace"), source_name=path.name)
        for item in letter.items:
            for party in ("claims_administrator", "maximus"):
                found.extend((path.name, party, c) for c in getattr(item, party))
    return found


def test_mtus_sections_link_to_the_right_section(citations):
    linker, sections = default_linker(), catalog_sections()
    named = right = 0
    named_sections = right_sections = 0
    wrong = []
    for name, _party, c in citations:
        if c.kind != "MTUS" or not c.sections:
            continue
        named += 1
        slug = expected_document(c.document, c.year)
        expected = [expected_anchor(slug, s, sections) for s in c.sections]
        result = linker.link("MTUS", c.document, c.year, c.sections, c.pages, c.clause)
        named_sections += len(expected)
        right_sections += sum(1 for e in expected if e is not None and e in result.sections)
        if result.document == slug and None not in expected and result.sections == list(dict.fromkeys(expected)):
            right += 1
        else:
            wrong.append((name, c.document, c.sections, result.sections))
            if None in expected:
                assert result.needs_review, (name, c.sections)  # the page-number form reaches the queue
    share = right / named
    print(
        f"\nMTUS citations naming sections: {named}; linked to the right sections: {right} ({share:.2%}); "
        f"named sections {named_sections}, right {right_sections} ({right_sections / named_sections:.2%})"
    )
    for miss in wrong:
        print("  miss:", miss)
    assert named >= 400
    assert share >= 0.98, wrong
    # The only misses are the bare page numbers, which go to the review queue.
    assert all(any(s.strip().isdigit() for s in miss[2]) for miss in wrong)


def test_every_citation_of_a_catalog_document_resolves_to_it(citations):
    linker = default_linker()
    counts = Counter()
    for name, _party, c in citations:
        if c.kind == "NONE":
            continue
        result = linker.link(c.kind, c.document, c.year, c.sections, c.pages, c.clause)
        if c.kind == "MTUS":
            expected = expected_document(c.document, c.year)
        else:
            expected = expected_non_mtus(c.document or c.clause)
        counts["catalog" if expected else "outside"] += 1
        if expected:
            assert result.document == expected, (name, c.document, result)
            counts["resolved"] += 1
        else:
            # Not a catalog document (UpToDate, Medicare, bare "ODG"): the review queue decides.
            assert result.document is None and result.needs_review, (name, c.document, result)
    print(
        f"\ncitations of catalog documents: {counts['catalog']}, resolved to that document: {counts['resolved']}; "
        f"naming no catalog document (queued): {counts['outside']}"
    )
    assert counts["catalog"] >= 700 and counts["resolved"] == counts["catalog"]


def test_all_letters_stored_linked_and_queued(catalog, citations, dwc_txt_dir):
    """Through the database: ingest links every letter in its transaction (pipeline step 6); what
    is unresolved is in the review queue; link_citations figures agree."""
    from cases.models import GuidelineCitation
    from guidelines.linking import figures
    from guidelines.models import CitationLink
    from tests.support.letters import store_letter

    for path in sorted(dwc_txt_dir.glob("*.txt")):
        store_letter(path.read_text(encoding="utf-8", errors="replace"), path.name)
    f = figures()
    print("\nfigures:", f)
    assert f["citations"] == len(citations) and f["unlinked"] == 0
    cited = CitationLink.objects.exclude(citation__kind=GuidelineCitation.Kind.NONE)
    assert not cited.filter(document__isnull=True, needs_review=False).exists()
    assert f["mtus_resolved_to_a_section"] / f["mtus_naming_sections"] >= 0.98
    assert f["review_queue"] == CitationLink.objects.filter(needs_review=True).count() > 0
    assert f["quoted_passages"] > 300


def _variants(title):
    """Spellings an unseen letter may use for a section the 150 letters cite."""
    out = {
        title.lower(),
        title.upper(),
        title.title(),
        title.replace("&", "and"),
        title.replace(" and ", " & "),
        " ".join(title.split()) + " ",
        title.replace("-", " "),
    }
    bare = re.sub(r"\s*\([^)]*\)", "", title).strip()
    if bare and bare != title and not re.match(r"^\d", title):
        out.add(bare)
    return out


def test_section_spelling_variants_link_to_the_same_section(citations):
    linker, sections = default_linker(), catalog_sections()
    seen, checked, failures = set(), 0, []
    for _, _, c in citations:
        if c.kind != "MTUS":
            continue
        slug = expected_document(c.document, c.year)
        for cited in c.sections:
            if (slug, cited) in seen or cited.strip().isdigit():
                continue
            seen.add((slug, cited))
            expected = expected_anchor(slug, cited, sections)
            for variant in _variants(cited):
                checked += 1
                got = linker.link("MTUS", c.document.upper(), c.year, [variant]).sections
                if got != [expected]:
                    failures.append((c.document, variant, got, expected))
    print(f"\nsection spelling variants checked: {checked}, failures: {len(failures)}")
    assert not failures, failures[:10]
