"""`manage.py precedents TEXT --json` from the shell, as the evaluation runs it: migrate, ingest
the 150 real letters (the index is written by the product's own sync path), then ask."""

import json

from tests.support import DWC_TXT, require_shared_data
from tests.support.processes import manage, project_env


def test_precedents_json_from_the_shell(tmp_path):
    require_shared_data()
    env = project_env(tmp_path)
    manage(env, "migrate", "--noinput")
    manage(env, "load_guideline_catalog")
    manage(env, "ingest", str(DWC_TXT))
    out = manage(env, "precedents", "lumbar MRI", "--summary", "low back pain radiating to the leg", "--json").stdout
    data = json.loads(out)
    assert list(data) == ["total", "outcomes", "results"]
    assert set(data["outcomes"]) == {"Upheld", "Overturned"}
    assert data["total"] == len(data["results"]) >= 20
    assert all({"case_number", "order", "request", "decision", "score"} <= set(r) for r in data["results"])
    assert data["results"][0]["request"].lower().count("mri") and "lumbar" in data["results"][0]["request"].lower()
    scores = [r["score"] for r in data["results"]]
    assert scores == sorted(scores, reverse=True)
    assert manage(env, "precedents", "--help").stdout.startswith("usage:")
