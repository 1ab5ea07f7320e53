"""Guideline pages, the citation partial and the API, on a real letter."""

import pytest

from cases.models import DisputedItem
from guidelines.models import GuidelineSection, QuotedPassage
from tests.support.letters import store_letter

CASE = "CM16-0219557"  # MAXIMUS: Low Back Complaints 2004 Summary + Chronic Pain 2016 Facet blocks


@pytest.fixture
def letter(catalog, dwc_txt_dir):
    return store_letter((dwc_txt_dir / f"{CASE}.txt").read_text(encoding="utf-8"), f"{CASE}.txt")


def test_document_list_by_family(client, letter):
    html = client.get("/guidelines/").content.decode()
    for text in (
        "MTUS",
        "ODG",
        "ACOEM",
        "Low Back Complaints",
        "Chronic Pain Medical Treatment Guidelines",
        "8 CCR 9792.24.2",
        'href="/guidelines/mtus-low-back-2004/"',
    ):
        assert text in html


def test_document_page_has_toc_with_counts(client, letter):
    response = client.get("/guidelines/mtus-low-back-2004/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/guidelines/mtus-low-back-2004/summary/"' in html
    assert 'href="/guidelines/mtus-low-back-2004/special-studies/"' in html
    assert response.context["tree"][0]["section"].title == "Introduction"
    summary = next(n for n in response.context["tree"] if n["section"].anchor == "summary")
    assert summary["count"] == 1
    assert "8 CCR 9792.23.5" in html and "287" in html
    # Nested table of contents (Opioids 3 > 3.3 > 3.3.1 > 3.3.1.1)
    tree = client.get("/guidelines/mtus-opioids-2016/").context["tree"]
    three = next(n for n in tree if n["section"].number == "3")
    assert [c["section"].number for c in three["children"]][:3] == ["3.1", "3.2", "3.3"]


def test_section_page_without_text(client, letter):
    response = client.get("/guidelines/mtus-chronic-pain-2016/facet-blocks/")
    html = response.content.decode()
    assert "Official text not loaded" in html
    assert "python manage.py import_guideline mtus-chronic-pain-2016 FILE" in html
    assert f'href="/determinations/{CASE}/"' in html
    assert response.context["counts"] == {"Upheld": 1, "Overturned": 0}
    # The reviewer's quote ("As noted on page 82 of the MTUS Chronic Pain ...") is shown here.
    assert "As noted on page 82 of the MTUS Chronic Pain Medical Treatment Guidelines" in html


def test_section_page_with_text_and_escaping(client, letter):
    section = GuidelineSection.objects.get(document__slug="mtus-low-back-2004", anchor="summary")
    section.text = "Table 12-8 <b>summary</b> text."
    section.save()
    item = DisputedItem.objects.get(determination=letter, order=0)
    item.request = "Facet <script>alert(1)</script> injections"
    item.save()
    QuotedPassage.objects.create(
        item=item,
        document=section.document,
        section=section,
        text='ACOEM states "<img src=x onerror=alert(2)>".',
        order=99,
    )
    html = client.get("/guidelines/mtus-low-back-2004/summary/").content.decode()
    assert "Official text not loaded" not in html
    assert "Table 12-8 &lt;b&gt;summary&lt;/b&gt; text." in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(2)&gt;" in html


def test_citation_partial_links_and_passage(client, letter):
    html = client.get(f"/determinations/{CASE}/").content.decode()
    assert 'href="/guidelines/mtus-low-back-2004/summary/"' in html
    assert 'href="/guidelines/mtus-chronic-pain-2016/facet-blocks/"' in html
    assert "<details" in html and "As noted on page 82" in html


def test_api(client, letter):
    data = client.get("/api/guidelines/", {"page_size": 100}).json()
    slugs = {d["slug"] for d in data["results"]}
    assert "mtus-low-back-2004" in slugs and data["count"] == len(slugs)
    doc = client.get("/api/guidelines/mtus-opioids-2016/").json()
    assert doc["regulation"] == "8 CCR 9792.24.4"
    assert any(
        s["number"] == "3.3.1.1"
        and s["parent"] == "3-3-1-screening-for-risk-of-addiction-or-adverse-events-prior-to-chronic-opioid-treatment"
        for s in doc["sections"]
    )
    section = client.get("/api/guidelines/mtus-chronic-pain-2016/sections/facet-blocks/").json()
    assert section["title"] == "Facet blocks" and section["text"] == "" and section["has_text"] is False
    assert section["decision_counts"] == {"Upheld": 1, "Overturned": 0}
    assert section["citing_determinations"][0]["case_number"] == CASE
    assert section["quotes"]
    assert client.get("/api/guidelines/mtus-chronic-pain-2016/sections/nope/").status_code == 404
    assert client.post("/api/guidelines/", {}).status_code == 401  # anonymous write


def test_unknown_pages_404(client, catalog):
    assert client.get("/guidelines/no-such-doc/").status_code == 404
    assert client.get("/guidelines/mtus-low-back-2004/no-such-section/").status_code == 404


def test_section_quotes_are_read_a_page_at_a_time(client, letter, monkeypatch, django_assert_max_num_queries):
    """A much-quoted section: its page lists the quotes from the database, a page at a time, with
    the same SQL whatever their number."""
    from guidelines import views

    section = GuidelineSection.objects.get(document__slug="mtus-chronic-pain-2016", anchor="facet-blocks")
    item = DisputedItem.objects.get(determination=letter, order=0)
    QuotedPassage.objects.bulk_create(
        [
            QuotedPassage(
                item=item, document=section.document, section=section, text=f"Quote number {n}.", order=100 + n
            )
            for n in range(7)
        ]
    )
    total = section.quoted_passages.count()
    monkeypatch.setattr(views, "QUOTES_PER_PAGE", 3)
    url = "/guidelines/mtus-chronic-pain-2016/facet-blocks/"
    with django_assert_max_num_queries(12):
        html = client.get(url).content.decode()
    assert f"What reviewers quote ({total})" in html and f"1–3 of {total}" in html
    assert html.count('<blockquote class="quote">') == 3 and 'href="?quotes=2"' in html
    last = client.get(url, {"quotes": 3}).content.decode()
    assert last.count('<blockquote class="quote">') == total - 6 and f"7–{total} of {total}" in last
