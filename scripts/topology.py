#!/usr/bin/env python3
"""The docker-compose.yml topology without Docker, on free loopback ports, and a smoke test through it.

    .venv/bin/python scripts/topology.py            # start, run the smoke test, stop (exit 1 on a failure)
    .venv/bin/python scripts/topology.py --serve    # start and keep serving until Ctrl-C

It starts what the compose file starts, with the compose file's own environment and commands:
PostgreSQL (a throwaway cluster; Debian's server binaries), Redis, osmem-server standing in for
Elasticsearch, the one-shot `migrate`, a Celery worker, Celery beat and the web server
(scripts/serve.sh: gunicorn). Service host names become 127.0.0.1 and free ports; the
environment file is deploy/production.env.example with a fresh secret key, so the smoke test
talks to the server as the HTTPS reverse proxy would (Host and X-Forwarded-Proto headers).

The smoke test is the list SMOKE_STEPS, run in order, each printing one line; the upload step
sends two real letters of the shared data (a PDF and a text file) through POST /api/letters/
with a token, waits on GET /api/jobs/<id>/ while the Celery worker ingests them, finds them by
search and downloads them, byte for byte.
Needs: redis-server, PostgreSQL server binaries (/usr/lib/postgresql/*/bin), osmem-server, and
the shared letters (../shared/data or IMR_SHARED_DATA). Exit 2 when one of those is missing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import yaml  # noqa: E402  (after the path: the project's venv provides it)

from tests.support.services import PostgresServer, RedisServer, find_postgres_bindir, free_port  # noqa: E402

COMPOSE_FILE = REPO / "docker-compose.yml"
ENV_FILE = REPO / "deploy" / "production.env.example"
LETTERS = REPO / "tests" / "fixtures" / "letters"
SHARED_DATA = Path(os.environ.get("IMR_SHARED_DATA", REPO.parent / "shared" / "data"))
# Real letters uploaded through the API (none of them among LETTERS), and words of their
# requests the search finds them by: "Facet joint injections L4-5, L5-S1", "Viagra 50mg".
UPLOADS = [
    (SHARED_DATA / "dwc-imr" / "pdf" / "CM16-0219557.pdf", "facet injection"),
    (SHARED_DATA / "dwc-imr" / "txt" / "CM16-0221706.txt", "Viagra"),
]
# A letter of the fixtures and words of its request: found by search once ingested and indexed.
PROBE_CASE, PROBE_QUERY = "CM16-0247255", "lumbar MRI"
ADMIN_USER, ADMIN_PASSWORD = "topology-admin", secrets.token_urlsafe(16)
READY_TIMEOUT = 120.0
TASK_TIMEOUT = 180.0


class Missing(Exception):
    """A server binary or package the topology needs is not installed."""


class StepFailed(AssertionError):
    pass


def expect(condition, message: str):
    if not condition:
        raise StepFailed(message)


# --- the compose file, on loopback -------------------------------------------------------------


def _interpolate(value: str, env: dict) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?message} against env."""

    def sub(match):
        name, op, arg = match.group(1), match.group(2) or "", match.group(3) or ""
        current = env.get(name, "")
        if op == ":-" and not current:
            return arg
        if op == ":?" and not current:
            raise SystemExit(f"{COMPOSE_FILE.name}: {name}: {arg}")
        return current

    return re.sub(r"\$\{(\w+)(:[-?])?([^}]*)\}", sub, str(value))


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


