"""Run the project's own commands in subprocesses with a given environment (database, broker)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from tests.support import REPO_DIR

WORKER_READY_TIMEOUT = 90
# Variables of the developer's shell that would point a subprocess at the wrong database,
# broker or index.
_CLEARED = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "SEARCH_BACKEND",
    "SEARCH_INDEX_DIR",
    "IMR_VAR_DIR",
    "ELASTICSEARCH_URL",
)


def project_env(tmp_path: Path, database_url: str | None = None, broker_url: str = "", **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in _CLEARED}
    env.update(
        DJANGO_SETTINGS_MODULE="imr_kb.settings",
        IMR_VAR_DIR=str(tmp_path / "var"),
        SEARCH_INDEX_DIR=str(tmp_path / "search-index"),
        SEARCH_BACKEND="embedded",
        DATABASE_URL=database_url or f"sqlite:///{tmp_path / 'imr_kb.sqlite3'}",
        CELERY_BROKER_URL=broker_url,
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    (tmp_path / "var").mkdir(parents=True, exist_ok=True)
    return env


def manage(env: dict, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """python manage.py ARGS in the repository, with env; fails the test with the output on error."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, (
        f"manage.py {' '.join(args)} exited {result.returncode}\n--- stdout\n{result.stdout[-3000:]}"
        f"\n--- stderr\n{result.stderr[-3000:]}"
    )
    return result


def run_python(env: dict, code: str, timeout: float = 120, setup: bool = True) -> subprocess.CompletedProcess:
    """A small Django script in a subprocess (django.setup() done first, unless setup=False: the
    script does it itself, after what must happen before any app is imported)."""
    prelude = "import django; django.setup()\n" if setup else ""
    result = subprocess.run(
        [sys.executable, "-c", prelude + code],
        cwd=REPO_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, (
        f"script failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result


def wait_until(predicate, timeout: float, interval: float = 0.25, what: str = "condition"):
    """Poll predicate() until it returns a truthy value; bounded. Returns that value."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (last value: {last!r})")


class Worker:
    """`celery -A imr_kb worker` in a subprocess, its log in a file; stopped by its own pid."""

    def __init__(self, env: dict, log_path: Path, queues: str = "celery", concurrency: int = 1):
        self.log_path = log_path
        self.log = log_path.open("wb")
        # One process (solo pool), or a prefork pool of `concurrency` processes as deployed.
        pool = (
            ["--pool=solo", "--concurrency=1"]
            if concurrency == 1
            else ["--pool=prefork", f"--concurrency={concurrency}"]
        )
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "imr_kb",
                "worker",
                *pool,
                "-Q",
                queues,
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"imr-test-{uuid.uuid4().hex[:8]}@%h",
            ],
            cwd=REPO_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: kill() ends the worker and its pool
        )

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def wait_ready(self):
        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"celery worker exited with {self.proc.returncode}:\n{self.output()[-4000:]}")
            return " ready." in self.output()

        wait_until(ready, WORKER_READY_TIMEOUT, what="the celery worker to be ready")

    def kill(self):
        """SIGKILL the worker and its pool processes (its process group), as a crash would."""
        import signal

        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()  # warm shutdown: finishes the current task
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()
