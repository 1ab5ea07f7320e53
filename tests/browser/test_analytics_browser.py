"""Analytics in a real browser (headless Chromium, /usr/bin/chromium, driven by Playwright against
live_server over the 150 real letters): search a procedure -> its analytics -> the decisions
behind a number -> a letter -> the guideline section it relies on; the analytics page and the
dashboard on a 390 px phone and printed.

Screenshots go to /tmp/screenshots/ (analytics.png, dashboard.png, and their -390 / -print
versions). Outside CI a missing Chromium or Playwright skips with the reason; under CI=true it
fails (the `chromium` fixture of test_search_browser).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SCREENSHOTS = Path("/tmp/screenshots")
SECTION = "Low Back Complaints (2004) › Special Studies"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def all_letters(settings, tmp_path, dwc_txt_dir):
    """The 150 letters ingested (committed: live_server reads them from another thread), with
    the guideline catalog, indexed into a tmp embedded index."""
    from django.core.management import call_command

    from pipeline.ingest import ingest_paths
    from search.backends import reset_backend

    settings.SEARCH_BACKEND = "embedded"
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    reset_backend()
    call_command("load_guideline_catalog", stdout=open(os.devnull, "w"))
    outcomes = ingest_paths([dwc_txt_dir])
    assert len(outcomes) == 150 and all(o.status == "new" for o in outcomes)
    call_command("search_index", "--rebuild", stdout=open(os.devnull, "w"), stderr=open(os.devnull, "w"))
    reset_backend()
    yield outcomes
    reset_backend()


def _int(page, selector: str) -> int:
    return int(page.locator(selector).first.inner_text().replace(",", ""))


def _fits(page, width: int):
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    tables = page.evaluate("""() => [...document.querySelectorAll('table.stats')]
        .filter(t => t.scrollWidth > t.parentElement.clientWidth + 1).map(t => t.id)""")
    assert tables == [], f"tables wider than the screen: {tables}"


def test_search_to_analytics_to_a_decision_to_its_letter_and_section(live_server, all_letters, chromium):  # noqa: F811
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = chromium.new_page(viewport={"width": 1280, "height": 1000})
    # Script errors and refused inline styles (CSP) show as console errors; failed requests as
    # responses (the browser's own /favicon.ico request aside).
    errors = []
    page.on(
        "console", lambda m: errors.append(m.text) if m.type == "error" and "Failed to load" not in m.text else None
    )
    page.on(
        "response",
        lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None,
    )
    page.goto(f"{live_server.url}/")

    # Search a procedure from the header's box.
    box = page.locator("header.site input[name=q]")
    box.fill("lumbar MRI")
    box.press("Enter")
    page.wait_for_url("**/search/?q=lumbar+MRI*")
    decisions = _int(page, "#result-count strong")
    assert decisions > 5

    # Its analytics: the same decisions.
    page.locator("#analytics-link").click()
    page.wait_for_url("**/analytics/?q=lumbar+MRI")
    assert _int(page, "#headline .n-decisions") == decisions
    assert page.locator("svg.chart:not(.narrow)").count() == 7 and page.locator("svg.chart.narrow").count() == 7
    assert "request or classified procedure is MRI" in page.locator("#explain").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "analytics.png"), full_page=True)

    # A number: the decisions relying on the most cited section.
    row = page.locator(f'#sections-table tr[data-value="{SECTION}"]')
    section_url = row.locator("a.section-link").get_attribute("href")
    count = row.locator("td.decisions a")
    shown = int(count.inner_text())
    count.click()
    page.wait_for_url("**/search/?**guideline_section=**")
    assert _int(page, "#result-count strong") == shown
    assert SECTION in page.locator("#chips").inner_text()

    # One of these decisions: its letter, then the section its reviewer relied on.
    hit = page.locator("article.hit").first
    assert SECTION in hit.locator("li.item.match").first.inner_text()
    case_number = hit.get_attribute("data-case")
    hit.locator("h2 a.case-link").click()
    page.wait_for_url(f"**/determinations/{case_number}/")
    cited = page.locator(f'a.cit-link[href="{section_url}"]').first
    assert cited.is_visible()
    cited.click()
    page.wait_for_url(f"**{section_url}")
    assert "Special Studies" in page.locator("h1").inner_text()
    assert case_number in page.content()  # the section page lists the letters citing it
    assert errors == []
    page.close()


def test_the_dashboard_on_a_phone_and_printed(live_server, all_letters, chromium):  # noqa: F811
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    desktop = chromium.new_page(viewport={"width": 1280, "height": 1000})
    desktop.goto(f"{live_server.url}/")
    desktop.locator("header.site a[href='/dashboard/']").click()
    desktop.wait_for_url("**/dashboard/")
    assert _int(desktop, "#headline .n-letters") == 150
    # A month's number leads to that month's decisions.
    feb = desktop.locator('#months-table tr[data-value="2017-02"] td.decisions a')
    shown = int(feb.inner_text())
    feb.click()
    desktop.wait_for_url("**date_from=2017-02-01&date_to=2017-02-28*")
    assert _int(desktop, "#result-count strong") == shown
    desktop.goto(f"{live_server.url}/dashboard/")
    desktop.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
    desktop.emulate_media(media="print")
    assert not desktop.locator("header.site").is_visible()
    assert not desktop.locator("nav.analytics-nav").is_visible()
    assert desktop.locator("svg.chart").first.is_visible() and desktop.locator("#months-table").is_visible()
    desktop.screenshot(path=str(SCREENSHOTS / "dashboard-print.png"), full_page=True)
    desktop.goto(f"{live_server.url}/analytics/?q=physical+therapy")
    desktop.screenshot(path=str(SCREENSHOTS / "analytics-print.png"), full_page=True)
    desktop.close()

    phone = chromium.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    for path in [
        "/dashboard/",
        "/analytics/?q=lumbar+MRI",
        "/analytics/?q=physical+therapy&decision_year=2017",
        "/analytics/",
    ]:
        phone.goto(f"{live_server.url}{path}")
        _fits(phone, 390)
    phone.goto(f"{live_server.url}/dashboard/")
    phone.screenshot(path=str(SCREENSHOTS / "dashboard-390.png"), full_page=True)
    phone.goto(f"{live_server.url}/analytics/?q=lumbar+MRI")
    phone.screenshot(path=str(SCREENSHOTS / "analytics-390.png"), full_page=True)
    phone.close()