@dataclass
class Topology:
    workdir: Path
    web_workers: int = 2
    compose: dict = field(default_factory=lambda: yaml.safe_load(COMPOSE_FILE.read_text()))
    processes: dict = field(default_factory=dict)
    servers: list = field(default_factory=list)
    env: dict = field(default_factory=dict)
    port: int = 0
    ingested: int = 0  # letters the ingest step stored
    token: str = ""  # the admin's API token (the api step makes it)

    # The compose services' addresses, moved to loopback ports.
    def environment(self, pg_port: int, redis_port: int, es_url: str) -> dict:
        dotenv = read_env_file(ENV_FILE)
        dotenv["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
        dotenv["POSTGRES_PASSWORD"] = secrets.token_urlsafe(12)
        es_netloc = urllib.parse.urlsplit(es_url).netloc
        moves = {
            "@postgres:5432/": f"@127.0.0.1:{pg_port}/",
            "//redis:6379/": f"//127.0.0.1:{redis_port}/",
            "//elasticsearch:9200": f"//{es_netloc}",
        }
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "DATABASE_"))}
        env.update(dotenv)
        for name, value in self.compose["services"]["web"]["environment"].items():
            value = _interpolate(value, dotenv)
            for old, new in moves.items():
                value = value.replace(old, new)
            env[name] = value
        self.port = free_port()
        env.update(
            IMR_VAR_DIR=str(self.workdir / "data"),
            HOST="127.0.0.1",
            PORT=str(self.port),
            WEB_CONCURRENCY=str(self.web_workers),
            GUNICORN_ACCESS_LOG=str(self.workdir / "access.log"),
            PYTHONUNBUFFERED="1",
            IMR_PYTHON=sys.executable,
            DJANGO_SETTINGS_MODULE="imr_kb.settings",
        )
        Path(env["IMR_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
        return env

    def command(self, service: str) -> list[str]:
        """The service's compose command, run with this interpreter and this state directory."""
        out = []
        for arg in self.compose["services"][service]["command"]:
            arg = _interpolate(arg, self.env).replace("/data/", self.env["IMR_VAR_DIR"] + "/")
            out.append(arg)
        if out[0] == "python":
            out[0] = sys.executable
        elif out[0] == "celery":
            out[:1] = [sys.executable, "-m", "celery"]
        return out

    # --- start and stop ----------------------------------------------------------------------

    def start(self):
        missing = [
            name
            for name, ok in (
                ("redis-server", shutil.which("redis-server")),
                ("PostgreSQL server (initdb, pg_ctl)", find_postgres_bindir()),
            )
            if not ok
        ]
        try:
            from osmem_server import OsmemServer
        except ImportError:
            missing.append("osmem-server (pip install osmem-server)")
        missing += [f"the shared letter {path}" for path, _ in UPLOADS if not path.is_file()]
        if missing:
            raise Missing(", ".join(missing))
        say("postgres", "initdb and start a throwaway cluster")
        pg = PostgresServer(find_postgres_bindir()).start()
        self.servers.append(pg)
        say("redis", "start")
        redis = RedisServer(shutil.which("redis-server"), self.workdir).start()
        self.servers.append(redis)
        say("elasticsearch", "osmem-server")
        es = OsmemServer.start(addr=f"127.0.0.1:{free_port()}", japanese=False, startup_timeout=60)
        self.servers.append(es)
        self.env = self.environment(pg.port, redis.port, es.url)
        self._create_database(pg.url)

        say("migrate", " ".join(self.command("migrate")[1:]))
        self.run(self.command("migrate"))
        # The first-deployment steps of README "Deploy".
        self.manage("load_guideline_catalog")
        self.manage("search_index", "--rebuild")
        self.run(
            [
                sys.executable,
                "manage.py",
                "createsuperuser",
                "--noinput",
                "--username",
                ADMIN_USER,
                "--email",
                "admin@example.org",
            ],
            DJANGO_SUPERUSER_PASSWORD=ADMIN_PASSWORD,
        )

        for service in ("worker", "beat", "web"):
            command = self.command(service)
            if service == "worker":
                command += ["-n", f"topology-{secrets.token_hex(3)}@%h"]
            say(service, " ".join(a for a in command if a != sys.executable))
            self.spawn(service, command)
        self.wait_for_log("worker", " ready.", "the Celery worker")
        self.wait_for_log("beat", "beat: Starting", "Celery beat")
        http = Http(self.port, self.env)
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            self.check_alive()
            try:
                if http.get("/healthz/").status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise StepFailed(
                    f"gunicorn did not answer /healthz/ in {READY_TIMEOUT:.0f} s:\n{self.log('web')[-3000:]}"
                )
            time.sleep(0.3)
        say("web", f"http://127.0.0.1:{self.port}/ (as https://{http.host}/ behind the proxy)")
        return http

    def _create_database(self, admin_url: str):
        import psycopg

        url = urllib.parse.urlsplit(self.env["DATABASE_URL"])
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE ROLE {url.username} LOGIN PASSWORD '{urllib.parse.unquote(url.password)}'")
            conn.execute(f"CREATE DATABASE {url.path.lstrip('/')} OWNER {url.username}")

    def run(self, command: list[str], **extra) -> str:
        result = subprocess.run(
            command,
            cwd=REPO,
            env={**self.env, **extra},
            capture_output=True,
            text=True,
            timeout=600,
            stdin=subprocess.DEVNULL,
        )
        if result.returncode != 0:
            raise StepFailed(
                f"{' '.join(command[1:])} exited {result.returncode}:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
            )
        return result.stdout

    def manage(self, *args: str) -> str:
        return self.run([sys.executable, "manage.py", *args])

    def spawn(self, name: str, command: list[str]):
        log = (self.workdir / f"{name}.log").open("wb")
        # Its own process group: stopping it stops gunicorn's or Celery's children too.
        proc = subprocess.Popen(
            command,
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.processes[name] = (proc, log)

    def log(self, name: str) -> str:
        return (self.workdir / f"{name}.log").read_text(errors="replace")

    def check_alive(self):
        for name, (proc, _) in self.processes.items():
            if proc.poll() is not None:
                raise StepFailed(f"{name} exited with {proc.returncode}:\n{self.log(name)[-3000:]}")

    def wait_for_log(self, name: str, text: str, what: str):
        deadline = time.monotonic() + READY_TIMEOUT
        while text not in self.log(name):
            self.check_alive()
            if time.monotonic() > deadline:
                raise StepFailed(f"{what} not ready in {READY_TIMEOUT:.0f} s:\n{self.log(name)[-3000:]}")
            time.sleep(0.3)

    def stop(self):
        for proc, log in reversed(list(self.processes.values())):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=10)
            log.close()
        self.processes.clear()
        for server in reversed(self.servers):
            (server.close if hasattr(server, "close") else server.stop)()
        self.servers.clear()


# --- HTTP as the reverse proxy sends it --------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def cookies(self) -> dict:
        found = {}
        for name, value in self.headers.get("_set_cookie", []):
            found[name] = value
        return found


class Http:
    """Requests to the loopback server with the Host and X-Forwarded-Proto a proxy would set."""

    def __init__(self, port: int, env: dict):
        self.port = port
        self.host = env["DJANGO_ALLOWED_HOSTS"].split(",")[0].strip()
        self.origin = f"https://{self.host}"

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None, https: bool = True
    ) -> Reply:
        sent = {"Host": self.host, **({"X-Forwarded-Proto": "https"} if https else {}), **(headers or {})}
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
            got = {k.lower(): v for k, v in response.getheaders()}
            got["_set_cookie"] = [
                tuple(v.split(";", 1)[0].split("=", 1)) for k, v in response.getheaders() if k.lower() == "set-cookie"
            ]
            return Reply(response.status, got, data)
        finally:
            conn.close()

    def get(self, path: str, **kwargs) -> Reply:
        return self.request("GET", path, **kwargs)

    def post_files(self, path: str, field: str, files: list[tuple[str, bytes]], headers: dict | None = None) -> Reply:
        """multipart/form-data, one part per file under the same field name (as curl -F does)."""
        boundary = f"----imr-topology-{secrets.token_hex(12)}"
        body = (
            b"".join(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
                f"Content-Type: application/octet-stream\r\n\r\n".encode()
                + data
                + b"\r\n"
                for name, data in files
            )
            + f"--{boundary}--\r\n".encode()
        )
        sent = {"Content-Type": f"multipart/form-data; boundary={boundary}", **(headers or {})}
        return self.request("POST", path, body=body, headers=sent)

    def post_form(self, path: str, fields: dict, cookies: dict, **kwargs) -> Reply:
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": self.origin,
            "Referer": self.origin + path,
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        }
        return self.request("POST", path, body=urllib.parse.urlencode(fields).encode(), headers=headers, **kwargs)


