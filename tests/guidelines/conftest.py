import pytest

from guidelines.catalog_loader import load_catalog
from guidelines.linking import clear_cache


@pytest.fixture
def catalog(db):
    clear_cache()
    load_catalog()
    yield
    clear_cache()
