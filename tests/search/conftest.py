"""Search test fixtures: an isolated index directory per test, a real osmem-server (the
OpenSearch-compatible test server) for the Elasticsearch backend, and the 150 real letters
ingested once per module.

osmem-server is started on a free loopback port by a session fixture and killed at the end.
Outside CI a server that cannot start skips the Elasticsearch tests with the reason; under
CI=true it fails them.
"""
from __future__ import annotations

import os
import socket

import pytest

from tests.conftest import DWC_TXT, IN_CI, require_shared_data


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def osmem_es_url():
    """URL of a running osmem-server (Elasticsearch/OpenSearch-compatible), for the whole session."""
    try:
        from osmem_server import OsmemServer

        server = OsmemServer.start(addr=f"127.0.0.1:{_free_port()}", japanese=False, startup_timeout=30)
    except Exception as exc:  # ImportError, OsmemError, OSError
        message = f"osmem-server could not start ({type(exc).__name__}: {exc}); pip install osmem-server"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield server.url
    finally:
        server.close()


@pytest.fixture(autouse=True)
def search_index_dir(settings, tmp_path):
    """Each test writes its embedded index under its own tmp dir (never var/search-index)."""
    from search.backends import reset_backend

    settings.SEARCH_INDEX_DIR = tmp_path / "search-index"
    settings.SEARCH_BACKEND = "embedded"
    reset_backend()
    yield settings.SEARCH_INDEX_DIR
    reset_backend()


@pytest.fixture(scope="module")
def letters_db(django_db_setup, django_db_blocker, tmp_path_factory):
    """The 150 real letters ingested once per module, inside a transaction that is rolled back at
    the end of the module (each test's own transaction nests in it as a savepoint). No commit
    happens, so no on_commit indexing runs here; tests index documents built from these rows."""
    require_shared_data()
    from django.core.management import call_command
    from django.db import transaction
    from django.test.utils import override_settings

    from cases.ingest import ingest_paths
    from search.backends import reset_backend

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