# --- the smoke test ----------------------------------------------------------------------------


def step_health(top: Topology, http: Http) -> str:
    reply = http.get("/healthz/", https=False)
    expect(reply.status == 200 and reply.json()["status"] == "ok", f"/healthz/: {reply.status} {reply.text[:200]}")
    # The container health check of docker-compose.yml, against this server.
    top.run([sys.executable, "scripts/healthcheck.py"])
    return "/healthz/ ok over plain HTTP; scripts/healthcheck.py exits 0"


def step_https(top: Topology, http: Http) -> str:
    plain = http.get("/", https=False)
    expect(
        plain.status == 301 and plain.headers.get("location") == f"https://{http.host}/",
        f"plain HTTP should redirect to HTTPS, got {plain.status} {plain.headers.get('location')}",
    )
    secure = http.get("/")
    expect(secure.status == 200, f"/ over HTTPS: {secure.status}")
    hsts = secure.headers.get("strict-transport-security", "")
    expect("max-age=31536000" in hsts, f"HSTS header: {hsts!r}")
    csp = secure.headers.get("content-security-policy", "")
    expect("default-src 'self'" in csp and "script-src 'self'" in csp, f"CSP header: {csp!r}")
    return f"http -> 301 https; HSTS {hsts!r}; CSP enforced"


