"""Fixtures over a few real letters: ingested into the test database, one stored with its
citations linked, and the guideline catalog loaded (registered in tests/conftest.py)."""

from __future__ import annotations

import pytest

from guidelines.linking import clear_cache
from pipeline.catalog import load_catalog
from pipeline.ingest import ingest_paths
from tests.support.letters import copy_letters, store_letter

# Chosen for variety: several items, both decisions, different specialties.
SAMPLE = ["CM16-0219557.txt", "CM16-0221706.txt", "CM16-0224814.txt", "CM16-0228949.txt", "CM16-0229336.txt"]


@pytest.fixture
def ingested(db, dwc_txt_dir, seed_letter_path, tmp_path):
    """Five real letters, the seed letter (no case number) and one failed file; returns outcomes."""
    folder = tmp_path / "ingested"
    copy_letters(dwc_txt_dir, folder, SAMPLE)
    copy_letters(seed_letter_path.parent, folder, [seed_letter_path.name])
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is not really a PDF")
    outcomes = ingest_paths([folder])
    assert sorted(o.status for o in outcomes) == ["failed"] + ["new"] * 6, outcomes
    return {o.source_name: o for o in outcomes}


LINKED_CASE = "CM16-0219557"  # MAXIMUS cites Low Back Complaints 2004 Summary and Chronic Pain 2016 Facet blocks


@pytest.fixture
def linked_letter(db, dwc_txt_dir):
    """A real letter stored with the guideline catalog loaded, so its citations are linked."""
    clear_cache()
    load_catalog()
    yield store_letter((dwc_txt_dir / f"{LINKED_CASE}.txt").read_text(encoding="utf-8"), f"{LINKED_CASE}.txt")
    clear_cache()


@pytest.fixture
def catalog(db):
    clear_cache()
    load_catalog()
    yield
    clear_cache()
