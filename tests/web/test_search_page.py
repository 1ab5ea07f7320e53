"""The search page (/search/) against the embedded backend over the 150 real letters.

The corpus is ingested once per module (conftest `letters_db`, the guideline catalog loaded),
classified by the taxonomy and indexed through the backends' rebuild path
(`manage.py search_index --rebuild`) into a module-wide index directory. One extra letter, a real
letter with markup written into its request and summary, checks that letter text is escaped; the
seed letter (older layout, no case number) is there too.

Expected numbers come from the database (tests/support/oracle.py), never from the search code.
"""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.support import oracle
from tests.support.corpus_fixtures import HOSTILE_CASE
from tests.support.pages import figures

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_corpus_index")]


def page(client, **params) -> str:
    response = client.get("/search/", params)
    assert response.status_code == 200
    return response.content.decode()


def facet_entries(html: str, facet: str) -> list[tuple[str, int, str]]:
    """(value, count, url) of a facet's entries on the page."""
    block = re.search(rf'<section class="facet" data-facet="{facet}">(.*?)</section>', html, re.S)
    if not block:
        return []
    return [
        (unescape(value), int(count), unescape(url))
        for url, value, count in re.findall(
            r'<a href="([^"]+)" class="[^"]*" data-value="([^"]*)".*?<span class="count">(\d+)</span>',
            block.group(1),
            re.S,
        )
    ]


# --- what the page says ------------------------------------------------------------------------


def test_empty_search_counts_every_decision(client):
    html = page(client)
    decisions = oracle.ids(oracle.items())
    assert figures(html) == (len(decisions), len(oracle.letters_of(decisions)))
    for label in [
        "Outcome",
        "Procedure category",
        "Procedure",
        "Body region",
        "Guideline",
        "Guideline section",
        "Reviewer specialty",
        "Decision year",
    ]:
        assert f"<h3>{label}</h3>" in html, label
    upheld = oracle.decisions_of(decisions)["Upheld"]
    assert ("Upheld", upheld) in [(v, c) for v, c, _ in facet_entries(html, "decision")]
    assert "Counts are decisions." in html


def test_a_procedure_query_says_what_it_matched_and_offers_to_widen(client):
    html = page(client, q="lumbar MRI")
    explain = re.search(r'<p class="explain" id="explain">(.*?)</p>', html, re.S).group(1)
    assert "request or classified procedure" in explain and "MRI" in explain and "lumbar spine" in explain
    assert "magnetic resonance imaging" in explain  # the synonyms searched, said as such
    assert "Only letters classified" not in html  # the old line that looked like an applied filter
    assert 'class="chip"' not in html  # nothing is filtered
    widen = unescape(re.search(r'<a href="([^"]+)" id="widen-link">', html).group(1))
    assert "widen=1" in widen
    wide = page(client, **dict(p.split("=", 1) for p in widen.lstrip("?").split("&")))
    assert "rationale or clinical summary" in wide
    assert figures(wide)[0] > figures(html)[0]
    text = page(client, q="radiculopathy")
    assert "request, rationale, reviewer quotes or clinical summary contain" in text


def test_outcome_summary(client):
    html = page(client, q="lumbar MRI")
    case = oracle.PROCEDURE_CASES[1]
    expected = case.expected()
    outcomes = oracle.decisions_of(expected)
    summary = re.search(r'<section class="card outcome".*?</section>', html, re.S).group(0)
    assert re.search(rf'class="n-decisions">{len(expected)}<', summary)
    assert re.search(rf'class="n-letters">{len(oracle.letters_of(expected))}<', summary)
    assert re.search(rf'class="n-upheld">{outcomes["Upheld"]}<', summary)
    assert re.search(rf'class="n-overturned">{outcomes["Overturned"]}<', summary)
    assert "the treatment stays denied" in summary  # Upheld explained in plain words
    # The 23 lumbar MRI decisions of the 150 letters and the hostile copy of one of them: 1
    # overturned of 24, 4.2%, Wilson 95% interval 0.7%-20.2% (computed by hand).
    assert (outcomes["Overturned"], len(expected)) == (1, 24)
    assert ">4.2%<" in summary and "0.7%–20.2%" in summary
    relied = re.findall(r'<li><a href="(/guidelines/[^"]+)">([^<]+)</a> <span class="count">(\d+) decision', summary)
    assert len(relied) == 5
    assert unescape(relied[0][1]) == "Low Back Complaints (2004) › Special Studies"
    assert client.get(relied[0][0]).status_code == 200


