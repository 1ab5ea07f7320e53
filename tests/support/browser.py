"""Browser fixtures (registered in tests/conftest.py): headless Chromium (Debian's
/usr/bin/chromium) driven by Playwright, and a few dozen real letters ingested and indexed for a
live_server test. Outside CI a missing Chromium or Playwright skips with the reason; under
CI=true it fails."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from pipeline.ingest import ingest_paths
from search.backends import reset_backend
from tests.support import require_shared_data, unavailable

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT = Path("/tmp/search.png")
# The facet-injection letter, and letters about lumbar MRI, Norco, TENS and EMG/NCV.
LETTERS = 40
FACET_LETTER = "CM16-0219557"


@pytest.fixture
def chromium():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        unavailable(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install playwright; no `playwright install` needed)")
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
