"""Management commands run from the shell as a user would (system checks included, unlike call_command)."""

import subprocess
import sys

import pytest
from django.core.management import get_commands

from tests.support import FIXTURE_LETTERS, REPO_DIR
from tests.support.processes import manage, project_env


def test_search_index_check_cli(tmp_path):
    """`manage.py search_index --check` from the shell (system checks run, unlike call_command)."""
    env = project_env(tmp_path)
    manage(env, "migrate", "--noinput")
    manage(env, "ingest", str(FIXTURE_LETTERS))
    result = subprocess.run(
        [sys.executable, "manage.py", "search_index", "--check"],
        cwd=REPO_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


EXPECTED_COMMANDS = [
    "parse_letter",
    "ingest",
    "reparse",
    "load_guideline_catalog",
    "import_guideline",
    "link_citations",
    "export_determinations",
    "search_index",
    "search",
    "reclassify",
    "setup_demo",
]


@pytest.mark.parametrize("command", EXPECTED_COMMANDS)
def test_command_help_runs(command, tmp_path):
    """Every command the README documents exists and answers --help."""
    assert command in get_commands(), f"manage.py {command} is documented but missing"
    out = manage(project_env(tmp_path), command, "--help")
    assert "usage:" in out.stdout
