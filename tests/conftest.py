"""Shared fixtures. Real letters are read from ../shared/data beside the checkout (never copied)."""
import os
from pathlib import Path

import pytest

REPO_DIR = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("IMR_SHARED_DATA", REPO_DIR.parent / "shared" / "data"))
DWC_TXT = SHARED_DATA / "dwc-imr" / "txt"
DWC_PDF = SHARED_DATA / "dwc-imr" / "pdf"
SEED_DIR = SHARED_DATA / "seed"
IN_CI = os.environ.get("CI", "").lower() == "true"


def require_shared_data():
    """Skip outside CI when the shared letters are absent; under CI their absence is a failure."""
    if not DWC_TXT.is_dir():
        message = f"real letters not found at {DWC_TXT}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(autouse=True)
def fresh_guideline_catalog():
    """The linker's per-process catalog cache starts empty in every test: tests flush the database
    between them, and a catalog cached by one test (with the ids SQLite then reuses) must not be
    taken for the next test's."""
    from guidelines.linking import clear_cache

    clear_cache()
    yield
    clear_cache()


@pytest.fixture(autouse=True)
def search_index_dir(settings, tmp_path):
    """Every test's embedded index lives in its own tmp dir, never the checkout's var/ (letter pages
    read the index for their similar decisions). tests/search/ overrides this fixture by name."""
    from search.backends import reset_backend

    settings.SEARCH_INDEX_DIR = tmp_path / "search-index"
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


# Real Redis and PostgreSQL servers started by the tests (see tests/services.py).
from tests.services import postgres_url, redis_url  # noqa: E402,F401
