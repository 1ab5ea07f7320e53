"""The search page (/search/) against the embedded backend over the 150 real letters.

The corpus is ingested once per module (conftest `letters_db`), classified by the taxonomy
(`manage.py reclassify --all`) and indexed through the backends' rebuild path
(`manage.py search_index --rebuild`) into a module-wide index directory. One extra letter, a real
letter with markup written into its request and summary, checks that letter text is escaped.

"Letters about a procedure" are defined by the taxonomy fields stored on the items (computed
from the request text, independently of the search engine), and facet counts are compared with
counts computed from the database.
"""
from __future__ import annotations

import re
from collections import Counter
from html import unescape

import pytest
from django.core.management import call_command
from django.test.utils import override_settings

from tests.conftest import DWC_TXT

HOSTILE_CASE = "CM99-0000001"
HOSTILE_SCRIPT = "<script>alert('zqxss')</script>"


def _hostile_letter(tmp_dir):
    """A real letter with markup in its request line and clinical summary (new case number)."""
    text = (DWC_TXT / "CM16-0247255.txt").read_text(encoding="utf-8")
    text = text.replace("CM16-0247255", HOSTILE_CASE)
    text = text.replace("undergoing treatment for \nlumbar strain.", f"undergoing treatment for \nlumbar strain {HOSTILE_SCRIPT}.")
    text = text.replace("MRI of the lumbar spine without contrast:  Upheld",
                        "MRI of the lumbar spine without contrast <b>zqxss</b>:  Upheld")
    path = tmp_dir / f"{HOSTILE_CASE}.txt"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def corpus_index(letters_db, django_db_blocker, tmp_path_factory):
    """Index directory holding every ingested letter, classified, built once per module."""
    from cases.ingest import ingest_file
    from search.backends import reset_backend

    index_dir = tmp_path_factory.mktemp("search-corpus-index")
    letter_dir = tmp_path_factory.mktemp("hostile-letter")
    with django_db_blocker.unblock(), override_settings(SEARCH_INDEX_DIR=index_dir, SEARCH_BACKEND="embedded"):
        reset_backend()
        outcome = ingest_file(_hostile_letter(letter_dir))
        assert outcome.status in ("new", "updated", "unchanged"), outcome
        # The older-layout seed letter carries no case number: its hit must still link somewhere.
        seed = ingest_file(next((DWC_TXT.parent.parent / "seed").glob("*.txt")))
        assert seed.status in ("new", "updated", "unchanged"), seed
        call_command("reclassify", "--all", "--no-reindex", stdout=open("/dev/null", "w"))
        call_command("search_index", "--rebuild", stdout=open("/dev/null", "w"), stderr=open("/dev/null", "w"))
        reset_backend()
    return index_dir


@pytest.fixture(autouse=True)
def search_index_dir(settings, corpus_index):
    """Overrides the per-test empty index of tests/search/conftest.py with the module's corpus."""
    from search.backends import reset_backend

    settings.SEARCH_INDEX_DIR = corpus_index
    settings.SEARCH_BACKEND = "embedded"
    reset_backend()
    yield corpus_index
    reset_backend()


# --- database truth (independent of the search engine) --------------------------------------------

def letters_with_item(**item_filters) -> set[int]:
    from cases.models import Determination, DisputedItem

    return set(
        DisputedItem.objects.filter(**item_filters)
        .exclude(determination__parse_status=Determination.ParseStatus.FAILED)
        .values_list("determination_id", flat=True)
    )


def db_facet_counts(field: str) -> Counter:
    from cases.models import Determination, DisputedItem

    counts: Counter = Counter()
    rows = (DisputedItem.objects.exclude(determination__parse_status=Determination.ParseStatus.FAILED)
            .exclude(**{field: ""}).order_by().values_list(field, "determination_id").distinct())
    for value, _ in rows:
        counts[value] += 1
    return counts