def step_static(top: Topology, http: Http) -> str:
    reply = http.get("/static/css/site.css", headers={"Accept-Encoding": "gzip"})
    expect(
        reply.status == 200 and reply.headers.get("content-type", "").startswith("text/css"),
        f"site.css: {reply.status} {reply.headers.get('content-type')}",
    )
    expect(reply.headers.get("content-encoding") == "gzip", f"site.css not compressed: {reply.headers}")
    docs = http.get("/api/docs/")
    bundle = re.search(r'src="(/static/drf_spectacular_sidecar/[^"]+\.js)"', docs.text)
    expect(docs.status == 200 and bundle, f"/api/docs/ should load Swagger UI from /static/: {docs.text[:300]}")
    expect(http.get(bundle.group(1)).status == 200, f"{bundle.group(1)} not served")
    return f"WhiteNoise serves gzip CSS and the local Swagger UI ({reply.headers.get('cache-control')})"


def step_ingest(top: Topology, http: Http) -> str:
    letters = sorted(LETTERS.glob("*.txt"))
    # An ingest job whose chunks the worker runs; its files say how each went.
    out = top.run(
        [
            sys.executable,
            "-c",
            (
                "import django, json, time; django.setup()\n"
                "from pipeline.jobs import job_progress\n"
                "from pipeline.tasks import enqueue_ingest\n"
                f"job = enqueue_ingest({[str(p) for p in letters]!r}, requester='topology')\n"
                f"deadline = time.monotonic() + {TASK_TIMEOUT}\n"
                "while job_progress(job)['state'] != 'done' and time.monotonic() < deadline:\n"
                "    time.sleep(0.2)\n"
                "print(json.dumps(list(job.files.order_by('position').values_list('status', flat=True))))\n"
            ),
        ]
    )
    statuses = sorted(json.loads(out.strip().splitlines()[-1]))
    expect(statuses == ["new"] * len(letters), f"ingest job outcomes: {statuses}")
    top.ingested = len(letters)
    return f"{len(letters)} letters through the Celery worker (one ingest job): {', '.join(statuses)}"


def step_search(top: Topology, http: Http) -> str:
    expect(top.ingested, "nothing was ingested")
    query = urllib.parse.urlencode({"q": PROBE_QUERY})
    deadline = time.monotonic() + TASK_TIMEOUT
    while True:  # the worker applies the index queue after each commit
        reply = http.get(f"/api/search/?{query}")
        expect(reply.status == 200, f"/api/search/: {reply.status} {reply.text[:300]}")
        found = [r["case_number"] for r in reply.json()["results"]]
        if PROBE_CASE in found:
            break
        if time.monotonic() > deadline:
            raise StepFailed(f"{PROBE_CASE} not found by {PROBE_QUERY!r} after {TASK_TIMEOUT:.0f} s: {found}")
        time.sleep(0.5)
    page = http.get(f"/search/?{query}")
    expect(page.status == 200 and f"/determinations/{PROBE_CASE}/" in page.text, "search page lacks the letter")
    letter = http.get(f"/determinations/{PROBE_CASE}/")
    expect(letter.status == 200 and PROBE_CASE in letter.text, f"letter page: {letter.status}")
    check = top.manage("search_index", "--check")
    return f"{PROBE_QUERY!r} finds {PROBE_CASE} in /api/search/ and /search/; {check.strip().splitlines()[-1]}"


