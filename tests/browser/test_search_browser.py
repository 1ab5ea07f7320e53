"""The search page in a real browser: headless Chromium (Debian's /usr/bin/chromium) driven by
Playwright against pytest-django's live_server, over real letters ingested for the test.

Outside CI a missing Chromium or Playwright skips with the reason; under CI=true it fails.
A screenshot of the results page is written to /tmp/search.png.
"""

from __future__ import annotations

import os

import pytest

from tests.support.browser import FACET_LETTER, SCREENSHOT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _decisions(page) -> int:
    return int(page.locator("#result-count strong").first.inner_text())


def test_search_mbb_facet_and_open_a_determination(live_server, indexed_letters, chromium):
    # Playwright's sync API runs an event loop in this thread; the ORM work is done above.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    page = chromium.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(f"{live_server.url}/")

    # Type the abbreviation in the header's search box.
    box = page.locator("header.site input[name=q]")
    box.fill("MBB")
    box.press("Enter")
    page.wait_for_url("**/search/?q=MBB*")
    explain = page.locator("#explain").inner_text()
    assert "request or classified procedure" in explain and "medial branch block" in explain
    assert _decisions(page) >= 1
    first = page.locator("article.hit").first
    assert first.get_attribute("data-case") == FACET_LETTER  # the facet-injection letter
    assert "Facet joint injections L4-5, L5-S1" in first.locator("li.item.match").first.inner_text()

    # A broader query, then a facet click narrows it to the count the facet showed.
    query = page.locator("form.search-main input[name=q]")
    query.fill("MRI")
    query.press("Enter")
    page.wait_for_load_state()
    before = _decisions(page)
    assert before > 1
    overturned = page.locator('section.facet[data-facet="decision"] a[data-value="Overturned"]')
    shown = int(overturned.locator(".count").inner_text())
    overturned.click()
    page.wait_for_url("**decision=Overturned*")
    assert _decisions(page) == shown
    assert int(page.locator("#outcome .n-overturned").inner_text()) == shown
    chip = page.locator("#chips .chip")
    assert chip.count() == 1 and "Overturned" in chip.inner_text()
    for item in page.locator("article.hit li.item.match").all():
        assert "Overturned" in item.inner_text()
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    # The chip removes the filter again.
    chip.locator("a.remove").click()
    page.wait_for_load_state()
    assert _decisions(page) == before

    # Open a determination from the results.
    link = page.locator("article.hit h2 a.case-link").first
    case_number = link.inner_text().strip()
    link.click()
    page.wait_for_url(f"**/determinations/{case_number}/")
    assert case_number in page.locator("h1").inner_text()
    page.close()


def test_pages_fit_a_phone_and_the_filters_start_folded(live_server, indexed_letters, chromium):
    """390 px wide (an iPhone 12-15): no horizontal scroll on the home, search and letter pages;
    on the search page the filters are folded above the results. The letter prints without the
    site navigation."""
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    page = chromium.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    for path in [
        "/",
        "/search/?q=lumbar+MRI",
        "/search/?q=physical+therapy&decision=Upheld",
        f"/determinations/{FACET_LETTER}/",
        "/guidelines/",
    ]:
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide"
    page.goto(f"{live_server.url}/search/?q=physical+therapy")
    filters = page.locator("details#filters")
    assert filters.get_attribute("open") is None  # folded
    box = page.locator("details#filters > summary").bounding_box()
    results = page.locator("section.results").bounding_box()
    assert box["y"] < results["y"]  # above the results
    page.locator("details#filters > summary").click()
    assert page.locator('section.facet[data-facet="decision"]').is_visible()
    page.screenshot(path="/tmp/search-390.png", full_page=False)
    page.goto(f"{live_server.url}/determinations/{FACET_LETTER}/")
    page.emulate_media(media="print")
    assert not page.locator("header.site").is_visible()
    assert page.locator("h1").is_visible()
    page.close()
