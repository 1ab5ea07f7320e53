"""Celery with a real Redis broker and a real worker process.

The worker and the producer are separate processes sharing only the broker, a temp SQLite
database and a temp search index directory, as in a deployment.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.support import FIXTURE_LETTERS
from tests.support.processes import Worker, manage, project_env, run_python, wait_until

pytestmark = pytest.mark.services

TASK_TIMEOUT = 120


@pytest.fixture
def celery_env(redis_url, tmp_path):
    # Results in another Redis database than the broker's, so the test can wait on them.
    env = project_env(tmp_path, broker_url=redis_url, CELERY_RESULT_BACKEND=redis_url.rsplit("/", 1)[0] + "/1")
    manage(env, "migrate", "--noinput")
    return env, tmp_path / "imr_kb.sqlite3"


@pytest.fixture
def worker(celery_env, tmp_path):
    env, _ = celery_env
    w = Worker(env, tmp_path / "worker.log")
    try:
        w.wait_ready()
        yield w
    finally:
        w.stop()


def _case_numbers(db_path: Path) -> set[str]:
    with sqlite3.connect(db_path) as conn:
        return {
            row[0] for row in conn.execute("SELECT case_number FROM cases_determination WHERE case_number IS NOT NULL")
        }


def test_settings_are_not_eager_with_a_broker(celery_env):
    env, _ = celery_env
    out = run_python(
        env,
        "from django.conf import settings; from imr_kb.celery import app\n"
        "print(settings.CELERY_TASK_ALWAYS_EAGER, app.conf.task_always_eager, app.conf.broker_url)",
    )
    eager_setting, eager_app, broker = out.stdout.split()
    assert (eager_setting, eager_app) == ("False", "False")
    assert broker == env["CELERY_BROKER_URL"]


JOB_PROGRESS = (
    "import json, time\n"
    "from pipeline.jobs import job_progress\n"
    "from cases.models import IngestJob\n"
    "job = IngestJob.objects.get(pk={job_id})\n"
    "deadline = time.monotonic() + {timeout}\n"
    "while job_progress(job)['state'] != 'done' and time.monotonic() < deadline:\n"
    "    time.sleep(0.2)\n"
    "print(json.dumps(job_progress(job), default=str))\n"
)


def send_job(env, paths) -> int:
    out = run_python(
        env,
        (
            "from pipeline.tasks import enqueue_ingest\n"
            f"print(enqueue_ingest({[str(p) for p in paths]!r}, requester='test').pk)\n"
        ),
    )
    return int(out.stdout.strip().splitlines()[-1])


def wait_for_job(env, job_id: int, timeout: float = TASK_TIMEOUT) -> dict:
    import json

    out = run_python(env, JOB_PROGRESS.format(job_id=job_id, timeout=timeout), timeout=timeout + 60)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_bulk_ingest_job_runs_on_a_real_worker(celery_env, worker):
    env, db_path = celery_env
    letters = sorted(p for p in FIXTURE_LETTERS.glob("CM*.txt"))
    assert letters, f"no fixture letters in {FIXTURE_LETTERS}"
    # The producer creates the job and sends its chunks to Redis; the worker runs them.
    progress = wait_for_job(env, send_job(env, letters))
    assert progress["state"] == "done", progress
    assert (progress["total"], progress["new"], progress["failed"]) == (len(letters), len(letters), 0), progress
    assert _case_numbers(db_path) == {p.stem for p in letters}
    log = worker.output()
    assert "pipeline.tasks.ingest_chunk" in log and "succeeded" in log, log[-3000:]

    # Re-sending the same files through the worker is idempotent.
    again = wait_for_job(env, send_job(env, letters))
    assert (again["state"], again["unchanged"], again["new"]) == ("done", len(letters), 0), again


def test_bad_file_through_the_worker_is_a_clear_failed_outcome(celery_env, worker, tmp_path):
    env, db_path = celery_env
    bad = tmp_path / "not-a-letter.pdf"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    job_id = send_job(env, [bad])
    progress = wait_for_job(env, job_id)
    assert (progress["state"], progress["failed"]) == ("done", 1), progress
    with sqlite3.connect(db_path) as conn:
        (message,) = conn.execute("SELECT message FROM cases_ingestjobfile WHERE job_id = ?", (job_id,)).fetchone()
        # Nothing is lost: the bad file is stored with its error.
        status, source = conn.execute("SELECT parse_status, source_name FROM cases_determination").fetchone()
    assert message == "not a PDF (the file is a PNG image)"
    assert (status, source) == ("failed", "not-a-letter.pdf")


def _pending_index_rows(db_path: Path) -> int:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT count(*) FROM search_indexqueue").fetchone()[0]


def test_index_queue_is_applied_by_a_real_worker(celery_env, tmp_path):
    """Ingest queues the letters for indexing and sends search.tasks.apply_index_queue to Redis
    after commit; with no worker running the rows wait; a worker started later applies them."""
    env, db_path = celery_env
    letters = sorted(FIXTURE_LETTERS.glob("*.txt"))

    manage(env, "ingest", *map(str, letters))
    assert _pending_index_rows(db_path) == len(letters), "ingest should queue every letter for indexing"

    worker = Worker(env, tmp_path / "index-worker.log")
    try:
        worker.wait_ready()
        wait_until(lambda: _pending_index_rows(db_path) == 0, TASK_TIMEOUT, what="the worker to apply the index queue")
        # The rows go inside the task; its "succeeded" line is logged a moment after (a busy
        # machine showed the gap).
        wait_until(lambda: "succeeded" in worker.output(), TASK_TIMEOUT, what="the task's succeeded line")
        log = worker.output()
    finally:
        worker.stop()
    assert "search.tasks.apply_index_queue" in log and "succeeded" in log, log[-3000:]

    # The index now matches the database, and the seed letter's lumbar medial branch blocks are found.
    manage(env, "search_index", "--check")
    with sqlite3.connect(db_path) as conn:
        seed_id = conn.execute(
            "SELECT id FROM cases_determination WHERE source_name = ?", ("000_c1dd6188e3508088.txt",)
        ).fetchone()[0]
    import json

    found = json.loads(manage(env, "search", "MBB", "--json").stdout)
    assert f'"id": {seed_id}' in json.dumps(found), found


def test_tasks_run_eagerly_without_a_broker(tmp_path):
    """No CELERY_BROKER_URL: the job's chunks run in-process, with no broker and no warning."""
    env = project_env(tmp_path, broker_url="")
    manage(env, "migrate", "--noinput")
    letter = sorted(FIXTURE_LETTERS.glob("CM*.txt"))[0]
    out = run_python(
        env,
        (
            "from pipeline.jobs import job_progress\n"
            "from pipeline.tasks import enqueue_ingest\n"
            f"p = job_progress(enqueue_ingest([{str(letter)!r}]))\n"
            "print(p['state'], p['new'])\n"
        ),
    )
    assert out.stdout.strip().splitlines()[-1] == "done 1"
    assert "No hostname was supplied" not in out.stderr
    assert _case_numbers(tmp_path / "imr_kb.sqlite3") == {letter.stem}
