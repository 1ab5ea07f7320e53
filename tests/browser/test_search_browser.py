"""The search page in a real browser: headless Chromium (Debian's /usr/bin/chromium) driven by
Playwright against pytest-django's live_server, over real letters ingested for the test.

Outside CI a missing Chromium or Playwright skips with the reason; under CI=true it fails.
A screenshot of the results page is written to /tmp/search.png.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import IN_CI, require_shared_data

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOT = Path("/tmp/search.png")
# The facet-injection letter, and letters about lumbar MRI, Norco, TENS and EMG/NCV.
LETTERS = 40
FACET_LETTER = "CM16-0219557"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _require(condition: bool, message: str):
    if not condition:
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def chromium():
    _require(Path(CHROMIUM).exists() or bool(shutil.which(CHROMIUM)),
             f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _require(False, "playwright is not installed (pip install playwright; no `playwright install` needed)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def indexed_letters(settings, tmp_path, dwc_txt_dir):
    """A few dozen real letters ingested (committed: live_server reads them from another thread),
    classified by the taxonomy and indexed into a tmp embedded index."""
    require_shared_data()
    from django.core.management import call_command

    from cases.ingest import ingest_paths
    from search.backends import reset_backend

    settings.SEARCH_BACKEND = "embedded"
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    reset_backend()
    paths = sorted(dwc_txt_dir.glob("*.txt"))[:LETTERS]
    facet = dwc_txt_dir / f"{FACET_LETTER}.txt"
    if facet not in paths:
        paths.append(facet)
    outcomes = ingest_paths(paths)
    assert all(o.status == "new" for o in outcomes), [o.line() for o in outcomes if o.status != "new"]
    call_command("search_index", "--rebuild", stdout=open(os.devnull, "w"), stderr=open(os.devnull, "w"))
    reset_backend()
    yield outcomes
    reset_backend()


def _count(page) -> int:
    return int(page.locator("#result-count strong").inner_text())


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
    assert page.locator("#expansion").inner_text().count("medial branch block") >= 1
    assert _count(page) >= 1
    first = page.locator("article.hit").first
    assert first.get_attribute("data-case") == FACET_LETTER  # the facet-injection letter, first
    assert "Facet joint injections L4-5, L5-S1" in first.inner_text()

    # A broader query, then a facet click narrows it and shows a removable chip.
    query = page.locator("form.search-main input[name=q]")
    query.fill("lumbar MRI")
    query.press("Enter")
    page.wait_for_load_state()
    before = _count(page)
    assert before > 1
    page.locator('section.facet[data-facet="decision"] a[data-value="Overturned"]').click()
    page.wait_for_url("**decision=Overturned*")
    after = _count(page)
    assert 0 < after < before
    chip = page.locator("#chips .chip")
    assert chip.count() == 1 and "Overturned" in chip.inner_text()
    for article in page.locator("article.hit").all():
        assert "Overturned" in article.inner_text()
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    # The chip removes the filter again.
    chip.locator("a.remove").click()
    page.wait_for_load_state()
    assert _count(page) == before

    # Open a determination from the results.
    link = page.locator("article.hit h2 a.case-link").first
    case_number = link.inner_text().strip()
    link.click()
    page.wait_for_url(f"**/determinations/{case_number}/")
    assert case_number in page.locator("h1").inner_text()
    page.close()
