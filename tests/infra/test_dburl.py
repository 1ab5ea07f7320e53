"""DATABASE_URL parsing (imr_kb.dburl over dj-database-url) and how settings use it."""

import os
import subprocess
import sys

import pytest

from imr_kb.dburl import parse_database_url
from tests.support import REPO_DIR


@pytest.mark.parametrize(
    "url, name",
    [
        ("sqlite:///var/imr.sqlite3", "var/imr.sqlite3"),
        ("sqlite:////tmp/imr kb/db.sqlite3", "/tmp/imr kb/db.sqlite3"),
        ("sqlite:////tmp/imr%20kb/db.sqlite3", "/tmp/imr kb/db.sqlite3"),
        ("sqlite://", ":memory:"),
        ("sqlite:///:memory:", ":memory:"),
        ("SQLITE:////abs.db", "/abs.db"),
    ],
)
def test_sqlite_urls(url, name):
    assert parse_database_url(url) == {"ENGINE": "django.db.backends.sqlite3", "NAME": name}


def test_postgres_full_url():
    cfg = parse_database_url("postgres://imr:s%40cret%3A1@db.example.org:6543/imr_kb?sslmode=require")
    assert {k: cfg[k] for k in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")} == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "imr_kb",
        "USER": "imr",
        "PASSWORD": "s@cret:1",
        "HOST": "db.example.org",
        "PORT": "6543",
        "OPTIONS": {"sslmode": "require"},
    }
    # Connections are closed after each request unless DATABASE_CONN_MAX_AGE says otherwise.
    assert cfg["CONN_MAX_AGE"] == 0


def test_postgres_persistent_connections_are_health_checked():
    cfg = parse_database_url("postgres://u@h/db", conn_max_age=60)
    assert (cfg["CONN_MAX_AGE"], cfg["CONN_HEALTH_CHECKS"]) == (60, True)


def test_option_values_are_kept_as_written():
    cfg = parse_database_url("postgres://u@h/db?connect_timeout=10&keepalives=1&sslmode=verify-full")
    assert cfg["OPTIONS"] == {"connect_timeout": "10", "keepalives": "1", "sslmode": "verify-full"}


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "pgsql"])
def test_postgres_scheme_aliases(scheme):
    cfg = parse_database_url(f"{scheme}://u@localhost/db")
    assert cfg["ENGINE"] == "django.db.backends.postgresql"
    assert (cfg["USER"], cfg["HOST"], cfg["PORT"], cfg["NAME"]) == ("u", "localhost", "", "db")


def test_postgres_without_user_or_host_uses_libpq_defaults():
    cfg = parse_database_url("postgres:///imr_kb")
    assert (cfg["USER"], cfg["PASSWORD"], cfg["HOST"], cfg["PORT"]) == ("", "", "", "")


def test_postgres_unix_socket_directory_in_netloc_keeps_case():
    cfg = parse_database_url("postgres://imr@%2Ftmp%2FPG-Sockets/imr_kb")
    assert cfg["HOST"] == "/tmp/PG-Sockets"


def test_postgres_host_and_port_as_query_parameters():
    cfg = parse_database_url("postgresql:///imr_kb?host=/run/postgresql&port=5433&connect_timeout=5")
    assert cfg["HOST"] == "/run/postgresql"
    assert cfg["PORT"] == "5433"
    assert cfg["OPTIONS"] == {"connect_timeout": "5"}


def test_postgres_ipv6_host():
    cfg = parse_database_url("postgres://u:p@[::1]:5433/db")
    assert (cfg["HOST"], cfg["PORT"]) == ("::1", "5433")


@pytest.mark.parametrize(
    "url, fragment",
    [
        ("mysql://u:hunter2@h/db", "unsupported scheme 'mysql'"),
        ("postgres://u@h:notaport/db", "bad port"),
        ("postgres://u@h/", "no database name"),
        ("", "empty"),
        ("/just/a/path.sqlite3", "unsupported scheme ''"),
    ],
)
def test_bad_urls_are_clear_errors(url, fragment):
    with pytest.raises(ValueError, match=fragment):
        parse_database_url(url)


def test_error_message_does_not_leak_password():
    with pytest.raises(ValueError) as excinfo:
        parse_database_url("mysql://u:hunter2@h/db")
    assert "hunter2" not in str(excinfo.value)


def _settings_in_subprocess(env_overrides: dict, expression: str) -> str:
    """Evaluate an expression over freshly imported settings with the given environment."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "IMR_VAR_DIR")}
    env.update(env_overrides)
    env["DJANGO_SETTINGS_MODULE"] = "imr_kb.settings"
    code = f"from django.conf import settings; print({expression})"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_settings_default_database_is_sqlite_under_var_dir(tmp_path):
    name = _settings_in_subprocess({"IMR_VAR_DIR": str(tmp_path)}, "settings.DATABASES['default']['NAME']")
    assert name == str(tmp_path / "imr_kb.sqlite3")


def test_settings_read_database_url(tmp_path):
    engine = _settings_in_subprocess(
        {"DATABASE_URL": "postgres://imr@127.0.0.1:5999/imr_kb"}, "settings.DATABASES['default']['ENGINE']"
    )
    assert engine == "django.db.backends.postgresql"


def test_settings_celery_is_eager_without_broker():
    out = _settings_in_subprocess({"CELERY_BROKER_URL": ""}, "settings.CELERY_TASK_ALWAYS_EAGER")
    assert out == "True"
    out = _settings_in_subprocess({"CELERY_BROKER_URL": "redis://127.0.0.1:1/0"}, "settings.CELERY_TASK_ALWAYS_EAGER")
    assert out == "False"


def test_fresh_checkout_without_var_dir_can_migrate(tmp_path):
    """The default SQLite file lives in IMR_VAR_DIR, which a fresh checkout does not have yet."""
    var_dir = tmp_path / "fresh" / "var"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SEARCH_INDEX_DIR")}
    env.update(IMR_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="imr_kb.settings", CELERY_BROKER_URL="")
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=REPO_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (var_dir / "imr_kb.sqlite3").is_file()
