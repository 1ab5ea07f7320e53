"""Fixtures over the 150 real letters, shared by the search, page, export, analytics and
precedent tests (registered in tests/conftest.py):

    letters_db        the letters ingested once per module, in a transaction rolled back after it
    corpus_index      an embedded index of them (plus a hostile letter and the seed), once per module
    on_corpus_index   make corpus_index the index a test searches (pytest.mark.usefixtures)
    es_corpus         the same letters indexed into a real osmem-server, once per module
    on_elasticsearch  make the Elasticsearch backend over es_corpus the one a test searches
"""

from __future__ import annotations

import os

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test.utils import override_settings

from pipeline.ingest import ingest_file, ingest_paths
from search.backends import reset_backend
from tests.support import DWC_TXT, require_shared_data

HOSTILE_CASE = "CM99-0000001"
HOSTILE_SCRIPT = "<script>alert('zqxss')</script>"


def _hostile_letter(tmp_dir):
    """A real letter with markup in its request line and clinical summary (new case number)."""
    text = (DWC_TXT / "CM16-0247255.txt").read_text(encoding="utf-8")
    text = text.replace("CM16-0247255", HOSTILE_CASE)
    text = text.replace(
        "undergoing treatment for \nlumbar strain.", f"undergoing treatment for \nlumbar strain {HOSTILE_SCRIPT}."
    )
    text = text.replace(
        "MRI of the lumbar spine without contrast:  Upheld",
        "MRI of the lumbar spine without contrast <b>zqxss</b>:  Upheld",
    )
    path = tmp_dir / f"{HOSTILE_CASE}.txt"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def letters_db(django_db_setup, django_db_blocker, tmp_path_factory):
    """The 150 real letters ingested once per module, inside a transaction that is rolled back at
    the end of the module (each test's own transaction nests in it as a savepoint). No commit
    happens, so no on_commit indexing runs here; tests index documents built from these rows."""
    require_shared_data()

    scratch = tmp_path_factory.mktemp("letters-db-index")
    with django_db_blocker.unblock(), override_settings(SEARCH_INDEX_DIR=scratch, SEARCH_BACKEND="embedded"):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            # The guideline catalog first, as the product runs: citations link to its sections.
            call_command("load_guideline_catalog", stdout=open(os.devnull, "w"))
            outcomes = ingest_paths([DWC_TXT])
            failed = [o for o in outcomes if o.status == "failed"]
            assert len(outcomes) == 150 and not failed, failed[:3]
            yield outcomes
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            reset_backend()


@pytest.fixture(scope="module")
def corpus_index(letters_db, django_db_blocker, tmp_path_factory):
    """Index directory holding every ingested letter, classified, built once per module."""
    index_dir = tmp_path_factory.mktemp("search-corpus-index")
    letter_dir = tmp_path_factory.mktemp("hostile-letter")
    with django_db_blocker.unblock(), override_settings(SEARCH_INDEX_DIR=index_dir, SEARCH_BACKEND="embedded"):
        reset_backend()
        outcome = ingest_file(_hostile_letter(letter_dir))
        assert outcome.status in ("new", "updated", "unchanged"), outcome
        # The older-layout seed letter carries no case number: its hit must still link somewhere.
        seed = ingest_file(next((DWC_TXT.parent.parent / "seed").glob("*.txt")))
        assert seed.status in ("new", "updated", "unchanged"), seed
        call_command("reclassify", "--all", "--no-reindex", stdout=open("/dev/null", "w"))
        call_command("search_index", "--rebuild", stdout=open("/dev/null", "w"), stderr=open("/dev/null", "w"))
        reset_backend()
    return index_dir


@pytest.fixture
def on_corpus_index(settings, corpus_index):
    """The module's corpus index is the one searched (instead of the test's empty one)."""
    settings.SEARCH_INDEX_DIR = corpus_index
    settings.SEARCH_BACKEND = "embedded"
    reset_backend()
    yield corpus_index
    reset_backend()


@pytest.fixture(scope="module")
def es_corpus(corpus_index, osmem_es_url, django_db_blocker):
    """The module's letters indexed into a real osmem-server through the same rebuild path."""
    prefix = "viewtest"
    with (
        django_db_blocker.unblock(),
        override_settings(
            SEARCH_BACKEND="elasticsearch", ELASTICSEARCH_URL=osmem_es_url, ELASTICSEARCH_INDEX_PREFIX=prefix
        ),
    ):
        reset_backend()
        call_command("search_index", "--rebuild", stdout=open("/dev/null", "w"), stderr=open("/dev/null", "w"))
        reset_backend()
    return {"SEARCH_BACKEND": "elasticsearch", "ELASTICSEARCH_URL": osmem_es_url, "ELASTICSEARCH_INDEX_PREFIX": prefix}


@pytest.fixture
def on_elasticsearch(settings, es_corpus):

    for key, value in es_corpus.items():
        setattr(settings, key, value)
    reset_backend()
    yield
    reset_backend()
