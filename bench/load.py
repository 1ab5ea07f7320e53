#!/usr/bin/env python3
"""Load on the production server: N concurrent clients for a bounded time, per-endpoint figures.

    .venv/bin/python bench/load.py                       # 50 clients, 60 s, demo corpus, 5 workers
    .venv/bin/python bench/load.py --clients 20 --seconds 20 --workers 3
    .venv/bin/python bench/load.py --url http://127.0.0.1:8000   # a server already running here

Without --url it builds the demo corpus in a throwaway state directory (`migrate`,
`setup_demo`: the 150 DWC letters and the seed letter when ../shared/data is there, else the
fixture letters), starts `scripts/serve.sh` (gunicorn, DEBUG off, embedded search) on a free
loopback port and stops it afterwards. Each client is a thread sending one request after the
other (closed loop; with `--think`, a mean of that many seconds between them, first requests
spread over one think time) over a new connection (gunicorn's sync
workers close every connection), choosing endpoints by weight: the search page and API, the
list page, letter pages, the determinations API and guideline section pages. Every answer that
is not a 200, and every connection error, is an error. Loopback only: another host is refused.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUERIES = [
    "MBB",
    "medial branch block",
    "lumbar MRI",
    "Norco",
    "TENS",
    "EMG/NCS",
    "physical therapy",
    "epidural steroid injection",
    "acupuncture",
    "shoulder MRI",
    "tramadol",
    "gabapentin",
]
FACETS = [("outcome", "Upheld"), ("outcome", "Overturned"), ("body_region", "lumbar spine")]


def quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


class Server:
    """The demo corpus behind scripts/serve.sh, in a throwaway directory."""

    def __init__(self, workers: int, text: bool):
        self.tmp = Path(tempfile.mkdtemp(prefix="imr-load-"))
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "SEARCH_", "ELASTICSEARCH_"))
        }
        self.env.update(
            IMR_VAR_DIR=str(self.tmp / "var"),
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
            DJANGO_SETTINGS_MODULE="imr_kb.settings",
            PORT=str(self.port),
            HOST="127.0.0.1",
            WEB_CONCURRENCY=str(workers),
            GUNICORN_ACCESS_LOG="/dev/null",
            IMR_PYTHON=sys.executable,
        )
        self.text = text
        self.proc = None

    def start(self) -> str:
        t0 = time.monotonic()
        for args in (["migrate", "--noinput"], ["setup_demo", "--no-admin", *(["--text"] if self.text else [])]):
            result = subprocess.run(
                [sys.executable, "manage.py", *args],
                cwd=REPO,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=1200,
            )
            if result.returncode != 0:
                raise SystemExit(
                    f"manage.py {' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
                )
        print(
            f"corpus: {[line for line in result.stdout.splitlines() if line.startswith('Determinations stored')][0]} "
            f"(set up in {time.monotonic() - t0:.0f} s)"
        )
        self.log = (self.tmp / "server.log").open("wb")
        self.proc = subprocess.Popen(
            ["bash", "scripts/serve.sh"],
            cwd=REPO,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"serve.sh exited:\n{(self.tmp / 'server.log').read_text()[-3000:]}")
            try:
                if get(url, "/healthz/")[0] == 200:
                    return url
            except OSError:
                time.sleep(0.3)
        raise SystemExit("the server did not answer /healthz/ in 120 s")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=60)
        shutil.rmtree(self.tmp, ignore_errors=True)


def get(base: str, path: str, timeout: float = 30) -> tuple[int, bytes]:
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept-Encoding": "identity"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def endpoints(base: str) -> list[tuple[str, int, callable]]:
    """(name, weight, () -> path): what a research session does, searches first."""
    status, body = get(base, "/api/determinations/?page_size=100")
    assert status == 200, f"/api/determinations/ answered {status}"
    first = json.loads(body)
    cases = [r["case_number"] for r in first["results"] if r["case_number"]]
    for page in range(2, first["num_pages"] + 1):
        cases += [
            r["case_number"]
            for r in json.loads(get(base, f"/api/determinations/?page_size=100&page={page}")[1])["results"]
            if r["case_number"]
        ]
    pages = first["num_pages"] * 2  # list page size 50 vs API page size 100
    status, body = get(base, "/api/guidelines/?page_size=100")
    docs = [d["slug"] for d in json.loads(body)["results"] if d["section_count"]]
    sections = []
    for slug in docs[:8]:
        sections += [(slug, s["anchor"]) for s in json.loads(get(base, f"/api/guidelines/{slug}/")[1])["sections"][:10]]
    if not cases:
        raise SystemExit("no letters with a case number in the corpus")

    def search_query():
        params = [("q", random.choice(QUERIES))]
        if random.random() < 0.3:
            params.append(random.choice(FACETS))
        return urllib.parse.urlencode(params)

    return [
        ("search page", 30, lambda: f"/search/?{search_query()}"),
        ("search API", 20, lambda: f"/api/search/?{search_query()}"),
        ("letter page", 20, lambda: f"/determinations/{random.choice(cases)}/"),
        ("list page", 10, lambda: f"/?page={random.randint(1, max(1, pages // 2))}"),
        (
            "determinations API",
            10,
            lambda: random.choice(
                [f"/api/determinations/{random.choice(cases)}/", "/api/determinations/?page_size=20"]
            ),
        ),
        (
            "guideline section",
            10,
            lambda: "/guidelines/{}/{}/".format(*random.choice(sections)) if sections else "/guidelines/",
        ),
    ]


def run_load(base: str, clients: int, seconds: float, think: float) -> dict:
    table = endpoints(base)
    names = [name for name, _, _ in table]
    weights = [weight for _, weight, _ in table]
    results: dict[str, list] = defaultdict(list)  # name -> [(ok, latency)]
    errors: dict[str, list] = defaultdict(list)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    start_gate = threading.Barrier(clients)

    def client(seed: int):
        rng = random.Random(seed)
        start_gate.wait()
        if think:  # users arrive spread over one think time, not all in the same millisecond
            time.sleep(rng.uniform(0, think))
        while time.monotonic() < deadline:
            index = rng.choices(range(len(table)), weights)[0]
            path = table[index][2]()
            t0 = time.perf_counter()
            try:
                status, _ = get(base, path)
                problem = None if status == 200 else f"{status} {path}"
            except OSError as exc:
                problem = f"{type(exc).__name__} {path}"
            latency = time.perf_counter() - t0
            with lock:
                results[names[index]].append((problem is None, latency))
                if problem:
                    errors[names[index]].append(problem)
            if think:
                time.sleep(rng.uniform(0.5, 1.5) * think)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 60)
    return {"names": names, "results": results, "errors": errors, "elapsed": time.monotonic() - t0}


def report(run: dict):
    header = f"{'endpoint':<20} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    print(header)
    print("-" * len(header))
    everything = []
    total_errors = 0
    for name in run["names"]:
        rows = run["results"].get(name, [])
        latencies = [lat * 1000 for _, lat in rows]
        everything += latencies
        errs = sum(1 for ok, _ in rows if not ok)
        total_errors += errs
        print(
            f"{name:<20} {len(rows):>8} {errs:>6} {len(rows) / run['elapsed']:>7.1f} {quantile(latencies, 0.5):>8.0f} "
            f"{quantile(latencies, 0.95):>8.0f} {quantile(latencies, 0.99):>8.0f}"
        )
    print("-" * len(header))
    print(
        f"{'all':<20} {len(everything):>8} {total_errors:>6} {len(everything) / run['elapsed']:>7.1f} "
        f"{quantile(everything, 0.5):>8.0f} {quantile(everything, 0.95):>8.0f} {quantile(everything, 0.99):>8.0f}"
    )
    if everything:
        print(f"mean {statistics.fmean(everything):.0f} ms over {run['elapsed']:.1f} s")
    for name, problems in run["errors"].items():
        print(f"errors on {name}: {problems[:5]}{' ...' if len(problems) > 5 else ''}")
    return total_errors


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Concurrent clients against the production server on loopback.")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers")
    parser.add_argument("--think", type=float, default=0.0, help="mean seconds a client waits between requests")
    parser.add_argument("--text", action="store_true", help="load the DWC letters from their text, not the PDFs")
    parser.add_argument("--url", help="a server already running on this machine (loopback only)")
    args = parser.parse_args(argv)

    server = None
    if args.url:
        host = urllib.parse.urlsplit(args.url).hostname or ""
        if host not in ("127.0.0.1", "localhost", "::1") and not host.startswith("127."):
            raise SystemExit(f"--url {args.url}: only a server on this machine's loopback may be loaded")
        base = args.url.rstrip("/")
    else:
        server = Server(args.workers, args.text)
        base = server.start()
    try:
        print(
            f"load: {args.clients} clients for {args.seconds:.0f} s against {base} "
            f"({'gunicorn ' + str(args.workers) + ' workers, ' if server else ''}{os.cpu_count()} cores, "
            f"think {args.think:g} s); load average before: {os.getloadavg()[0]:.2f}"
        )
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        run = run_load(base, args.clients, args.seconds, args.think)
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        errors = report(run)
        # The clients share the machine with the server: how much of it they took.
        client_cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
        print(f"client CPU: {client_cpu:.1f} s ({client_cpu / run['elapsed'] * 100:.0f}% of one core)")
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        if server:
            server.stop()
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