def test_a_facet_count_is_what_following_it_returns(client):
    """Every facet value's count, on a narrowed search, equals the decisions its link returns."""
    html = page(client, q="MRI", decision="Upheld")
    total = figures(html)[0]
    checked = 0
    for facet in ("decision", "body_region", "specialty", "guideline_section", "decision_year"):
        for value, count, url in facet_entries(html, facet)[:5]:
            if facet == "decision" and value == "Upheld":
                assert count == total  # the selected value: its link removes it
                continue
            target = client.get("/search/" + url).content.decode()
            assert figures(target)[0] == count, (facet, value, url)
            checked += 1
    assert checked >= 15


def test_selecting_a_value_keeps_the_others_as_replacements(client):
    html = page(client, q="MRI", decision="Overturned")
    entries = facet_entries(html, "decision")
    assert [v for v, _, _ in entries] == ["Overturned", "Upheld"]
    assert 'class="selected" data-value="Overturned"' in html and 'class="switch" data-value="Upheld"' in html
    (_, overturned, remove), (_, upheld, switch) = entries
    assert figures(html)[0] == overturned
    assert "decision=Upheld" in switch and "decision=Overturned" not in switch
    assert figures(client.get("/search/" + switch).content.decode())[0] == upheld
    assert "decision=" not in remove


def test_filters_show_removable_chips_and_match_the_database(client):
    html = page(client, decision="Overturned", procedure_category="imaging")
    expected = oracle.ids(oracle.items().filter(decision="Overturned", procedure_category="imaging"))
    assert figures(html) == (len(expected), len(oracle.letters_of(expected)))
    assert html.count('class="chip"') == 2
    remove = unescape(re.search(r'<a class="remove" href="([^"]+)"', html).group(1))
    assert "decision=" not in remove and "procedure_category=imaging" in remove


def test_results_are_letters_with_the_matching_decisions_first(client):
    from cases.models import Determination

    html = page(client, q="lumbar MRI", page_size=50)
    expected = oracle.PROCEDURE_CASES[1].expected()
    letters = re.findall(r'<article class="card hit" data-case="([^"]*)" data-id="(\d+)">(.*?)</article>', html, re.S)
    assert {int(pk) for _, pk, _ in letters} == oracle.letters_of(expected)
    for _case, pk, body in letters:
        det = Determination.objects.get(pk=pk)
        items = list(det.items.order_by("order"))
        matching = [i for i in items if i.pk in expected]
        shown = re.findall(r'<li class="item( match)?" data-order="(\d+)">', body)
        # Matching first (in letter order), then the others, folded in <details>.
        assert [int(order) for mark, order in shown] == [i.order + 1 for i in matching] + [
            i.order + 1 for i in items if i.pk not in expected
        ]
        assert [bool(mark) for mark, _ in shown] == [True] * len(matching) + [False] * (len(items) - len(matching))
        if len(items) > len(matching):
            assert "other decision" in body and "<details" in body


def test_partly_authorized_decisions_are_titled_by_their_disputed_portion(client):
    from cases.models import DisputedItem

    item = DisputedItem.objects.exclude(disputed_portion=None).filter(procedure="physical therapy").first()
    html = page(client, q=item.determination.case_number)
    assert f'<span class="title">{item.disputed_portion}</span>' in unescape(html)
    assert "the part left after a partial authorization" in html


def test_pagination_is_by_letters_and_shareable(client):
    first = page(client, q="physical therapy", page_size=5)
    assert 'rel="next"' in first
    next_url = unescape(re.search(r'<a href="([^"]+)" rel="next"', first).group(1))
    assert "q=physical+therapy" in next_url and "page=2" in next_url and "page_size=5" in next_url
    second = client.get("/search/" + next_url).content.decode()
    assert 'rel="prev"' in second and 'aria-current="page"' in second
    cases_first = re.findall(r'data-id="(\d+)"', first)
    cases_second = re.findall(r'data-id="(\d+)"', second)
    assert len(cases_first) == 5 and len(cases_second) == 5 and not set(cases_first) & set(cases_second)
    assert re.findall(r'data-id="(\d+)"', client.get("/search/" + next_url).content.decode()) == cases_second
    assert "letters 6–10" in second


