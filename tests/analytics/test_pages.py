"""The analytics page (/analytics/), the dashboard (/dashboard/) and GET /api/analytics/ over the
150 real letters plus one with markup in its reviewer specialty, indexed through
`manage.py search_index --rebuild` (embedded backend; the numbers again on Elasticsearch).

Expected numbers come from the ORM (tests/support/analytics_oracle.py and oracle.py), never from
the search or analytics code; the links are checked by following them through /api/search/.
"""

from __future__ import annotations

import re
import statistics
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from cases.models import Determination
from search.stats import wilson_interval
from tests.support import DWC_TXT, SHARED_DATA, analytics_oracle, oracle

HOSTILE_CASE = "CM99-0000002"
HOSTILE_SPECIALTY = 'Family <i>zqxss</i> "Practice'
LUMBAR_MRI = next(c for c in oracle.PROCEDURE_CASES if c.q == "lumbar MRI" and not c.filters)
NORCO = next(c for c in oracle.PROCEDURE_CASES if c.q == "Norco" and not c.filters)


def _hostile_letter(folder):
    text = (DWC_TXT / "CM16-0247255.txt").read_text(encoding="utf-8").replace("CM16-0247255", HOSTILE_CASE)
    text = text.replace(
        "Certification(s)/Specialty: Family Practice", f"Certification(s)/Specialty: {HOSTILE_SPECIALTY}"
    )
    path = folder / f"{HOSTILE_CASE}.txt"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def corpus_index(letters_db, django_db_blocker, tmp_path_factory):
    from pipeline.ingest import ingest_file
    from search.backends import reset_backend

    index_dir = tmp_path_factory.mktemp("analytics-corpus-index")
    with django_db_blocker.unblock(), override_settings(SEARCH_INDEX_DIR=index_dir, SEARCH_BACKEND="embedded"):
        reset_backend()
        outcome = ingest_file(_hostile_letter(tmp_path_factory.mktemp("hostile")))
        assert outcome.status == "new", outcome
        call_command("search_index", "--rebuild", stdout=open("/dev/null", "w"), stderr=open("/dev/null", "w"))
        reset_backend()
    return index_dir


@pytest.fixture(autouse=True)
def search_index_dir(settings, corpus_index):
    from search.backends import reset_backend

    settings.SEARCH_INDEX_DIR = corpus_index
    settings.SEARCH_BACKEND = "embedded"
    reset_backend()
    yield corpus_index
    reset_backend()


pytestmark = pytest.mark.django_db


def api(client, **params) -> dict:
    response = client.get("/api/analytics/", params)
    assert response.status_code == 200, response.content[:500]
    return response.json()


def searched(client, url: str) -> int:
    """Decisions /api/search/ counts for a /search/ URL."""
    parts = urlsplit(url)
    assert parts.path == "/search/", url
    response = client.get(f"/api/search/?{parts.query}&page_size=1")
    assert response.status_code == 200, url
    return response.json()["decisions"]["total"]


def rows_of(data: dict) -> list[dict]:
    return (
        [data["summary"]]
        + data["by_month"]
        + data["by_year"]
        + data["categories"]
        + data["request_categories"]
        + data["procedure_categories"]
        + data["procedures"]
        + data["guideline_sections"]
        + data["specialties"]
        + [data["pharmaceuticals"], data["pharmaceuticals"]["opioids"]]
    )


