"""Concurrency with real processes: two `manage.py ingest` runs and a Celery worker of two
processes over the same 300 letters at the same time, and a worker killed in the middle of a
job, on SQLite (WAL, IMMEDIATE transactions) and on PostgreSQL, with a real Redis broker.

The oracle is the folder itself: 300 files named by their case numbers (the 150 real letters and
a copy of each under a new case number); the database is read with plain SQL. Each letter must
be stored exactly once and none failed.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.support import REPO_DIR
from tests.support.corpus import grow_text_corpus
from tests.support.processes import Worker, manage, project_env, run_python, wait_until
from tests.support.services import create_postgres_database

pytestmark = pytest.mark.services

TIMEOUT = 240
SUMMARY = re.compile(r"new: (\d+), updated: (\d+), unchanged: (\d+), failed: (\d+)")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, dwc_txt_dir):
    folder = tmp_path_factory.mktemp("corpus300")
    cases = grow_text_corpus(dwc_txt_dir, folder, copies=1)
    assert len(cases) == 300
    return folder, cases


@pytest.fixture(params=["sqlite", "postgres"])
def database(request, tmp_path):
    """(DATABASE_URL, sql(query) -> rows) for a fresh, migrated database."""
    if request.param == "sqlite":
        path = tmp_path / "imr_kb.sqlite3"

        def sql(query):
            with sqlite3.connect(path, timeout=30) as conn:
                return conn.execute(query).fetchall()

        return f"sqlite:///{path}", sql
    import psycopg

    url = create_postgres_database(request.getfixturevalue("postgres_url"))

    def sql(query):
        with psycopg.connect(url) as conn:
            return conn.execute(query).fetchall()

    return url, sql


def stored_exactly_once(sql, cases: set[str]) -> None:
    rows = sql("SELECT case_number, parse_status FROM cases_determination")
    numbers = [r[0] for r in rows]
    assert len(rows) == len(cases), f"{len(rows)} records for {len(cases)} letters"
    assert set(numbers) == cases and len(set(numbers)) == len(numbers)
    assert not [r for r in rows if r[1] == "failed"]
    assert (
        sql("SELECT COUNT(*) FROM (SELECT sha256 FROM cases_determination GROUP BY sha256 HAVING COUNT(*) > 1) d")[0][0]
        == 0
    )


def job_counts(sql, job_id: int) -> dict:
    return dict(sql(f"SELECT status, COUNT(*) FROM cases_ingestjobfile WHERE job_id = {job_id} GROUP BY status"))


def send_job(env, folder) -> int:
    out = run_python(
        env,
        f"from pipeline.tasks import enqueue_ingest\nprint(enqueue_ingest([{str(folder)!r}], requester='test').pk)\n",
    )
    return int(out.stdout.strip().splitlines()[-1])


def test_two_ingest_runs_and_a_celery_worker_at_once(corpus, database, redis_url, tmp_path):
    folder, cases = corpus
    url, sql = database
    env = project_env(tmp_path, database_url=url, broker_url=redis_url)
    manage(env, "migrate", "--noinput")
    worker = Worker(env, tmp_path / "worker.log", concurrency=2)
    try:
        worker.wait_ready()
        job_id = send_job(env, folder)
        runs = [
            subprocess.Popen(
                [sys.executable, "manage.py", "ingest", str(folder), "--quiet", "--workers", "1"],
                cwd=REPO_DIR,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [run.communicate(timeout=TIMEOUT) for run in runs]
        for run, (out, err) in zip(runs, outputs):
            assert run.returncode == 0, f"ingest exited {run.returncode}\n{out[-2000:]}\n{err[-3000:]}"
        wait_until(
            lambda: job_counts(sql, job_id).get("pending", 0) == 0 and job_counts(sql, job_id),
            TIMEOUT,
            what="the Celery job to finish",
        )
        log = worker.output()
    finally:
        worker.stop()
    stored_exactly_once(sql, cases)
    new_total = 0
    for out, _ in outputs:
        new, updated, unchanged, failed = map(int, SUMMARY.search(out).groups())
        assert (updated, failed, new + unchanged) == (0, 0, 300), out[-500:]
        new_total += new
    counts = job_counts(sql, job_id)
    assert counts.get("failed", 0) == 0 and counts.get("new", 0) + counts.get("unchanged", 0) == 300, counts
    # Between the three, each letter was new exactly once.
    assert new_total + counts.get("new", 0) == 300
    assert "pipeline.tasks.ingest_chunk" in log and "succeeded" in log and "Traceback" not in log, log[-3000:]


def test_a_killed_worker_does_not_lose_its_job(corpus, database, redis_url, tmp_path):
    """SIGKILL a worker (and its pool) while it ingests a job: after the broker's visibility
    timeout, another worker gets the chunks back and the job completes, each letter once."""
    folder, cases = corpus
    url, sql = database
    visibility = 6
    env = project_env(tmp_path, database_url=url, broker_url=redis_url, CELERY_VISIBILITY_TIMEOUT=str(visibility))
    manage(env, "migrate", "--noinput")
    first = Worker(env, tmp_path / "first.log", concurrency=2)
    try:
        first.wait_ready()
        job_id = send_job(env, folder)
        wait_until(
            lambda: sum(v for k, v in job_counts(sql, job_id).items() if k != "pending") >= 1,
            TIMEOUT,
            interval=0.02,
            what="the first committed file",
        )
        first.kill()
    finally:
        first.stop()
    done_at_kill = sum(v for k, v in job_counts(sql, job_id).items() if k != "pending")
    assert 0 < done_at_kill < 300, f"{done_at_kill} files done when the worker was killed"
    time.sleep(visibility + 1)  # the chunks the dead worker held are visible again after this
    second = Worker(env, tmp_path / "second.log", concurrency=2)
    try:
        second.wait_ready()
        wait_until(lambda: job_counts(sql, job_id).get("pending", 0) == 0, TIMEOUT, what="the job to finish")
        finished = wait_until(
            lambda: sql(f"SELECT finished_at FROM cases_ingestjob WHERE id = {job_id}")[0][0],
            30,
            what="the job to be marked finished",
        )
        log = second.output()
    finally:
        second.stop()
    assert finished
    stored_exactly_once(sql, cases)
    assert job_counts(sql, job_id) == {"new": 300}, job_counts(sql, job_id)
    assert "delivered again" in log, log[-3000:]
