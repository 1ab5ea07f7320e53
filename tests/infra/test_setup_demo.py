"""manage.py setup_demo (the first quick-start command's data step), in a subprocess on a temp database."""

import sqlite3

from tests.support import FIXTURE_LETTERS
from tests.support.processes import manage, project_env, run_python


def _rows(db_path, sql):
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql).fetchall()


def test_setup_demo_without_shared_data_loads_the_fixture_letters_and_an_admin(tmp_path):
    env = project_env(
        tmp_path,
        IMR_SHARED_DATA=str(tmp_path / "no-shared-data"),
        DEMO_ADMIN_USER="demo",
        DEMO_ADMIN_PASSWORD="s3cret-demo",
    )
    db = tmp_path / "imr_kb.sqlite3"
    manage(env, "migrate", "--noinput")
    first = manage(env, "setup_demo")
    assert "Admin user created: username='demo' password='s3cret-demo'" in first.stdout
    assert f"fixture letters from {FIXTURE_LETTERS}" in first.stdout
    letters = sorted(FIXTURE_LETTERS.glob("*.txt"))
    assert _rows(db, "SELECT count(*) FROM cases_determination") == [(len(letters),)], first.stdout
    assert _rows(db, "SELECT username, is_staff, is_superuser FROM auth_user") == [("demo", 1, 1)]

    # Idempotent: a second run adds nothing, keeps one admin and never resets its password,
    # even when the password was changed since (and the environment still names the old one).
    password_hash = _rows(db, "SELECT password FROM auth_user")[0][0]
    run_python(
        env,
        "from django.contrib.auth.models import User\n"
        "u = User.objects.get(username='demo'); u.set_password('changed-by-the-owner'); u.save()",
    )
    changed_hash = _rows(db, "SELECT password FROM auth_user")[0][0]
    assert changed_hash != password_hash
    second = manage(env, "setup_demo")
    assert "Admin user 'demo' exists: left unchanged" in second.stdout
    assert "s3cret-demo" not in second.stdout
    assert _rows(db, "SELECT count(*) FROM cases_determination") == [(len(letters),)], second.stdout
    assert _rows(db, "SELECT count(*) FROM auth_user") == [(1,)]
    assert _rows(db, "SELECT password FROM auth_user") == [(changed_hash,)]


def test_setup_demo_with_shared_data_loads_every_dwc_letter_and_the_seed(tmp_path, dwc_pdf_dir, seed_letter_path):
    env = project_env(tmp_path, IMR_SHARED_DATA=str(dwc_pdf_dir.parent.parent))
    db = tmp_path / "imr_kb.sqlite3"
    manage(env, "migrate", "--noinput")
    out = manage(env, "setup_demo", "--no-admin", timeout=600)
    expected = len(list(dwc_pdf_dir.glob("*.pdf"))) + 1
    assert _rows(db, "SELECT count(*) FROM cases_determination") == [(expected,)], out.stdout[-3000:]
    assert _rows(db, "SELECT count(*) FROM cases_determination WHERE parse_status = 'failed'") == [(0,)]
    assert _rows(db, "SELECT count(*) FROM auth_user") == [(0,)]


def test_setup_demo_strict_fails_on_a_missing_letters_folder(tmp_path):
    import subprocess
    import sys

    from tests.support import REPO_DIR

    env = project_env(tmp_path)
    manage(env, "migrate", "--noinput")
    result = subprocess.run(
        [sys.executable, "manage.py", "setup_demo", "--letters", str(tmp_path / "nowhere")],
        cwd=REPO_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "nowhere is not a file or folder" in result.stderr