def _check_numbers(data: dict, item_ids: set[int]):
    """The payload against the ORM for the decisions `item_ids`."""
    want = analytics_oracle.expected(item_ids)
    s = data["summary"]
    upheld, overturned = want.outcomes["Upheld"], want.outcomes["Overturned"]
    assert (s["decisions"], s["letters"], s["upheld"], s["overturned"]) == (
        want.total,
        want.letters,
        upheld,
        overturned,
    )
    assert s["overturn_rate"] == pytest.approx(overturned / (upheld + overturned))
    assert s["overturn_rate_ci95"] == pytest.approx(list(wilson_interval(overturned, upheld + overturned)))
    months = {r["value"]: r for r in data["by_month"] if r["decisions"]}
    assert {m: r["decisions"] for m, r in months.items()} == {
        m: v.decisions for m, v in want.breakdowns["decision_month"].items()
    }
    for name, key in (
        ("request_categories", "request_category"),
        ("procedure_categories", "procedure_category"),
        ("specialties", "specialty"),
    ):
        assert {r["value"]: (r["decisions"], r["overturned"]) for r in data[name]} == {
            v: (row.decisions, row.outcomes["Overturned"]) for v, row in want.breakdowns[key].items()
        }, name
        for r in data[name]:
            assert r["share"] == pytest.approx(r["decisions"] / want.total)
    # The DWC's categories: the sum of their sub-categories (one request category a decision).
    categories: dict[str, list[int]] = {}
    for value, row in want.breakdowns["request_category"].items():
        sums = categories.setdefault(value.split(" › ")[0], [0, 0])
        sums[0] += row.decisions
        sums[1] += row.outcomes["Overturned"]
    assert {r["value"]: [r["decisions"], r["overturned"]] for r in data["categories"]} == categories
    top = analytics_oracle.ranked(want.breakdowns["guideline_section"])[:20]
    assert [(r["value"], r["decisions"]) for r in data["guideline_sections"]] == top
    # The DWC's definitions: Pharmaceuticals is its category, Opioids its sub-category.
    pharma = sum(v.decisions for k, v in want.breakdowns["request_category"].items() if k.startswith("Pharmaceuticals"))
    opioids = want.breakdowns["request_category"].get("Pharmaceuticals › Opioids")
    assert data["pharmaceuticals"]["decisions"] == pharma
    assert data["pharmaceuticals"]["share"] == pytest.approx(pharma / want.total)
    if opioids:
        assert data["pharmaceuticals"]["opioids"]["share_of_pharmaceuticals"] == pytest.approx(
            opioids.decisions / pharma
        )
    days = data["days_to_decision"]
    assert days["n"] == len(want.raw_days)
    assert days["median"] == statistics.median(want.raw_days)
    assert days["p90"] == pytest.approx(statistics.quantiles(want.raw_days, n=10, method="inclusive")[8])
    assert {r["days"]: r["decisions"] for r in days["histogram"]} == dict(want.days)


# --- numbers ----------------------------------------------------------------------------------


def test_the_api_counts_a_procedure_search_as_the_database_does(client):
    _check_numbers(api(client, q="lumbar MRI"), LUMBAR_MRI.expected())
    _check_numbers(api(client, q="Norco"), NORCO.expected())


def test_the_api_counts_the_whole_corpus_and_filters_as_the_database_does(client):
    everything = oracle.ids(oracle.items())
    data = api(client)
    _check_numbers(data, everything)
    # Whole letters: letters per month are the letters decided that month.
    per_month = {}
    for det in Determination.objects.exclude(parse_status="failed").exclude(decision_date=None):
        per_month[det.decision_date.strftime("%Y-%m")] = per_month.get(det.decision_date.strftime("%Y-%m"), 0) + 1
    assert {r["value"]: r["letters"] for r in data["by_month"]} == per_month
    imaging_2017 = oracle.ids(
        oracle.items().filter(procedure_category="imaging", determination__decision_date__year=2017)
    )
    narrowed = api(client, procedure_category="imaging", decision_year="2017")
    _check_numbers(narrowed, imaging_2017)
    assert all(r["letters"] is None for r in narrowed["by_month"])  # decision-level filter: no letter counts