def step_api(top: Topology, http: Http) -> str:
    listing = http.get("/api/determinations/?page_size=2").json()
    expect(set(listing) == {"count", "page", "page_size", "num_pages", "next", "previous", "results"}, listing)
    expect(listing["count"] == top.ingested, f"count {listing['count']} != {top.ingested}")
    expect(http.get("/api/determinations/?year=0").status == 400, "year=0 should be a 400")
    anonymous = http.request("POST", "/api/determinations/", body=b"{}", headers={"Content-Type": "application/json"})
    expect(anonymous.status == 401, f"anonymous write: {anonymous.status}")
    key = top.token = top.manage("drf_create_token", ADMIN_USER).split()[2]
    authed = http.request(
        "POST",
        "/api/determinations/",
        body=b"{}",
        headers={"Content-Type": "application/json", "Authorization": f"Token {key}"},
    )
    expect(authed.status == 405, f"token write to a read-only endpoint: {authed.status}")
    return "one pagination shape; bad year 400; anonymous write 401; token authenticates (405 read-only)"


def _found_by_search(http: Http, case: str, query: str, deadline: float) -> None:
    while True:  # the worker applies the index queue after the job's commit
        reply = http.get(f"/api/search/?{urllib.parse.urlencode({'q': query, 'page_size': 100})}")
        expect(reply.status == 200, f"/api/search/: {reply.status} {reply.text[:300]}")
        if case in [r["case_number"] for r in reply.json()["results"]]:
            return
        if time.monotonic() > deadline:
            raise StepFailed(f"uploaded {case} not found by {query!r} after {TASK_TIMEOUT:.0f} s")
        time.sleep(0.3)


def step_upload(top: Topology, http: Http) -> str:
    expect(top.token, "no API token (the api step makes it)")
    sent = {path.name: path.read_bytes() for path, _ in UPLOADS}
    files = list(sent.items())
    anonymous = http.post_files("/api/letters/", "files", files)
    expect(anonymous.status == 401, f"anonymous upload: {anonymous.status} {anonymous.text[:200]}")
    auth = {"Authorization": f"Token {top.token}"}
    started = time.monotonic()
    reply = http.post_files("/api/letters/", "files", files, headers=auth)
    expect(reply.status == 202, f"upload: {reply.status} {reply.text[:500]}")
    job = reply.json()
    job_path = urllib.parse.urlsplit(job["url"]).path
    expect(
        reply.headers.get("location") == job["url"] and job["url"].startswith(f"https://{http.host}/"),
        f"job url {job['url']!r}, Location {reply.headers.get('location')!r}",
    )
    deadline = started + TASK_TIMEOUT
    polls = 0
    while job["state"] != "done":  # the Celery worker runs the job
        expect(time.monotonic() < deadline, f"job {job['id']} not done after {TASK_TIMEOUT:.0f} s: {job}")
        time.sleep(0.2)
        polled = http.get(job_path, headers=auth)
        expect(polled.status == 200, f"GET {job_path}: {polled.status} {polled.text[:300]}")
        job, polls = polled.json(), polls + 1
    job_seconds = time.monotonic() - started
    statuses = [(f["name"], f["status"], f["message"]) for f in job["files"]]
    expect([s for _, s, _ in statuses] == ["new", "new"], f"job {job['id']} files: {statuses}")
    expect(http.get(job_path).status == 401, "a job must not be readable anonymously")
    for (path, query), row in zip(UPLOADS, job["files"]):
        case = row["determination"]["case_number"]
        expect(case == path.stem, f"{path.name} stored as {case!r}")
        _found_by_search(http, case, query, deadline)
        detail = http.get(urllib.parse.urlsplit(row["determination"]["api_url"]).path).json()
        suffix = path.suffix.lstrip(".")
        link = detail[f"letter_{suffix}_url"]
        expect(link == f"https://{http.host}/determinations/{case}/letter.{suffix}", f"{case}: download link {link!r}")
        download = http.get(urllib.parse.urlsplit(link).path)
        expect(
            download.status == 200 and download.body == sent[path.name],
            f"{link}: {download.status}, {len(download.body)} bytes (sent {len(sent[path.name])})",
        )
        etag = download.headers.get("etag")
        expect(
            http.get(urllib.parse.urlsplit(link).path, headers={"If-None-Match": etag}).status == 304,
            f"{link}: no 304 for its ETag {etag}",
        )
    return (
        f"{', '.join(sent)} uploaded (anonymous 401, token 202); job {job['id']} done by the worker in "
        f"{job_seconds:.1f} s ({polls} polls); both found by search; downloads equal the files sent; ETag 304"
    )


