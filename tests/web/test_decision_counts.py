"""Decision counts a user may quote, for procedure queries with filters, on both backends: the
API, the page and `manage.py search --json` give the numbers the database gives (the oracle in
tests/support/oracle.py: the stored classification and hand-written patterns over the request).

Typed queries go through the real parser, taxonomy and engines; only the expectation is
computed independently.
"""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command

from tests.support import oracle
from tests.support.pages import figures

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_corpus_index")]

CASES = oracle.PROCEDURE_CASES
assert len(CASES) >= 10 and sum(1 for c in CASES if c.filters) >= 3


def _params(case) -> dict:
    return {"q": case.q, **case.filters, "page_size": 100}


def _api(client, case) -> dict:
    response = client.get("/api/search/", _params(case))
    assert response.status_code == 200, response.content[:300]
    return response.json()


def _check(client, case):
    expected = case.expected()
    outcomes = oracle.decisions_of(expected)
    data = _api(client, case)
    matched = {i["id"] for r in data["results"] for i in r["items"] if i["matched"]}
    assert matched == expected, f"{case.q} {case.filters}: extra {matched - expected}, missing {expected - matched}"
    assert data["decisions"] == {
        "total": len(expected),
        "Upheld": outcomes["Upheld"],
        "Overturned": outcomes["Overturned"],
    }
    assert data["count"] == len(oracle.letters_of(expected)) == len(data["results"])
    assert {f["value"]: f["count"] for f in data["facets"]["decision"]} == dict(outcomes)
    # The page says the same.
    html = client.get("/search/", _params(case)).content.decode()
    assert figures(html) == (len(expected), data["count"])
    assert re.search(rf'class="n-overturned">{outcomes["Overturned"]}<', html)
    # And the command line.
    args = ["search", case.q, "--json", "--page-size", "100"]
    for facet, values in case.filters.items():
        args += [f"--filter={facet}={v}" for v in values]
    out = StringIO()
    call_command(*args, stdout=out)
    assert json.loads(out.getvalue()) == data


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.q}-{c.filters}")
def test_decision_counts_on_the_embedded_backend(client, case):
    _check(client, case)


@pytest.mark.services
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.q}-{c.filters}")
def test_decision_counts_on_elasticsearch(client, on_elasticsearch, case):  # noqa: F811
    _check(client, case)
