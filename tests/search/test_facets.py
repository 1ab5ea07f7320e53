"""A facet is declared once (search/facets.py): adding one there makes both engines index and count
it, the query-string parser take it, the API schema and `manage.py search` list it and the search
page show it, with no other edit. Shown by adding the letter's `priority` (a field the decision
documents already carry) in a fresh process, over real letters, on tantivy and on osmem-server."""

from __future__ import annotations

import json
import sqlite3

import pytest

from search.facets import DECISION_FACETS, by_name, letter_facet_names
from tests.support import DWC_TXT, require_shared_data
from tests.support.processes import manage, project_env, run_python

LETTERS = 12

# Run before anything else imports the registry: the one edit a new facet needs.
ADD_PRIORITY = """
import search.facets as facets
facets.DECISION_FACETS = facets.DECISION_FACETS + (
    facets.Facet("priority", "Priority", letter=True, searchable=False),)
import django
django.setup()
"""

CHECK = (
    ADD_PRIORITY
    + """
import json
from django.test import Client
from rest_framework.test import APIClient
from search.backends import get_backend
from search.params import parse_search_params
from search.serializers import FacetsSerializer
from search.payload import payload, run

params = parse_search_params({"priority": ["Standard"]})
answer = payload(run(params))
page = Client().get("/search/", {"q": ""}).content.decode()
narrowed = APIClient().get("/api/search/", {"priority": "Expedited"}).json()
print(json.dumps({
    "facet": answer["facets"].get("priority"),
    "filtered_total": answer["decisions"]["total"],
    "expedited_total": narrowed["decisions"]["total"],
    "page_shows_it": 'data-facet="priority"' in page and ">Priority<" in page,
    "schema_field": "priority" in FacetsSerializer().fields,
    "backend": get_backend().name,
}))
"""
)


def _oracle(db) -> dict:
    """Decisions per priority, straight from SQLite (not through any search code)."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT d.priority, count(*) FROM cases_disputeditem i "
            "JOIN cases_determination d ON d.id = i.determination_id "
            "WHERE d.parse_status != 'failed' GROUP BY d.priority"
        ).fetchall()
    return {priority: n for priority, n in rows if priority}


def _corpus(tmp_path):
    require_shared_data()
    folder = tmp_path / "letters"
    folder.mkdir()
    for path in sorted(DWC_TXT.glob("*.txt"))[:LETTERS]:
        (folder / path.name).write_bytes(path.read_bytes())
    return folder


def _check(env, tmp_path, db):
    out = run_python(env, CHECK, timeout=300, setup=False)
    data = json.loads(out.stdout.strip().splitlines()[-1])
    expected = _oracle(db)
    assert {v["value"]: v["count"] for v in data["facet"]} == expected
    assert data["filtered_total"] == expected["Standard"]
    assert data["expedited_total"] == expected.get("Expedited", 0)
    assert data["page_shows_it"] and data["schema_field"]
    return data


def test_the_registry_is_what_the_code_reads():
    assert [f.name for f in DECISION_FACETS][:3] == ["decision", "request_category", "procedure_category"]
    assert by_name("guideline_section").many and by_name("guideline_section").slots == 4
    assert letter_facet_names() == {"specialty", "decision_year"}


@pytest.mark.services
def test_adding_a_facet_is_one_declaration_on_both_engines(tmp_path, osmem_es_url):
    folder = _corpus(tmp_path)
    env = project_env(tmp_path)
    db = tmp_path / "imr_kb.sqlite3"
    manage(env, "migrate", "--noinput")
    manage(env, "load_guideline_catalog")
    run_python(
        env, ADD_PRIORITY + f"from pipeline.ingest import ingest_paths\ningest_paths([{str(folder)!r}])\n", setup=False
    )
    assert sum(_oracle(db).values()) > 0
    run_python(
        env,
        ADD_PRIORITY + "from django.core.management import call_command\ncall_command('search_index', '--rebuild')\n",
        setup=False,
    )
    assert _check(env, tmp_path, db)["backend"] == "embedded"

    es = dict(
        env, SEARCH_BACKEND="elasticsearch", ELASTICSEARCH_URL=osmem_es_url, ELASTICSEARCH_INDEX_PREFIX="facettest"
    )
    run_python(
        es,
        ADD_PRIORITY + "from django.core.management import call_command\ncall_command('search_index', '--rebuild')\n",
        setup=False,
    )
    assert _check(es, tmp_path, db)["backend"] == "elasticsearch"

    # `manage.py search --filter` lists and takes it too.
    cli = run_python(
        env,
        ADD_PRIORITY + "from django.core.management import call_command\n"
        "call_command('search', '', '--filter', 'priority=Standard', '--json')\n",
        setup=False,
    )
    assert json.loads(cli.stdout)["decisions"]["total"] == _oracle(db)["Standard"]
