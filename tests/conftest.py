"""Fixtures every test has, and the shared fixture modules (tests/support/*):

services          redis_url, postgres_url, osmem_es_url: real servers started for the session
corpus_fixtures   the 150 real letters ingested and indexed once per module, on both engines
letter_fixtures   a few letters ingested, a linked letter, the guideline catalog
alert_fixtures    a corpus of committed letters for saved-search alerts
browser           headless Chromium (Debian's /usr/bin/chromium) through Playwright
"""

import pytest

from guidelines.linking import clear_cache
from guidelines.queries import forget_section_urls
from search.backends import reset_backend
from tests.support import DWC_PDF, DWC_TXT, SEED_DIR, require_shared_data

pytest_plugins = [
    "tests.support.services",
    "tests.support.corpus_fixtures",
    "tests.support.letter_fixtures",
    "tests.support.alert_fixtures",
    "tests.support.browser",
]


@pytest.fixture(autouse=True)
def fresh_guideline_caches():
    """The per-process guideline caches (the linker's catalog, the section-label URL map) start
    empty in every test: tests flush the database between them, and what one test cached (with
    the ids SQLite then reuses) must not be taken for the next test's."""
    clear_cache()
    forget_section_urls()
    yield
    clear_cache()
    forget_section_urls()


@pytest.fixture(autouse=True)
def search_index_dir(settings, tmp_path):
    """Every test's embedded index lives in its own tmp dir, never the checkout's var/ (letter pages
    read the index for their similar decisions). A test that searches the indexed corpus asks for
    `on_corpus_index` or `on_elasticsearch` (tests/support/corpus_fixtures.py)."""
    settings.SEARCH_INDEX_DIR = tmp_path / "search-index"
    settings.SEARCH_BACKEND = "embedded"
    reset_backend()
    yield settings.SEARCH_INDEX_DIR
    reset_backend()


@pytest.fixture(scope="session")
def dwc_txt_dir():
    require_shared_data()
    return DWC_TXT


@pytest.fixture(scope="session")
def dwc_pdf_dir():
    require_shared_data()
    return DWC_PDF


@pytest.fixture(scope="session")
def seed_letter_path():
    require_shared_data()
    return next(SEED_DIR.glob("*.txt"))