def test_paging_past_the_end_is_a_clean_empty_page(client):
    html = page(client, q="physical therapy", page=99)
    assert 'id="past-end"' in html and "Page 99 is past the last page" in html
    assert 'article class="card hit"' not in html
    assert "letters 1961" not in html and "–" not in re.search(r'id="result-count">(.*?)</div>', html, re.S).group(1)
    last = unescape(re.search(r'id="past-end">.*?<a href="([^"]+)"', html, re.S).group(1))
    assert 'class="card hit"' in client.get("/search/" + last).content.decode()


def test_sort_by_date(client):
    html = page(client, q="physical therapy", sort="-date", page_size=50)
    dates = re.findall(r"Decided (\d{4}-\d{2}-\d{2})", html)
    assert len(dates) > 3 and dates == sorted(dates, reverse=True)
    html = page(client, q="physical therapy", sort="date", page_size=50)
    dates = re.findall(r"Decided (\d{4}-\d{2}-\d{2})", html)
    assert dates == sorted(dates)
    assert 'class="selected" data-sort="date"' in html


def test_date_range_filters_and_shows_chips(client):
    expected = oracle.ids(
        oracle.items().filter(
            determination__decision_date__gte="2017-01-01", determination__decision_date__lte="2017-01-31"
        )
    )
    html = page(client, date_from="2017-01-01", date_to="2017-01-31")
    assert figures(html) == (len(expected), len(oracle.letters_of(expected)))
    assert "From:</span> 2017-01-01" in html and "To:</span> 2017-01-31" in html


# --- words, highlights, escaping ---------------------------------------------------------------------


def test_letter_markup_is_escaped_and_highlights_are_marked(client):
    html = page(client, q="zqxss")
    assert HOSTILE_CASE in html
    assert "<script>alert(" not in html and "<b>zqxss" not in html
    assert "&lt;b&gt;<mark>zqxss</mark>&lt;/b&gt;" in html  # the request snippet: escaped, then marked
    assert "MRI of the lumbar spine without contrast &lt;b&gt;zqxss&lt;/b&gt;" in html


def test_a_synonym_phrase_is_highlighted_as_a_phrase(client):
    html = page(client, q="MRI", widen=1, page_size=100)
    marks = {m.lower() for m in re.findall(r"<mark>([^<]+)</mark>", html)}
    assert "mri" in marks
    # "positive" shares the stem of "positional", but is no "positional MRI".
    assert {m for m in marks if m.startswith("posit")} <= {"positional mri"}


def test_snippets_start_at_a_sentence_or_clause(client):
    from cases.models import DisputedItem

    data = client.get("/api/search/", {"q": "radiculopathy", "page_size": 50}).json()
    checked = 0
    for letter in data["results"]:
        for item in letter["items"]:
            for snippet in item["highlights"].get("rationale", []):
                text = unescape(re.sub(r"</?mark>", "", snippet))
                if not text.startswith("…"):
                    continue  # the rationale's own beginning
                rationale = " ".join(DisputedItem.objects.get(pk=item["id"]).rationale.split("\n"))
                at = rationale.find(text[1:60])
                assert at > 0, text[:80]
                assert re.search(r"([.;:!?,]\s+|\n\s*|\s[-–—]\s+)$", rationale[max(0, at - 4) : at]), rationale[
                    at - 20 : at + 40
                ]
                checked += 1
    assert checked >= 5


def test_a_typo_finds_the_procedure_and_says_so(client):
    html = page(client, q="lumbr mri")
    assert 'id="corrected"' in html and "“lumbar mri”" in html
    assert figures(html) == figures(page(client, q="lumbar MRI"))
    assert 'value="lumbr mri"' in html  # the box keeps what was typed


def test_an_empty_result_names_the_search_and_suggests_procedures(client):
    html = page(client, q="acupunture xyzzy")
    assert figures(html) == (0, 0)
    empty = re.search(r'<div class="card empty" id="empty">(.*?)</div>', html, re.S).group(1)
    assert "“acupunture xyzzy”" in empty
    assert re.search(r'Nearest procedure names: .*?<a href="\?q=acupuncture">acupuncture</a>', empty, re.S)


