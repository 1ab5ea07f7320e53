"""Bulk ingest through Celery: an ingest job whose files go to the workers in chunks of
pipeline.jobs.CHUNK files per task (ids only in the messages), each chunk through the pipeline.

    from pipeline.tasks import enqueue_ingest
    job = enqueue_ingest(["/data/letters/"], requester="alice")
    pipeline.jobs.job_progress(job)          # {"state": "running", "done": 150, "new": 148, ...}

With CELERY_BROKER_URL unset, tasks run eagerly in-process (see settings), so the same call works
on a machine with no Redis.

Delivery: acks_late and reject_on_worker_lost, so a chunk whose worker was killed goes back to
the queue (after the broker's visibility timeout, settings.CELERY_VISIBILITY_TIMEOUT, when the
whole worker died); the pipeline skips what that worker had committed and each file is counted
once. A locked or briefly unreachable database is retried with backoff, never recorded as a
letter's failure.
"""

from __future__ import annotations

import getpass
import logging
from collections.abc import Iterable
from pathlib import Path

from celery import shared_task
from django.db import IntegrityError, OperationalError

from cases.models import IngestJob
from pipeline.jobs import CHUNK, create_job, finish_if_done, run_chunk_guarded
from pipeline.outcomes import Summary

log = logging.getLogger(__name__)


@shared_task(
    name="pipeline.tasks.ingest_chunk",
    bind=True,
    autoretry_for=(OperationalError, IntegrityError),
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=10,
    acks_late=True,
    reject_on_worker_lost=True,
)
def ingest_chunk(self, job_id: int, first: int, last: int) -> dict:
    """Ingest the pending files of one job at positions first..last-1. Returns the counts."""
    if (self.request.delivery_info or {}).get("redelivered"):
        log.warning("ingest job %s, files %s-%s: delivered again (its worker died?); resuming", job_id, first, last - 1)
    job = IngestJob.objects.get(pk=job_id)
    summary = Summary()
    for outcome in run_chunk_guarded(job, first, last):
        summary.add(outcome)
    return summary.counts


def enqueue_ingest(paths: Iterable[str | Path], force: bool = False, requested_by=None, requester: str = ""):
    """Create an ingest job for these files and folders and send it to the workers. Returns the
    job (pipeline.jobs.job_progress tells how it goes)."""
    job = create_job(
        paths,
        origin=IngestJob.Origin.CELERY,
        requested_by=requested_by,
        requester=requester or getpass.getuser(),
        force=force,
    )
    start_job(job)
    return job


def start_job(job: IngestJob) -> list:
    """Send the job to the Celery workers: one task per CHUNK files, ids only in the messages.
    Without a broker the tasks run here, one after the other. Returns the AsyncResults."""
    if not job.total:
        finish_if_done(job)
    return [ingest_chunk.delay(job.pk, first, first + CHUNK) for first in range(0, job.total, CHUNK)]
