"""Deployment files and hardening: `check --deploy` with the documented production environment,
the server's refusal of an insecure secret key, and the structure of docker-compose.yml and the
Dockerfile (Docker itself is not available here: scripts/topology.py runs the same topology,
tests/infra/test_topology.py)."""

from __future__ import annotations

import re
import secrets
import subprocess
import sys

import pytest
import yaml

from scripts.topology import read_env_file
from tests.support import REPO_DIR
from tests.support.processes import project_env

COMPOSE = yaml.safe_load((REPO_DIR / "docker-compose.yml").read_text())
ENV_EXAMPLE = REPO_DIR / "deploy" / "production.env.example"
APP_SERVICES = {"migrate", "web", "worker", "beat"}


def example_env() -> dict[str, str]:
    return read_env_file(ENV_EXAMPLE)


def _check_deploy(tmp_path, **env_vars) -> subprocess.CompletedProcess:
    env = project_env(tmp_path, **{"LOG_LEVEL": "WARNING", **env_vars})
    # Only the environment under test: nothing of this process's own DJANGO_* variables (a
    # browser test sets DJANGO_ALLOW_ASYNC_UNSAFE, which check --deploy rightly reports).
    for name in [n for n in env if n.startswith("DJANGO_") and n not in env_vars]:
        if name != "DJANGO_SETTINGS_MODULE":
            del env[name]
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_check_deploy_is_clean_with_the_documented_production_environment(tmp_path):
    env = {**example_env(), "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}
    result = _check_deploy(tmp_path, **env)
    print(result.stdout, result.stderr)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_reports_the_placeholder_and_the_development_key(tmp_path):
    placeholder = _check_deploy(tmp_path, **example_env())
    assert placeholder.returncode != 0
    assert "imr_kb.E001" in placeholder.stderr and "placeholder" in placeholder.stderr
    # Without the production environment every issue is reported (none passes silently).
    bare = _check_deploy(tmp_path)
    assert bare.returncode != 0
    for code in ("imr_kb.E001", "security.W009", "security.W004", "security.W008", "security.W012", "security.W016"):
        assert code in bare.stderr, (code, bare.stderr)


@pytest.mark.parametrize("key", ["", "change-me-to-a-long-random-value"], ids=["unset", "placeholder"])
def test_the_server_refuses_an_insecure_secret_key_with_debug_off(tmp_path, key):
    env = project_env(
        tmp_path,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=key,
        PORT="1",
        WEB_CONCURRENCY="1",
        IMR_SKIP_COLLECTSTATIC="1",
        IMR_PYTHON=sys.executable,
    )
    result = subprocess.run(
        ["bash", "scripts/serve.sh"],
        cwd=REPO_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY is" in result.stderr, result.stderr[-2000:]
    assert "the server will not start on it" in result.stderr
    # Management commands still run on the development key (tests, the operator's shell).
    ok = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=REPO_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert ok.returncode == 0, ok.stderr


# --- docker-compose.yml ------------------------------------------------------------------------


def test_compose_has_the_production_services():
    services = COMPOSE["services"]
    assert set(services) == {"elasticsearch", "postgres", "redis"} | APP_SERVICES
    es = services["elasticsearch"]
    assert re.search(r"elasticsearch:8\.\d+\.\d+$", es["image"]), es["image"]
    assert es["environment"]["discovery.type"] == "single-node"
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    for name in APP_SERVICES:
        assert services[name]["build"] == "." and services[name]["env_file"] == ".env"


def test_compose_health_checks_and_start_order():
    services = COMPOSE["services"]
    for name in ("elasticsearch", "postgres", "redis", "web", "worker"):
        test = services[name].get("healthcheck", {}).get("test")
        assert test and test[0] in ("CMD", "CMD-SHELL"), name
    assert services["web"]["healthcheck"]["test"] == ["CMD", "python", "scripts/healthcheck.py"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "worker"):
        deps = services[name]["depends_on"]
        assert deps["migrate"]["condition"] == "service_completed_successfully"
        assert deps["elasticsearch"]["condition"] == deps["redis"]["condition"] == "service_healthy"


def test_compose_volumes_are_declared_and_mounted():
    declared = set(COMPOSE["volumes"])
    mounted = {}
    for name, service in COMPOSE["services"].items():
        for volume in service.get("volumes", []):
            source, target = volume.split(":")[:2]
            mounted.setdefault(source, set()).add((name, target))
    assert set(mounted) == declared
    assert ("postgres", "/var/lib/postgresql/data") in mounted["pgdata"]
    assert ("elasticsearch", "/usr/share/elasticsearch/data") in mounted["esdata"]
    assert ("redis", "/data") in mounted["redisdata"]
    # Web, worker and beat share the state directory (IMR_VAR_DIR).
    assert {s for s, _ in mounted["appdata"]} == APP_SERVICES
    assert all(service_env(name)["IMR_VAR_DIR"] == "/data" for name in APP_SERVICES)


def service_env(name: str) -> dict:
    return COMPOSE["services"][name]["environment"]


def test_compose_environment_points_at_the_compose_services():
    env = service_env("web")
    assert env["DATABASE_URL"].startswith("postgres://imr:") and "@postgres:5432/imr_kb" in env["DATABASE_URL"]
    assert env["ELASTICSEARCH_URL"] == "http://elasticsearch:9200" and env["SEARCH_BACKEND"] == "elasticsearch"
    assert env["CELERY_BROKER_URL"] == "redis://redis:6379/0"
    assert env["HOST"] == "0.0.0.0"
    for name in ("worker", "beat", "migrate"):
        assert service_env(name)["DATABASE_URL"] == env["DATABASE_URL"]


def _read_by_the_project() -> str:
    return "\n".join(
        p.read_text()
        for p in [
            REPO_DIR / "imr_kb" / "settings.py",
            REPO_DIR / "scripts" / "serve.sh",
            REPO_DIR / "docker-compose.yml",
        ]
    )


def test_every_documented_variable_is_read_by_the_project():
    """The example environment and the compose file name no variable that nothing reads."""
    sources = _read_by_the_project()
    names = set(example_env()) | set(service_env("web"))
    for name in sorted(names):
        assert re.search(rf"[\"'{{$]{name}\b", sources), f"{name} is documented but never read"
    table = (REPO_DIR / "docs" / "configuration.md").read_text()
    for name in sorted(example_env()):
        assert f"`{name}`" in table, f"{name} is not in docs/configuration.md's table"


def _command_of(name: str) -> list[str]:
    return COMPOSE["services"][name]["command"]


def test_compose_commands_exist_in_the_repository(tmp_path):
    assert _command_of("web") == ["bash", "scripts/serve.sh"] and (REPO_DIR / "scripts/serve.sh").is_file()
    assert (REPO_DIR / "scripts" / "healthcheck.py").is_file()
    migrate = _command_of("migrate")
    assert migrate[:3] == ["python", "manage.py", "migrate"]
    env = project_env(tmp_path)
    # Each Celery command loads the project's app and accepts its arguments (--help parses them).
    for name in ("worker", "beat"):
        command = _command_of(name)
        assert command[:3] == ["celery", "-A", "imr_kb"], command
        args = [a.replace("${CELERY_CONCURRENCY:-2}", "2") for a in command[1:]]
        result = subprocess.run(
            [sys.executable, "-m", "celery", *args, "--help"],
            cwd=REPO_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, (name, result.stderr[-2000:])
    tasks = subprocess.run(
        [
            sys.executable,
            "-c",
            (
                "import django; django.setup()\n"
                "from django.conf import settings; from imr_kb.celery import app\n"
                "app.loader.import_default_modules()\n"
                "print(all(e['task'] in app.tasks for e in settings.CELERY_BEAT_SCHEDULE.values()))"
            ),
        ],
        cwd=REPO_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert tasks.stdout.strip() == "True", tasks.stderr[-2000:]


# --- Dockerfile --------------------------------------------------------------------------------


def test_dockerfile_copies_what_exists_and_runs_the_serve_script():
    text = (REPO_DIR / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.1[1-9]", text, re.M)
    copies = re.findall(r"^COPY (\S+)(?: \S+)* \S+$", text, re.M)
    sources = [s for line in re.findall(r"^COPY (.+) \S+$", text, re.M) for s in line.split()]
    assert copies and sources
    for source in sources:
        assert (REPO_DIR / source).exists(), f"Dockerfile copies {source}, which is not in the repository"
    assert 'CMD ["bash", "scripts/serve.sh"]' in text
    assert "HEALTHCHECK" in text and "scripts/healthcheck.py" in text
    assert "collectstatic" in text and "IMR_SKIP_COLLECTSTATIC=1" in text
    ignored = (REPO_DIR / ".dockerignore").read_text().split()
    assert ".venv" in ignored and ".env" in ignored and "var" in ignored


def test_the_image_holds_every_app_of_the_project():
    """Every installed app that lives in this repository is copied into the image and packaged by
    pyproject.toml (a new app forgotten there would make the image fail at start)."""
    from django.conf import settings

    text = (REPO_DIR / "Dockerfile").read_text()
    copied = set(re.findall(r"^COPY (\w+) \./\1$", text, re.M))
    local = {app for app in settings.INSTALLED_APPS if (REPO_DIR / app / "__init__.py").exists()}
    assert local <= copied, f"Dockerfile does not copy {sorted(local - copied)}"
    packaged = set(re.findall(r'"(\w+)\*"', (REPO_DIR / "pyproject.toml").read_text()))
    assert local <= packaged, f"pyproject.toml does not package {sorted(local - packaged)}"
