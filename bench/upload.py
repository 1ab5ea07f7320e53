"""Uploading letters end to end through the production topology (scripts/topology.py: gunicorn,
a Celery worker with --concurrency 2, PostgreSQL, Redis, osmem-server as Elasticsearch): the
real PDFs (or texts) of the shared data POSTed to /api/letters/ with a token, --per-request files
per request, each job polled on GET /api/jobs/<id>/ until done, then every letter downloaded
and compared with the bytes sent. Prints seconds and letters/s for each phase.

    .venv/bin/python bench/upload.py [--letters 150] [--per-request 25] [--kind pdf|txt]

Phases: upload (all requests answered 202), done (every job done, counted from the first POST),
the same files again (every file `unchanged`), download (letter.pdf / letter.txt, bytes equal).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scripts.topology import ADMIN_USER, SHARED_DATA, TASK_TIMEOUT, Topology  # noqa: E402


def send(http, token: str, files: list[Path], per_request: int) -> tuple[list[dict], list[float]]:
    jobs, latencies = [], []
    auth = {"Authorization": f"Token {token}"}
    for first in range(0, len(files), per_request):
        chunk = [(p.name, p.read_bytes()) for p in files[first : first + per_request]]
        started = time.perf_counter()
        reply = http.post_files("/api/letters/", "files", chunk, headers=auth)
        latencies.append(time.perf_counter() - started)
        if reply.status != 202:
            raise SystemExit(f"upload: {reply.status} {reply.text[:500]}")
        jobs.append(reply.json())
    return jobs, latencies


def wait(http, token: str, jobs: list[dict]) -> list[dict]:
    auth = {"Authorization": f"Token {token}"}
    deadline = time.monotonic() + 10 * TASK_TIMEOUT
    done = []
    for job in jobs:
        path = urllib.parse.urlsplit(job["url"]).path
        while job["state"] != "done":
            if time.monotonic() > deadline:
                raise SystemExit(f"job {job['id']} not done: {job['progress']}")
            time.sleep(0.2)
            job = http.get(path, headers=auth).json()
        done.append(job)
    return done


def counts(jobs: list[dict]) -> dict:
    total: dict = {}
    for job in jobs:
        for key, value in job["progress"].items():
            total[key] = total.get(key, 0) + value
    return total


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--letters", type=int, default=150)
    parser.add_argument("--per-request", type=int, default=25)
    parser.add_argument("--kind", choices=["pdf", "txt"], default="pdf")
    args = parser.parse_args(argv)
    files = sorted((SHARED_DATA / "dwc-imr" / args.kind).glob(f"CM*.{args.kind}"))[: args.letters]
    if not files:
        raise SystemExit(f"no letters in {SHARED_DATA / 'dwc-imr' / args.kind}")

    workdir = Path(tempfile.mkdtemp(prefix="imr-bench-upload-"))
    top = Topology(workdir)
    try:
        http = top.start()
        token = top.manage("drf_create_token", ADMIN_USER).split()[2]
        size = sum(p.stat().st_size for p in files) / 1048576
        concurrency = next((a.split("=", 1)[1] for a in top.command("worker") if a.startswith("--concurrency=")), "?")
        print(
            f"{len(files)} {args.kind} letters ({size:.1f} MB), {args.per_request} per request; "
            f"gunicorn {top.web_workers} workers, Celery worker concurrency {concurrency}"
        )
        rows = []
        for phase, expected in (("first upload", "new"), ("same files again", "unchanged")):
            started = time.perf_counter()
            jobs, latencies = send(http, token, files, args.per_request)
            answered = time.perf_counter() - started
            done = wait(http, token, jobs)
            total = time.perf_counter() - started
            got = counts(done)
            if got[expected] != len(files):
                raise SystemExit(f"{phase}: expected {len(files)} {expected}, got {got}")
            rows.append((phase, answered, statistics.median(latencies), total, len(files) / total, got))

        started = time.perf_counter()
        for path in files:
            reply = http.get(f"/determinations/{path.stem}/letter.{args.kind}")
            if reply.status != 200 or reply.body != path.read_bytes():
                raise SystemExit(f"download {path.stem}: {reply.status}, {len(reply.body)} bytes")
        download = time.perf_counter() - started

        print(f"{'phase':<18} {'202s (s)':>9} {'p50 POST (s)':>13} {'all done (s)':>13} {'letters/s':>10}  outcomes")
        for phase, answered, p50, total, rate, got in rows:
            outcome = ", ".join(f"{k} {v}" for k, v in got.items() if v and k not in ("total", "done", "pending"))
            print(f"{phase:<18} {answered:>9.1f} {p50:>13.2f} {total:>13.1f} {rate:>10.1f}  {outcome}")
        print(
            f"{'download':<18} {'':>9} {'':>13} {download:>13.1f} {len(files) / download:>10.1f}  "
            f"{len(files)} letters, bytes equal to the files sent"
        )
    finally:
        top.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