def test_months_are_complete_and_link_to_their_dates(client):
    data = api(client)
    months = [r["value"] for r in data["by_month"]]
    assert months == ["2016-12", "2017-01", "2017-02"]
    jan = data["by_month"][1]
    assert jan["label"] == "Jan 2017"
    query = parse_qs(urlsplit(jan["urls"]["decisions"]).query)
    assert (query["date_from"], query["date_to"]) == (["2017-01-01"], ["2017-01-31"])
    # The search's own dates clip the month's.
    clipped = api(client, date_from="2017-01-20")
    assert [r["value"] for r in clipped["by_month"]] == ["2017-01", "2017-02"]
    query = parse_qs(urlsplit(clipped["by_month"][0]["urls"]["decisions"]).query)
    assert (query["date_from"], query["date_to"]) == (["2017-01-20"], ["2017-01-31"])


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "lumbar MRI"},
        {"q": "physical therapy", "decision": "Upheld"},
        {"specialty": "Orthopedic Surgery", "date_from": "2017-01-20"},
        {"guideline_section": "Low Back Complaints (2004) › Special Studies"},
    ],
)
def test_every_number_links_to_exactly_its_decisions(client, params):
    data = api(client, **params)
    assert searched(client, data["search_url"]) == data["summary"]["decisions"]
    followed = 0
    for row in rows_of(data):
        for key in ("decisions", "upheld", "overturned"):
            url = row["urls"][key]
            if row[key] == 0:
                assert url is None  # nothing behind a zero
            elif url is not None:
                assert searched(client, url) == row[key], (row.get("value"), key, url)
                followed += 1
        if row["urls"]["analytics"]:
            drilled = client.get(row["urls"]["analytics"].replace("/analytics/", "/api/analytics/", 1)).json()
            assert drilled["summary"]["decisions"] == row["decisions"], row.get("value")
    assert followed > 10
    # A multi-valued facet (sections, specialties) ORs within its filter: with one selected,
    # another value's count (decisions with both) has no search URL, so no link rather than a
    # wrong one. Every other number with decisions behind it links to them.
    unlinkable = []
    for facet, key in (("guideline_section", "guideline_sections"), ("specialty", "specialties")):
        if facet in params:
            others = [r for r in data[key] if r["value"] != params[facet]]
            assert others and all(r["urls"]["decisions"] is None for r in others)
            unlinkable += others
    assert all(r["urls"]["decisions"] for r in rows_of(data) if r["decisions"] and r not in unlinkable)


def test_a_typo_is_corrected_and_said(client):
    data = api(client, q="lumbr mri")
    assert data["query"]["corrected"] == "lumbar mri"
    assert data["summary"]["decisions"] == len(LUMBAR_MRI.expected())
    assert "q=lumbar+mri" in data["search_url"]


def test_invalid_parameters_are_400_naming_the_parameter(client):
    response = client.get("/api/analytics/", {"date_from": "yesterday"})
    assert response.status_code == 400 and "date_from" in response.json()["errors"]
    page = client.get("/analytics/", {"date_from": "yesterday", "q": "MRI"})
    assert page.status_code == 200 and "date_from" in page.content.decode()


def test_an_engine_failure_is_a_plain_503(client, settings):
    from search.backends import reset_backend

    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    reset_backend()
    response = client.get("/api/analytics/", {"q": "MRI"})
    assert response.status_code == 503 and "backend" in response.json()["errors"]
    page = client.get("/analytics/", {"q": "MRI"})
    assert page.status_code == 200 and "unavailable" in page.content.decode()


def test_openapi_schema_documents_analytics(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/analytics/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"q", "date_from", "date_to", "decision", "procedure_category", "guideline_section", "specialty"} <= names
    assert "page" not in names
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    fields = set(schema["components"]["schemas"][ref]["properties"])
    assert {
        "summary",
        "by_month",
        "by_year",
        "guideline_sections",
        "specialties",
        "categories",
        "pharmaceuticals",
        "days_to_decision",
    } <= fields


# --- pages --------------------------------------------------------------------------------------


def _html(client, path, **params) -> str:
    response = client.get(path, params)
    assert response.status_code == 200
    return response.content.decode()


def _table(html: str, table: str) -> str:
    return re.search(rf'<table class="stats[^"]*" id="{table}">(.*?)</table>', html, re.S).group(1)