def test_an_over_long_query_keeps_the_box_filled_and_lists_nothing(client):
    long = "lumbar MRI " * 60
    html = page(client, q=long)
    assert 'role="alert"' in html and "q" in html
    assert f'value="{long.strip()}"' in html
    assert 'id="result-count"' not in html and 'class="card hit"' not in html


def test_invalid_parameters_are_reported_not_fatal(client):
    html = page(client, q="MRI", page="abc", date_from="yesterday")
    assert 'role="alert"' in html and "page" in html and "date_from" in html
    assert 'class="card hit"' in html


# --- links ----------------------------------------------------------------------------------------


def test_cited_sections_link_to_their_guideline_page(client):
    html = page(client, q="lumbar MRI")
    links = re.findall(r'Relies on: <a href="(/guidelines/[^"]+/)">([^<]+)</a>', html)
    assert links
    for url, label in links[:3]:
        assert " › " in unescape(label)  # qualified by its document
        assert client.get(url).status_code == 200


def test_letter_without_case_number_links_to_its_page_by_id(client):
    from cases.models import Determination

    seed = Determination.objects.get(case_number__isnull=True, layout="2013")
    html = page(client, q="medial branch block")
    link = f'<a href="/determinations/id/{seed.pk}/" class="case-link">Letter without case number</a>'
    assert link in html
    assert client.get(f"/determinations/id/{seed.pk}/").status_code == 200


def test_sections_tab(client):
    html = page(client, q="facet", target="sections")
    assert 'class="selected" data-target="sections"' in html
    assert re.search(r"<strong>\d+</strong> sections?", html)


def test_guideline_sections_are_searchable_from_the_sections_tab(client):
    """A guideline section indexed through search.section_documents is found on the sections
    tab and by /api/search/sections/, with its text highlighted and escaped."""
    from guidelines import models
    from search.backends import get_backend
    from search.section_documents import section_document

    doc = models.GuidelineDocument.objects.create(
        family="MTUS", title="Chronic Pain Medical Treatment", slug="test-chronic-pain", edition_year=2009
    )
    section = models.GuidelineSection.objects.create(
        document=doc,
        title="Facet joint diagnostic blocks (injections)",
        anchor="facet-blocks",
        text="Limited to patients with low-back pain that is non-radicular <i>and</i> at no more than two levels.",
    )
    backend = get_backend()
    backend.index_sections([section_document(section)])
    backend.refresh()
    try:
        data = client.get("/api/search/sections/", {"q": "facet blocks"}).json()
        hit = next(r for r in data["results"] if r["id"] == section.pk)
        assert hit["title"] == "Facet joint diagnostic blocks (injections)"
        html = page(client, q="non-radicular", target="sections")
        assert "Facet joint diagnostic blocks (injections)" in html
        assert "<i>and</i>" not in html and "&lt;i&gt;" in html
        assert "<mark>" in html
    finally:
        backend.delete_sections([section.pk])
        backend.refresh()


# --- SQL: constant whatever the results ---------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "lumbar MRI"},
        {"q": "physical therapy", "page_size": 100},
        {"q": "radiculopathy", "decision": "Upheld", "specialty": "Orthopedic Surgery"},
        {"q": "facet", "target": "sections"},
    ],
)
def test_a_search_page_makes_at_most_five_sql_queries(client, django_assert_max_num_queries, params):
    from guidelines.queries import forget_section_urls

    forget_section_urls()  # the worst case: the section-link map is loaded in this request
    with django_assert_max_num_queries(5):
        response = client.get("/search/", params)
    assert response.status_code == 200
    with django_assert_max_num_queries(5):
        client.get("/api/search/", params)


# --- the same on the Elasticsearch backend (osmem-server) -----------------------------------------------


@pytest.mark.services
def test_the_page_on_elasticsearch(client, on_elasticsearch):
    test_empty_search_counts_every_decision(client)
    test_outcome_summary(client)
    test_a_facet_count_is_what_following_it_returns(client)
    test_results_are_letters_with_the_matching_decisions_first(client)
    test_a_typo_finds_the_procedure_and_says_so(client)