def _login(http: Http, username: str, password: str) -> tuple[Reply, dict]:
    form = http.get("/admin/login/?next=/admin/")
    cookies = form.cookies()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    expect(token and "csrftoken" in cookies, "admin login form has no CSRF token")
    reply = http.post_form(
        "/admin/login/?next=/admin/",
        {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password, "next": "/admin/"},
        cookies,
    )
    return reply, {**cookies, **reply.cookies()}


def step_admin_login(top: Topology, http: Http) -> str:
    reply, cookies = _login(http, ADMIN_USER, ADMIN_PASSWORD)
    expect(
        reply.status == 302 and reply.headers.get("location") == "/admin/",
        f"admin login behind the proxy: {reply.status} {reply.text[:500]}",
    )
    expect("sessionid" in cookies, "no session cookie")
    admin = http.get("/admin/", headers={"Cookie": f"sessionid={cookies['sessionid']}"})
    expect(admin.status == 200 and "Site administration" in admin.text, f"/admin/: {admin.status}")
    return "CSRF origin check passes behind the HTTPS proxy; session opens /admin/"


def step_login_throttle(top: Topology, http: Http) -> str:
    limit = int(top.env.get("DJANGO_LOGIN_FAILURE_LIMIT", "5"))
    statuses = [_login(http, "intruder", f"guess-{n}")[0].status for n in range(limit + 1)]
    # The limit-th failure locks the username+address out: it and every later try get 429.
    expect(
        statuses[: limit - 1] == [200] * (limit - 1) and statuses[limit - 1 :] == [429, 429],
        f"the {limit}th failed login should lock out: {statuses}",
    )
    return f"failed logins answer {statuses}: locked out at the {limit}th"


SMOKE_STEPS = [
    ("health", step_health),
    ("https", step_https),
    ("static", step_static),
    ("ingest", step_ingest),
    ("search", step_search),
    ("api", step_api),
    ("upload", step_upload),
    ("admin-login", step_admin_login),
    ("login-throttle", step_login_throttle),
]


def say(name: str, message: str):
    print(f"   {name:<15} {message}", flush=True)


def smoke(top: Topology, http: Http) -> int:
    failures = 0
    for name, step in SMOKE_STEPS:
        started = time.monotonic()
        try:
            detail = step(top, http)
            top.check_alive()
        except Exception as exc:  # noqa: BLE001 - report the step and go on to the next
            failures += 1
            print(f"FAIL {name:<15} {type(exc).__name__}: {exc}", flush=True)
            continue
        print(f"ok   {name:<15} {detail} ({time.monotonic() - started:.1f} s)", flush=True)
    return failures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--serve", action="store_true", help="start the topology and keep it running until Ctrl-C")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs) afterwards")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="imr-topology-"))
    top = Topology(workdir, web_workers=args.workers)
    started = time.monotonic()
    print(f"==> topology in {workdir}", flush=True)
    try:
        http = top.start()
        print(f"==> started in {time.monotonic() - started:.1f} s", flush=True)
        if args.serve:
            print(
                f"==> serving http://127.0.0.1:{top.port}/ (send Host: {http.host} and X-Forwarded-Proto: https); Ctrl-C stops"
            )
            while True:
                top.check_alive()
                time.sleep(1)
        failures = smoke(top, http)
    except Missing as exc:
        print(f"topology: cannot start, missing {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    except StepFailed as exc:
        print(f"FAIL start           {exc}", flush=True)
        failures = 1
    finally:
        top.stop()
        if args.keep or os.environ.get("IMR_TOPOLOGY_KEEP"):
            print(f"==> logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    total = time.monotonic() - started
    if failures:
        print(f"==> smoke test FAILED: {failures} of {len(SMOKE_STEPS)} steps ({total:.1f} s)")
        return 1
    print(f"==> smoke test passed: {len(SMOKE_STEPS)} steps ({total:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