# Relevance: for each query, the letters "about" it by the stored classification.
RELEVANCE_CASES = {
    "medial branch block": {"procedure__in": ["medial branch block", "facet joint injection"]},
    "MBB": {"procedure__in": ["medial branch block", "facet joint injection"]},
    "facet injection": {"procedure__in": ["medial branch block", "facet joint injection"]},
    "lumbar MRI": {"procedure": "MRI", "body_region": "lumbar spine"},
    "Norco": {"procedure": "hydrocodone/acetaminophen"},
    "TENS unit": {"procedure": "TENS unit"},
    "acupuncture": {"procedure": "acupuncture"},
    "opioids": {"procedure_category": "medications: opioids"},
}


def _hit_ids(client, q, **params):
    response = client.get("/api/search/", {"q": q, "page_size": 100, **params})
    assert response.status_code == 200, response.content[:500]
    data = response.json()
    ids = [r["id"] for r in data["results"]]
    while data["page"] < data["num_pages"]:
        data = client.get("/api/search/", {"q": q, "page_size": 100, "page": data["page"] + 1, **params}).json()
        ids += [r["id"] for r in data["results"]]
    return ids


# --- page ------------------------------------------------------------------------------------

pytestmark = pytest.mark.django_db


def test_empty_search_lists_every_letter_with_facets(client):
    from search.documents import indexable_determinations

    response = client.get("/search/")
    assert response.status_code == 200
    html = response.content.decode()
    total = indexable_determinations().count()
    assert re.search(rf"<strong>{total}</strong> letters", html)
    for label in ["Outcome", "Procedure category", "Procedure", "Body region", "Guideline",
                  "Reviewer specialty", "Decision year"]:
        assert f"<h3>{label}</h3>" in html, label
    # Facet values carry their counts.
    upheld = len(letters_with_item(decision="Upheld"))
    assert re.search(rf'data-value="Upheld".*?<span class="count">{upheld}</span>', html, re.S)


def test_query_expansion_is_shown_and_results_link_to_determinations(client):
    html = client.get("/search/", {"q": "MBB"}).content.decode()
    assert "Also searching for" in html and "medial branch block" in html
    relevant = letters_with_item(procedure__in=["medial branch block", "facet joint injection"])
    assert relevant
    from cases.models import Determination

    for pk, case in Determination.objects.filter(pk__in=relevant).values_list("pk", "case_number"):
        url = f"/determinations/{case}/" if case else f"/determinations/id/{pk}/"
        assert f'href="{url}"' in html


def test_facet_link_narrows_and_shows_a_removable_chip(client):
    html = client.get("/search/", {"q": "MRI"}).content.decode()
    all_count = int(re.search(r"<strong>(\d+)</strong> letter", html).group(1))
    link = re.search(r'<section class="facet" data-facet="decision">.*?<a href="([^"]+)"[^>]*data-value="Overturned"',
                     html, re.S).group(1)
    narrowed = client.get("/search/" + unescape(link)).content.decode()
    narrowed_count = int(re.search(r"<strong>(\d+)</strong> letter", narrowed).group(1))
    assert 0 < narrowed_count < all_count
    assert 'class="chip"' in narrowed and "Outcome:</span> Overturned" in narrowed
    remove = re.search(r'<a class="remove" href="([^"]+)"', narrowed).group(1)
    assert "decision=" not in unescape(remove)
    back = client.get("/search/" + unescape(remove)).content.decode()
    assert f"<strong>{all_count}</strong>" in back


def test_selected_facet_keeps_its_other_values_for_or(client):
    html = client.get("/search/", {"q": "MRI", "decision": "Overturned"}).content.decode()
    outcome = re.search(r'<section class="facet" data-facet="decision">(.*?)</section>', html, re.S).group(1)
    assert 'data-value="Overturned"' in outcome and 'data-value="Upheld"' in outcome
    assert re.search(r'class="selected" data-value="Overturned" role="checkbox" aria-checked="true"', outcome)
    both = client.get("/search/", {"q": "MRI", "decision": ["Overturned", "Upheld"]}).content.decode()
    assert both.count('class="chip"') == 2


