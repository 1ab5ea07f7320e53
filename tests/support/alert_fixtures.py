"""Saved-search alert fixtures (registered in tests/conftest.py): real letters ingested through the pipeline (committed, so the index queue is
applied after commit as in production), a tmp embedded index, and copies of real letters under
new case numbers to play "a new letter arrived"."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.management import call_command

from pipeline.ingest import ingest_paths
from search.backends import reset_backend
from tests.support import DWC_TXT, require_shared_data

LETTERS = 30
# A real letter requesting "MRI of the lumbar spine without contrast" (upheld).
LUMBAR_MRI_LETTER = "CM16-0247255"


def copy_letter(source_case: str, new_case: str, folder: Path) -> Path:
    """A real letter written under a new case number (as tests/support/corpus.py copies them)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = (DWC_TXT / f"{source_case}.txt").read_text(encoding="utf-8")
    path = folder / f"{new_case}.txt"
    path.write_text(text.replace(source_case, new_case), encoding="utf-8")
    return path


def ingest(*paths) -> list:
    outcomes = ingest_paths(list(paths))
    assert all(o.status == "new" for o in outcomes), [o.line() for o in outcomes if o.status != "new"]
    return outcomes


@pytest.fixture
def alert_corpus(settings, tmp_path, dwc_txt_dir):
    """The guideline catalog and LETTERS real letters (and the lumbar MRI one) ingested, committed
    and indexed."""
    require_shared_data()
    settings.SEARCH_BACKEND = "embedded"
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    settings.ALERTS_SETTLE_SECONDS = 0
    settings.SITE_URL = "https://kb.example.org"
    reset_backend()
    paths = sorted(dwc_txt_dir.glob("CM*.txt"))[:LETTERS]
    lumbar = dwc_txt_dir / f"{LUMBAR_MRI_LETTER}.txt"
    if lumbar not in paths:
        paths.append(lumbar)
    # The guideline catalog first, as the product runs (setup_demo): citations link to sections.
    call_command("load_guideline_catalog", stdout=open(os.devnull, "w"))
    ingest(*paths)
    call_command("search_index", "--rebuild", stdout=open(os.devnull, "w"), stderr=open(os.devnull, "w"))
    reset_backend()
    yield paths
    reset_backend()
