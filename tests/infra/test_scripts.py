"""The quick-start scripts and the CI entry point: syntax, and scripts/test.sh's exit codes."""

import os
import subprocess

import pytest

from tests.support import REPO_DIR

SCRIPTS = [REPO_DIR / ".ci" / "run", *sorted((REPO_DIR / "scripts").glob("*.sh"))]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(REPO_DIR)))
def test_script_syntax(script):
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def _test_sh(tmp_path, *pytest_args):
    """scripts/test.sh on a throwaway test file, reusing this venv (no pip install)."""
    env = {**os.environ, "IMR_SKIP_INSTALL": "1"}
    if not (REPO_DIR / ".venv" / "bin" / "python").exists():
        pytest.skip("scripts/test.sh runs .venv/bin/python, and this checkout has no .venv")
    return subprocess.run(
        [
            "bash",
            str(REPO_DIR / "scripts" / "test.sh"),
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            "-c",
            str(tmp_path / "pytest.ini"),
            *pytest_args,
        ],
        cwd=REPO_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def tiny_suite(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_ok.py").write_text("def test_ok():\n    assert True\n")
    (tmp_path / "test_bad.py").write_text("def test_bad():\n    assert False\n")
    return tmp_path


def test_no_tests_collected_is_success_and_says_so(tiny_suite):
    result = _test_sh(tiny_suite, str(tiny_suite / "test_ok.py"), "-k", "no_such_test")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "collected no tests (exit 5)" in result.stdout
    assert "deselected" in result.stdout  # pytest's own closing line is printed


def test_passing_and_failing_runs_keep_pytest_exit_codes(tiny_suite):
    ok = _test_sh(tiny_suite, str(tiny_suite / "test_ok.py"))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "1 passed" in ok.stdout
    bad = _test_sh(tiny_suite, str(tiny_suite / "test_bad.py"))
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "1 failed" in bad.stdout