def test_filters_combine_across_facets_and_match_the_database(client):
    overturned = letters_with_item(decision="Overturned")
    response = client.get("/api/search/", {"decision": "Overturned", "page_size": 100})
    assert response.json()["count"] == len(overturned)
    # Item-coherent AND: an overturned item that is itself imaging.
    both = letters_with_item(decision="Overturned", procedure_category="imaging")
    ids = _hit_ids(client, "", decision="Overturned", procedure_category="imaging")
    assert set(ids) == both
    html = client.get("/search/", {"decision": "Overturned", "procedure_category": "imaging"}).content.decode()
    assert html.count('class="chip"') == 2
    assert f"<strong>{len(both)}</strong>" in html


def test_pagination_and_shareable_urls(client):
    first = client.get("/search/", {"q": "MRI", "page_size": 5}).content.decode()
    assert 'rel="next"' in first
    next_url = unescape(re.search(r'<a href="([^"]+)" rel="next"', first).group(1))
    assert "q=MRI" in next_url and "page=2" in next_url and "page_size=5" in next_url
    second = client.get("/search/" + next_url).content.decode()
    assert 'rel="prev"' in second and 'aria-current="page"' in second
    cases_first = re.findall(r'data-case="([^"]+)"', first)
    cases_second = re.findall(r'data-case="([^"]+)"', second)
    assert len(cases_first) == 5 and len(cases_second) == 5 and not set(cases_first) & set(cases_second)
    # The same URL gives the same page (state lives in the URL only).
    assert re.findall(r'data-case="([^"]+)"', client.get("/search/" + next_url).content.decode()) == cases_second


def test_sort_by_date(client):
    html = client.get("/search/", {"q": "physical therapy", "sort": "-date", "page_size": 50}).content.decode()
    dates = re.findall(r"Decided (\d{4}-\d{2}-\d{2})", html)
    assert len(dates) > 3 and dates == sorted(dates, reverse=True)
    html = client.get("/search/", {"q": "physical therapy", "sort": "date", "page_size": 50}).content.decode()
    dates = re.findall(r"Decided (\d{4}-\d{2}-\d{2})", html)
    assert dates == sorted(dates)
    assert 'class="selected" data-sort="date"' in html


def test_date_range_filters_and_shows_chips(client):
    from cases.models import Determination

    in_range = set(Determination.objects.filter(decision_date__gte="2017-01-01", decision_date__lte="2017-01-31")
                   .exclude(parse_status="failed").values_list("pk", flat=True))
    ids = _hit_ids(client, "", date_from="2017-01-01", date_to="2017-01-31")
    assert set(ids) == in_range
    html = client.get("/search/", {"date_from": "2017-01-01", "date_to": "2017-01-31"}).content.decode()
    assert "From:</span> 2017-01-01" in html and "To:</span> 2017-01-31" in html


def test_letter_markup_is_escaped_and_highlights_are_marked(client):
    html = client.get("/search/", {"q": "zqxss"}).content.decode()
    assert HOSTILE_CASE in html
    assert "<script>alert(" not in html
    assert "<b>zqxss" not in html
    # The backend's snippet is escaped text with <mark> around the match.
    assert re.search(r"&lt;b&gt;<mark>zqxss</mark>", html) or "&lt;script&gt;" in html
    assert "<mark>" in html
    # The request as listed on the hit is escaped by the template.
    assert "MRI of the lumbar spine without contrast &lt;b&gt;zqxss&lt;/b&gt;" in html


