"""The cases app on a real PostgreSQL (server started by tests/support/services.py): ingest, update with a
revision, and the JSON specialty / year / decision filters of the admin, pages and API, which use
text matching that must behave the same as on SQLite."""

from __future__ import annotations

import json

import pytest

from tests.support.letters import copy_letters
from tests.support.processes import manage, project_env, run_python
from tests.support.services import create_postgres_database

pytestmark = pytest.mark.services

LETTERS = ["CM16-0219557.txt", "CM16-0221706.txt", "CM16-0224814.txt", "CM16-0228949.txt", "CM16-0229336.txt"]

SCRIPT = r"""
import json
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient
from cases.models import Determination
from cases.filters import DeterminationFilter
from cases.queries import filter_specialty

qs = Determination.objects.all()
out = {
    "family": sorted(d.case_number for d in filter_specialty(qs, "family practice")),
    "partial": filter_specialty(qs, "Medicine").count(),
    "overturned": sorted(d.case_number for d in DeterminationFilter({"decision": "Overturned"}, qs).qs),
    "year": DeterminationFilter({"year": "2016"}, qs).qs.count() + DeterminationFilter({"year": "2017"}, qs).qs.count(),
    "api": APIClient().get("/api/determinations/", {"specialty": "Family Practice"}).json()["count"],
    "detail": APIClient().get("/api/determinations/CM16-0219557/").status_code,
}
user = get_user_model().objects.create_superuser("pgadmin", "", "pw")
client = Client()
client.force_login(user)
codes = []
for params in ({}, {"specialty": "Family Practice"}, {"decision_year": "2016"}, {"item_decision": "Upheld"},
               {"q": "Viagra"}, {"parse_status__exact": "failed"}):
    codes.append(client.get("/admin/cases/determination/", params).status_code)
out["admin"] = codes
out["list_page"] = client.get("/").status_code
print("RESULT " + json.dumps(out))
"""


def test_ingest_update_and_filters_on_postgres(postgres_url, dwc_txt_dir, tmp_path):
    database_url = create_postgres_database(postgres_url)
    env = project_env(tmp_path, database_url=database_url)
    manage(env, "migrate", "--noinput")
    folder = tmp_path / "letters"
    files = copy_letters(dwc_txt_dir, folder, LETTERS)

    first = manage(env, "ingest", str(folder))
    assert first.stdout.strip().splitlines()[-1] == "new: 5, updated: 0, unchanged: 0, failed: 0"
    again = manage(env, "ingest", str(folder))
    assert again.stdout.strip().splitlines()[-1] == "new: 0, updated: 0, unchanged: 5, failed: 0"

    files[0].write_text(
        files[0].read_text(encoding="utf-8").replace("L5-S1:  Upheld", "L5-S1:  Overturned", 1), encoding="utf-8"
    )
    (folder / "empty.txt").write_bytes(b"")
    third = manage(env, "ingest", str(folder))
    lines = third.stdout.strip().splitlines()
    assert "updated CM16-0219557 (CM16-0219557.txt): changed: raw_text, items" in lines
    assert "failed empty.txt: empty file" in lines
    assert lines[-1] == "new: 0, updated: 1, unchanged: 4, failed: 1"

    result = run_python(env, SCRIPT)
    line = next(x for x in result.stdout.splitlines() if x.startswith("RESULT "))
    out = json.loads(line[len("RESULT ") :])
    assert out["family"] == ["CM16-0221706", "CM16-0224814"]
    assert out["partial"] == 0
    assert out["overturned"] == ["CM16-0219557", "CM16-0229336"]
    assert out["year"] == 5
    assert out["api"] == 2 and out["detail"] == 200
    assert out["admin"] == [200] * 6
    assert out["list_page"] == 200
