"""The reading fixes of issue 17, each checked in Chromium at a desktop width (1366 px) and a
phone's (390 px), on real letters (tests/support/browser.py's indexed_letters and the seed
letter):

- a facet count is never broken over lines ("2" above "5"), even beside a label too long to fit;
- an outcome badge never splits ("Uphel / d"), even beside a title too long to fit;
- "95% CI", the precedent "score", "upheld" and the exact day counts are explained in place
  (a "what this means" that opens without script);
- chart text on /analytics/ renders at 12 px or more;
- /alerts/ keeps its column names when its table is stacked on a phone;
- the seed letter (no case number) is headed by what it decided, not by its file name.
No page is wider than the screen, and none raises a CSP violation.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from alerts.models import SavedSearch
from cases.models import Determination
from pipeline.ingest import ingest_paths

SCREENSHOTS = Path(os.environ.get("IMR_SCREENSHOTS", "/tmp/screenshots"))
WIDTHS = [1366, 390]
PASSWORD = "a reader's passphrase 11"
LONG = "Flurbiprofen/Cyclobenzaprine/Lidocaine/Capsaicin/Menthol/Camphor/Gabapentin/Ketoprofen-compounded-cream"
PRECEDENTS = "/precedents/?request=MRI+of+the+lumbar+spine+without+contrast"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# How many lines the text of each element matching `sel` (and visible) is laid out on.
LINES = """(sel) => [...document.querySelectorAll(sel)].filter(e => e.getClientRects().length).map(e => {
  const r = document.createRange(); r.selectNodeContents(e);
  return [e.textContent.trim(), new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top))).size];
})"""
# The smallest rendered size of chart text: its font size in the SVG's units times the SVG's scale.
CHART_TEXT_PX = """() => { let min = Infinity, n = 0;
  for (const svg of document.querySelectorAll('svg.chart')) {
    if (!svg.getClientRects().length) continue;
    n++;
    const k = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    for (const t of svg.querySelectorAll('text')) min = Math.min(min, parseFloat(getComputedStyle(t).fontSize) * k);
  }
  return [n, min]; }"""


@pytest.fixture
def reading_letters(indexed_letters, seed_letter_path):
    outcomes = ingest_paths([seed_letter_path])  # indexed after commit, as any ingest
    assert [o.status for o in outcomes] == ["new"]
    return Determination.objects.get(case_number=None)


@pytest.fixture
def pages(live_server, chromium):
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    violations: list[str] = []
    opened = {}

    def page(width: int):
        if width not in opened:
            p = chromium.new_context(viewport={"width": width, "height": 900}).new_page()
            p.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
            opened[width] = p
        return opened[width]

    def goto(width: int, path: str):
        p = page(width)
        p.goto(live_server.url + path)
        assert p.evaluate("document.documentElement.scrollWidth") <= width, f"{path} is wider than {width} px"
        return p

    yield goto
    assert violations == [], violations


@pytest.mark.parametrize("width", WIDTHS)
def test_facet_counts_and_badges_stay_whole(reading_letters, pages, width):
    page = pages(width, "/search/?q=lumbar+MRI")
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    before = [text for text, _ in page.evaluate(LINES, "aside.facets .count")]
    # The longest label a letter may give a facet value, put in the first one.
    page.evaluate("(t) => { document.querySelector('aside.facets li a > span').lastChild.textContent = t; }", LONG)
    counts = page.evaluate(LINES, "aside.facets .count")
    assert [text for text, _ in counts] == before and len(counts) > 10
    assert all(lines == 1 for _, lines in counts), [c for c in counts if c[1] > 1]
    badges = page.evaluate(LINES, ".badge")
    assert badges and all(lines == 1 for _, lines in badges), badges

    page = pages(width, PRECEDENTS)
    page.evaluate("(t) => document.querySelectorAll('li.precedent .title').forEach(e => e.textContent = t)", LONG)
    badges = page.evaluate(LINES, "li.precedent .badge")
    assert len(badges) >= 5 and all(lines == 1 for _, lines in badges), badges
    assert {text for text, _ in badges} <= {"Upheld", "Overturned"}


def _explained(page, selector: str, words: str) -> None:
    help = page.locator(selector).first
    assert help.locator("summary").is_visible()
    assert not help.locator("p").is_visible()  # folded until asked
    help.locator("summary").click()
    assert help.locator("p").is_visible() and words in help.locator("p").inner_text()


@pytest.mark.parametrize("width", WIDTHS)
def test_terms_are_explained_in_place(reading_letters, pages, width):
    page = pages(width, "/search/?q=lumbar+MRI")
    assert "95% CI" in page.locator("#outcome").inner_text()
    _explained(page, "#outcome .ci-help", "95% confidence interval")
    assert "Upheld means the IMR reviewer agreed" in page.locator("#outcome .outcome-meaning").inner_text()

    page = pages(width, PRECEDENTS)
    assert "score 2." in page.locator("li.precedent .score").first.inner_text()
    _explained(page, "#score-help", "It is not a probability")

    page = pages(width, "/analytics/?q=lumbar+MRI")
    _explained(page, "#headline .ci-help", "95% confidence interval")
    _explained(page, "#days .exact-help", "Nothing is sampled")

    case = Determination.objects.exclude(case_number=None).filter(items__decision="Upheld").first().case_number
    page = pages(width, f"/determinations/{case}/")
    _explained(page, ".upheld-help", "the treatment stays denied")
    page.screenshot(path=str(SCREENSHOTS / f"letter-explained-{width}.png"), full_page=False)


@pytest.mark.parametrize("width", WIDTHS)
def test_chart_text_is_readable(reading_letters, pages, width):
    for path in ("/analytics/?q=lumbar+MRI", "/dashboard/"):
        page = pages(width, path)
        charts, smallest = page.evaluate(CHART_TEXT_PX)
        assert charts >= 4 and smallest >= 12, (path, width, charts, smallest)
    page.screenshot(path=str(SCREENSHOTS / f"dashboard-charts-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_saved_searches_keep_their_column_names(reading_letters, pages, width):
    user = User.objects.create_user("reader", email="reader@example.org", password=PASSWORD)
    SavedSearch.objects.create(user=user, name="Lumbar MRI", query="q=lumbar+MRI")
    page = pages(width, "/accounts/login/")
    page.fill("#id_login", "reader")
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/alerts/")
    headers = page.locator("#saved-searches thead th").all_inner_texts()[:4]
    assert headers == ["Search", "New decisions", "Last alert", "Alerts"]
    cells = page.locator("#saved-searches tbody td[data-label]")
    labels = cells.evaluate_all("tds => tds.map(td => td.dataset.label)")
    assert labels == headers
    shown = cells.evaluate_all("tds => tds.map(td => getComputedStyle(td, '::before').content)")
    if width < 800:  # stacked: the header row is hidden, each cell names its column
        assert not page.locator("#saved-searches thead").is_visible()
        assert shown == [f'"{label}: "' for label in labels]
    else:
        assert page.locator("#saved-searches thead").is_visible() and set(shown) == {"none"}
    page.screenshot(path=str(SCREENSHOTS / f"alerts-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_seed_letter_is_headed_by_what_it_decided(reading_letters, pages, width):
    seed = reading_letters
    request = seed.items.order_by("order").first().request
    page = pages(width, f"/determinations/id/{seed.pk}/")
    heading = page.locator("h1").inner_text()
    assert seed.source_name not in heading and heading.startswith("IMR determination: ")
    assert request[:60] in heading
    assert seed.source_name not in page.title()
    assert "carries no case number" in page.locator("#no-case-number").inner_text()
    page = pages(width, "/")
    row = page.locator(f'a[href="{seed.get_absolute_url()}"]')
    assert row.inner_text() == "no case number"