def test_invalid_parameters_are_reported_not_fatal(client):
    response = client.get("/search/", {"q": "MRI", "page": "abc", "date_from": "yesterday"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html and "page" in html and "date_from" in html


def test_sections_tab(client):
    response = client.get("/search/", {"q": "facet", "target": "sections"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="selected" data-target="sections"' in html
    assert "section" in html  # "N sections" (0 until guideline sections are imported)


def test_guideline_section_links(client):
    html = client.get("/search/", {"q": "lumbar MRI"}).content.decode()
    # Every cited section links somewhere: its guideline page when the guidelines app has one,
    # else a search of the guideline sections for that title.
    assert re.search(r'Relies on: .*?<a href="[^"]+">', html, re.S)


# --- relevance and facet truth -------------------------------------------------------------------

@pytest.mark.parametrize("query", list(RELEVANCE_CASES))
def test_letters_about_the_procedure_come_first_and_none_is_missed(client, query):
    relevant = letters_with_item(**RELEVANCE_CASES[query])
    assert relevant, f"no letter classified for {query!r}"
    ids = _hit_ids(client, query)
    missed = relevant - set(ids)
    assert not missed, f"{query!r} missed letters {sorted(missed)}"
    top = ids[: len(relevant)]
    assert set(top) == relevant, (
        f"{query!r}: relevant letters not first; positions "
        f"{sorted(ids.index(i) + 1 for i in relevant)} of {len(ids)}"
    )


@pytest.mark.parametrize("facet", ["decision", "procedure_category", "procedure", "body_region"])
def test_facet_counts_equal_database_counts(client, facet):
    expected = db_facet_counts(facet)
    data = client.get("/api/search/", {"page_size": 1}).json()
    got = {f["value"]: f["count"] for f in data["facets"][facet]}
    assert got == dict(expected)


def test_year_and_specialty_facets_equal_database_counts(client):
    from search.documents import indexable_determinations

    years: Counter = Counter()
    specialties: Counter = Counter()
    for det in indexable_determinations():
        if det.decision_date:
            years[str(det.decision_date.year)] += 1
        for s in {s.strip() for s in det.reviewer_specialty or [] if isinstance(s, str) and s.strip()}:
            specialties[s] += 1
    data = client.get("/api/search/", {"page_size": 1}).json()
    assert {f["value"]: f["count"] for f in data["facets"]["decision_year"]} == dict(years)
    assert {f["value"]: f["count"] for f in data["facets"]["specialty"]} == dict(specialties)


def test_cited_sections_link_to_the_guideline_section_page(client):
    """With guideline sections in the database, "Summary" cited from MTUS Low Back Complaints
    links to that document's Summary section, not another document's."""
    models = pytest.importorskip("guidelines.models")
    low_back = models.GuidelineDocument.objects.create(family="MTUS", title="Low Back Complaints",
                                                       slug="test-low-back", edition_year=2004)
    shoulder = models.GuidelineDocument.objects.create(family="MTUS", title="Shoulder Complaints",
                                                       slug="test-shoulder", edition_year=2004)
    models.GuidelineSection.objects.create(document=shoulder, title="Summary", anchor="summary")
    models.GuidelineSection.objects.create(document=low_back, title="Summary", anchor="summary")
    html = client.get("/search/", {"q": "CM16-0247255"}).content.decode()
    article = re.search(r'<article class="card hit" data-case="CM16-0247255">(.*?)</article>', html, re.S).group(1)
    link = re.search(r'<a href="([^"]+)">Summary</a>', article).group(1)
    assert link.startswith("/guidelines/") and link.endswith("/summary/")
    assert "test-shoulder" not in link


def test_guideline_sections_are_searchable_from_the_sections_tab(client):
    """A guideline section indexed through search.documents is found on the sections tab and by
    /api/search/sections/, with its text highlighted and escaped."""
    models = pytest.importorskip("guidelines.models")
    from search.backends import get_backend
    from search.section_documents import section_document

    doc = models.GuidelineDocument.objects.create(family="MTUS", title="Chronic Pain Medical Treatment",
                                                  slug="test-chronic-pain", edition_year=2009)
    section = models.GuidelineSection.objects.create(
        document=doc, title="Facet joint diagnostic blocks (injections)", anchor="facet-blocks",
        text="Limited to patients with low-back pain that is non-radicular <i>and</i> at no more than two levels.")
    backend = get_backend()
    backend.index_sections([section_document(section)])
    backend.refresh()
    try:
        data = client.get("/api/search/sections/", {"q": "facet blocks"}).json()
        hit = next(r for r in data["results"] if r["id"] == section.pk)
        assert hit["title"] == "Facet joint diagnostic blocks (injections)"
        assert hit["document"]
        html = client.get("/search/", {"q": "non-radicular", "target": "sections"}).content.decode()
        assert "Facet joint diagnostic blocks (injections)" in html
        assert "<i>and</i>" not in html and "&lt;i&gt;" in html
        assert "<mark>" in html
    finally:
        backend.delete_sections([section.pk])
        backend.refresh()


# --- the same relevance and facet truth on the Elasticsearch backend (osmem-server) ------------------

@pytest.fixture(scope="module")
def es_corpus(corpus_index, osmem_es_url, django_db_blocker):
    """The module's letters indexed into a real osmem-server through the same rebuild path."""
    from search.backends import reset_backend

    prefix = "viewtest"
    with django_db_blocker.unblock(), override_settings(SEARCH_BACKEND="elasticsearch", ELASTICSEARCH_URL=osmem_es_url,
                                                       ELASTICSEARCH_INDEX_PREFIX=prefix):
        reset_backend()
        call_command("search_index", "--rebuild", stdout=open("/dev/null", "w"), stderr=open("/dev/null", "w"))
        reset_backend()
    return {"SEARCH_BACKEND": "elasticsearch", "ELASTICSEARCH_URL": osmem_es_url, "ELASTICSEARCH_INDEX_PREFIX": prefix}


@pytest.fixture
def on_elasticsearch(settings, es_corpus):
    from search.backends import reset_backend

    for key, value in es_corpus.items():
        setattr(settings, key, value)
    reset_backend()
    yield
    reset_backend()


@pytest.mark.services
@pytest.mark.parametrize("query", list(RELEVANCE_CASES))
def test_relevance_on_elasticsearch(client, on_elasticsearch, query):
    test_letters_about_the_procedure_come_first_and_none_is_missed(client, query)


@pytest.mark.services
def test_facet_counts_on_elasticsearch(client, on_elasticsearch):
    for facet in ["decision", "procedure_category", "procedure", "body_region"]:
        test_facet_counts_equal_database_counts(client, facet)


@pytest.mark.parametrize("params", [
    {"q": "MRI"},
    {"q": "MRI", "decision": "Upheld"},
    {"q": "lumbar MRI", "decision": "Overturned"},
    {"q": "Norco", "specialty": "Orthopedic Surgery"},
    {"q": "physical therapy", "procedure": "physical therapy"},
])
def test_paging_through_procedure_first_results_yields_each_letter_once(client, params):
    """Procedure-first ordering changes the order only: every page together is exactly the
    engine's result set, whatever the filters."""
    from dataclasses import replace

    from search.backends import get_backend
    from search.forms import parse_search_params

    ids = []
    page = 1
    while True:
        data = client.get("/api/search/", {**params, "page_size": 7, "page": page}).json()
        ids += [r["id"] for r in data["results"]]
        if page >= data["num_pages"]:
            break
        page += 1
    engine = get_backend().search(replace(parse_search_params(params).to_query(), page_size=500, facets=[]))
    assert len(ids) == len(set(ids)) == engine.total == data["count"]
    assert set(ids) == {h.id for h in engine.hits}


def test_letter_without_case_number_links_to_its_page_by_id(client):
    from cases.models import Determination

    seed = Determination.objects.get(case_number__isnull=True, layout="2013")
    html = client.get("/search/", {"q": "medial branch block"}).content.decode()
    link = f'<a href="/determinations/id/{seed.pk}/" class="case-link">Letter without case number</a>'
    assert link in html
    assert client.get(f"/determinations/id/{seed.pk}/").status_code == 200