def _vocabulary() -> list[str]:
    """The DWC's request categories, read from the shared vocabulary (not the project's copy)."""
    path = SHARED_DATA / "dwc-search-vocabulary" / "request-categories.txt"
    return [" ".join(line.split()) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _cell(html: str, table: str, value: str, column: str) -> str:
    block = re.search(rf'<table class="stats[^"]*" id="{table}">(.*?)</table>', html, re.S).group(1)
    row = re.search(rf'<tr data-value="{re.escape(value)}">(.*?)</tr>', block, re.S).group(1)
    return unescape(
        re.sub(r"<[^>]+>", "", re.search(rf'<td class="num {column}">(.*?)</td>', row, re.S).group(1))
    ).strip()


def test_the_analytics_page_shows_the_numbers_charts_and_links(client):
    html = _html(client, "/analytics/", q="lumbar MRI")
    want = analytics_oracle.expected(LUMBAR_MRI.expected())
    assert re.search(rf'class="n n-decisions" href="[^"]+">{want.total}<', html)
    assert re.search(rf'class="n n-overturned" href="[^"]+">{want.outcomes["Overturned"]}<', html)
    for section in ("trend", "years", "sections", "specialties", "days", "categories", "procedures"):
        assert f'id="{section}"' in html
    # Seven charts, each drawn for a desktop column and for a phone (analytics.svg.NARROW).
    assert html.count('<svg class="chart') == 14 and len(re.findall(r'<svg class="chart [a-z]+ narrow"', html)) == 7
    feb = want.breakdowns["decision_month"]["2017-02"]
    assert _cell(html, "months-table", "2017-02", "decisions") == str(feb.decisions)
    assert _cell(html, "months-table", "2017-02", "overturned") == str(feb.outcomes["Overturned"])
    special = want.breakdowns["guideline_section"]["Low Back Complaints (2004) › Special Studies"]
    assert _cell(html, "sections-table", "Low Back Complaints (2004) › Special Studies", "decisions") == str(
        special.decisions
    )
    assert 'class="section-link"' in html  # a section's title opens its page
    assert f"{statistics.median(want.raw_days):.0f} days" in html
    # Every linked number goes to the search, and the page has no inline style or script (CSP).
    links = re.findall(r'<a class="n[^"]*" href="([^"]+)"', html)
    assert links and all(unescape(u).startswith("/search/?") for u in links)
    assert not re.search(r"\sstyle=", html) and "<script>" not in html


def test_the_search_page_links_to_its_analytics(client):
    html = _html(client, "/search/", q="lumbar MRI", decision="Upheld", page="2", sort="-date")
    url = unescape(re.search(r'<a href="([^"]+)" id="analytics-link">', html).group(1))
    assert url == "/analytics/?q=lumbar+MRI&decision=Upheld"


def test_the_dashboard_recomputes_the_headline_tables(client):
    html = _html(client, "/dashboard/")
    everything = oracle.ids(oracle.items())
    want = analytics_oracle.expected(everything)
    assert re.search(rf'class="n n-letters" href="[^"]+">{want.letters}<', html)
    letters_feb = len(want.breakdowns["decision_month"]["2017-02"].letters)
    assert _cell(html, "months-table", "2017-02", "letters") == str(letters_feb)
    # The categories are the DWC's, each counted from its sub-categories in the database.
    imaging = want.breakdowns["request_category"]["Diagnostic Testing › Imaging/Radiology"]
    rate = imaging.outcomes["Overturned"] / (imaging.outcomes["Upheld"] + imaging.outcomes["Overturned"])
    assert _cell(html, "request-categories-table", "Diagnostic Testing › Imaging/Radiology", "rate").startswith(
        f"{rate * 100:.1f}%"
    )
    diagnostic = [v for k, v in want.breakdowns["request_category"].items() if k.startswith("Diagnostic Testing")]
    n = sum(v.decisions for v in diagnostic)
    over = sum(v.outcomes["Overturned"] for v in diagnostic)
    rate = over / sum(v.outcomes["Upheld"] + v.outcomes["Overturned"] for v in diagnostic)
    assert _cell(html, "categories-table", "Diagnostic Testing", "rate").startswith(f"{rate * 100:.1f}%")
    assert n > 0
    shown = {unescape(v) for v in re.findall(r'<tr data-value="([^"]+)"', _table(html, "categories-table"))}
    dwc_categories = {line.split(" › ")[0] for line in _vocabulary()}
    assert shown and shown <= dwc_categories, shown - dwc_categories
    assert "imaging" not in shown and not any(v.startswith("medications") for v in shown)
    pharma = sum(v.decisions for k, v in want.breakdowns["request_category"].items() if k.startswith("Pharmaceuticals"))
    opioids = want.breakdowns["request_category"]["Pharmaceuticals › Opioids"].decisions
    assert re.search(rf'class="pharma-share"><a class="n" href="[^"]+">{pharma / want.total * 100:.1f}%<', html)
    assert re.search(rf'class="opioid-share"><a class="n" href="[^"]+">{opioids / pharma * 100:.1f}%<', html)
    pain = want.breakdowns["specialty"]["Pain Management"].decisions
    assert _cell(html, "specialties-table", "Pain Management", "share") == f"{pain / want.total * 100:.1f}%"
    assert f"{statistics.median(want.raw_days):.0f} days" in html
    assert html.count('<svg class="chart') == 8 and len(re.findall(r'<svg class="chart [a-z]+ narrow"', html)) == 4
    # One year selected: the same tables for that year.
    year = _html(client, "/dashboard/", decision_year="2017")
    assert re.search(
        rf'class="n n-decisions" href="[^"]+">{len(oracle.ids(oracle.items().filter(determination__decision_date__year=2017)))}<',
        year,
    )


def test_letter_text_is_escaped_in_tables_and_charts(client):
    for path in ("/analytics/", "/dashboard/"):
        html = _html(client, path)
        assert "<i>zqxss</i>" not in html
        assert "&lt;i&gt;zqxss&lt;/i&gt; &quot;Practice" in html
        svg = re.search(r'<svg class="chart[^>]*>.*?Family &lt;i&gt;zqxss.*?</svg>', html, re.S)
        assert svg, "the hostile specialty is drawn in a chart, escaped"


# --- SQL: constant, whatever the corpus size ----------------------------------------------------------


def _queries(client, path, params) -> int:
    from guidelines.queries import forget_section_urls
    from search.health import forget_checks

    forget_section_urls()  # the worst case: the section-link map is loaded in this request
    forget_checks()  # and the index's health is read (one query every few seconds)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path, params).status_code == 200
    return len(queries)


PAGES = [
    ("/analytics/", {"q": "lumbar MRI"}),
    ("/analytics/", {}),
    ("/dashboard/", {}),
    ("/api/analytics/", {"q": "physical therapy", "decision_year": "2017"}),
]


@pytest.mark.parametrize("path,params", PAGES)
def test_a_page_makes_at_most_one_sql_query(client, django_assert_max_num_queries, path, params):
    """In steady state (the index's health checked a moment ago, as it is for all but one request
    every CHECK_TTL seconds) a page reads the index and at most the section-label map."""
    from guidelines.queries import forget_section_urls
    from search.backends import get_backend
    from search.health import forget_checks, require_healthy

    forget_checks()
    require_healthy(get_backend(), ["determination"])  # the state measured: a health check just made
    forget_section_urls()
    with django_assert_max_num_queries(1):
        assert client.get(path, params).status_code == 200


def test_sql_queries_do_not_grow_with_the_corpus(client, settings, tmp_path):
    """The same pages over a corpus 20 times larger (the letters' documents copied with new ids)
    make the same queries: they read the index, not the database."""
    from search.backends import get_backend, reset_backend
    from search.documents import determination_documents

    small = [_queries(client, path, params) for path, params in PAGES]
    docs = list(determination_documents())
    settings.SEARCH_INDEX_DIR = tmp_path / "big"
    reset_backend()
    big = [
        {
            "id": k * 10_000 + d["id"],
            "decisions": [
                {
                    **x,
                    "id": k * 10_000_000 + x["id"],
                    "letter_id": k * 10_000 + d["id"],
                    "case_number": f"{x['case_number']}-{k}",
                }
                for x in d["decisions"]
            ],
        }
        for k in range(1, 21)
        for d in docs
    ]
    get_backend().rebuild("determination", big)
    get_backend().refresh()
    assert api(client)["summary"]["decisions"] == 20 * oracle.items().count()
    assert [_queries(client, path, params) for path, params in PAGES] == small


# --- the same numbers on Elasticsearch (osmem-server) ------------------------------------------------


@pytest.mark.services
def test_the_api_on_elasticsearch(client, settings, corpus_index, osmem_es_url):
    from search.backends import reset_backend

    settings.SEARCH_BACKEND, settings.ELASTICSEARCH_URL = "elasticsearch", osmem_es_url
    settings.ELASTICSEARCH_INDEX_PREFIX = "analyticspages"
    reset_backend()
    try:
        call_command("search_index", "--rebuild", stdout=open("/dev/null", "w"), stderr=open("/dev/null", "w"))
        reset_backend()
        test_the_api_counts_a_procedure_search_as_the_database_does(client)
        test_the_api_counts_the_whole_corpus_and_filters_as_the_database_does(client)
        test_every_number_links_to_exactly_its_decisions(client, {"q": "physical therapy", "decision": "Upheld"})
        test_the_dashboard_recomputes_the_headline_tables(client)
    finally:
        from search.backends import get_backend

        get_backend().drop()
        reset_backend()
