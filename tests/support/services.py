"""Real Redis and PostgreSQL servers for the tests, started on free localhost ports in temp dirs.

Fixtures (session scope): `redis_url` -> "redis://127.0.0.1:PORT/0",
`postgres_url` -> "postgres://postgres@127.0.0.1:PORT/postgres" (trust auth, superuser).
`create_postgres_database(postgres_url, name)` makes a fresh database and returns its URL.

Servers come from the Debian packages (redis-server; postgresql-15 in /usr/lib/postgresql/*/bin);
osmem-server (`osmem_es_url`, the Elasticsearch-compatible test server) from PyPI. Missing ones
skip the test with a clear message, except under CI=true where they fail (tests.support.unavailable).
PostgreSQL refuses to run as root, so as root it runs as the `postgres` user via runuser.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from tests.support import free_port, unavailable

START_TIMEOUT = 60.0


def wait_for_port(port: int, timeout: float, proc: subprocess.Popen | None = None) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


# --- Redis ------------------------------------------------------------------------------------


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    def __init__(self, executable: str, workdir: Path):
        self.executable = executable
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        # A free port can be taken between probing and binding: try a few.
        last_log = ""
        for _ in range(3):
            self.port = free_port()
            log = self.workdir / f"redis-{self.port}.log"
            self.proc = subprocess.Popen(
                [
                    self.executable,
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--daemonize",
                    "no",
                    "--dir",
                    str(self.workdir),
                    "--logfile",
                    str(log),
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
            )
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline and self.proc.poll() is None:
                if _redis_ping(self.port):
                    return self
                time.sleep(0.1)
            last_log = log.read_text(errors="replace") if log.exists() else ""
            self.stop()
        raise RuntimeError(f"redis-server did not start on 127.0.0.1; its log:\n{last_log[-2000:]}")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    executable = shutil.which("redis-server")
    if not executable:
        unavailable("redis-server not found on PATH (Debian package redis-server)")
    server = RedisServer(executable, tmp_path_factory.mktemp("redis")).start()
    atexit.register(server.stop)  # also on an interrupted session
    try:
        yield server.url
    finally:
        server.stop()


# --- PostgreSQL -------------------------------------------------------------------------------


def find_postgres_bindir() -> Path | None:
    """The newest /usr/lib/postgresql/N/bin with initdb, else the directory of initdb on PATH."""
    candidates = []
    for initdb in glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        version = Path(initdb).parent.parent.name
        candidates.append((int(version) if version.isdigit() else 0, Path(initdb).parent))
    if candidates:
        return max(candidates)[1]
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PostgresServer:
    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.port = 0
        self.tmpdir: Path | None = None
        self.started = False
        self.as_postgres_user = os.geteuid() == 0

    @property
    def datadir(self) -> Path:
        return self.tmpdir / "data"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_postgres_user:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(
            command, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout, cwd=self.tmpdir
        )

    def start(self):
        if self.as_postgres_user:
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                unavailable("running as root but there is no 'postgres' user to run PostgreSQL as")
            if not shutil.which("runuser"):
                unavailable("running as root and runuser is missing (util-linux)")
        # Not under pytest's basetemp: that is mode 0700 for root, so the postgres user could
        # not reach its data directory there.
        self.tmpdir = Path(tempfile.mkdtemp(prefix="imr-kb-pg-"))
        if self.as_postgres_user:
            os.chown(self.tmpdir, account.pw_uid, account.pw_gid)
        initdb = self._run(
            "initdb",
            "-D",
            str(self.datadir),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        if initdb.returncode != 0:
            raise RuntimeError(f"initdb failed ({initdb.returncode}):\n{initdb.stdout}\n{initdb.stderr}")
        last_error = ""
        for _ in range(3):
            self.port = free_port()
            options = (
                f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.tmpdir} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            )
            result = self._run(
                "pg_ctl",
                "-D",
                str(self.datadir),
                "-l",
                str(self.tmpdir / f"pg-{self.port}.log"),
                "-o",
                options,
                "-w",
                "-t",
                str(int(START_TIMEOUT)),
                "start",
            )
            if result.returncode == 0 and wait_for_port(self.port, 10):
                self.started = True
                return self
            log = self.tmpdir / f"pg-{self.port}.log"
            last_error = (result.stdout + result.stderr) + (log.read_text(errors="replace") if log.exists() else "")
            self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop", timeout=60)
        self.cleanup()
        raise RuntimeError(f"PostgreSQL did not start:\n{last_error[-3000:]}")

    def stop(self):
        if self.started:
            self._run("pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "-t", "60", "stop", timeout=90)
            self.started = False
        self.cleanup()

    def cleanup(self):
        if self.tmpdir is not None:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None


@pytest.fixture(scope="session")
def postgres_url():
    bindir = find_postgres_bindir()
    if bindir is None or not (bindir / "pg_ctl").exists():
        unavailable(
            "PostgreSQL server binaries (initdb, pg_ctl) not found in /usr/lib/postgresql/*/bin "
            "(Debian package postgresql)"
        )
    server = PostgresServer(bindir).start()
    atexit.register(server.stop)  # also on an interrupted session
    try:
        yield server.url
    finally:
        server.stop()


def create_postgres_database(admin_url: str, name: str | None = None) -> str:
    """Create a fresh database on the server at admin_url; return a URL for it."""
    import psycopg

    name = name or f"imr_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


# --- osmem-server (Elasticsearch) -----------------------------------------------------------------


@pytest.fixture(scope="session")
def osmem_es_url():
    """URL of a running osmem-server (Elasticsearch/OpenSearch-compatible), for the whole session."""
    try:
        from osmem_server import OsmemServer

        server = OsmemServer.start(addr=f"127.0.0.1:{free_port()}", japanese=False, startup_timeout=30)
    except Exception as exc:  # ImportError, OsmemError, OSError
        unavailable(f"osmem-server could not start ({type(exc).__name__}: {exc}); pip install osmem-server")
    try:
        yield server.url
    finally:
        server.close()
