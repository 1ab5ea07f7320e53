"""Ingest jobs: what was asked (files on the server or uploads), by whom and from where, and how
each file went. The `ingest` command, the Celery bulk ingest and the upload API create them.

    job = create_job(["/data/letters/"], origin=IngestJob.Origin.COMMAND, requester="alice@host")
    job = create_upload_job(request.FILES.getlist("files"), requested_by=request.user,
                            remote_addr=request.META.get("REMOTE_ADDR"))
    run_job(job, workers=2, progress=...)     # in this process
    pipeline.tasks.start_job(job)             # Celery: one task per CHUNK files (eager without a broker)
    job_progress(job)                         # {"state", "total", "done", "new", ..., "failed"}
    with_counts(IngestJob.objects.all())      # n_done, n_new, ..., n_failed per job, in the same query
    job_state(job)                            # queued | running | stalled | done
    job.files.filter(status="failed")         # per-file outcomes: name, message, determination

Every file is an IngestJobFile written when the job is created; the pipeline sets its outcome in
the transaction that stores the letter, so counts derive from the files and a chunk delivered
twice (a worker killed before it acknowledged) counts each file once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from cases.models import IngestJob, IngestJobFile, original_name
from cases.parser.pdf import MAX_BYTES, is_pdf
from pipeline.files import expand_paths
from pipeline.ingest import Letter, Outcome, run
from pipeline.outcomes import FAILED, STATUSES

PENDING = IngestJobFile.Status.PENDING
QUEUED, RUNNING, STALLED, DONE = "queued", "running", "stalled", "done"
CHUNK = 50  # files per Celery task
# Deliveries of a chunk after which a file that keeps killing its worker is recorded as failed.
MAX_ATTEMPTS = 3


def create_job(
    paths: Iterable[str | Path],
    origin: str,
    requested_by=None,
    requester: str = "",
    remote_addr: str | None = None,
    force: bool = False,
) -> IngestJob:
    """A job over files and folders on this machine (folders expanded now, paths made absolute:
    a worker may run elsewhere in the file system). Paths that cannot be listed are failed files
    of the job; broken or looping symlinks named like letters wait to become failed letters."""
    paths = [str(p) for p in paths]
    found = expand_paths(paths)
    rows = []
    for problem in found.problems:
        rows.append(
            IngestJobFile(
                name=problem.path.name,
                path=str(problem.path.absolute()),
                message=problem.message,
                status=PENDING if problem.is_letter else FAILED,
            )
        )
    rows += [IngestJobFile(name=p.name, path=str(p.absolute())) for p in found.files]
    return _create(rows, origin, requested_by, requester, remote_addr, force, {"paths": paths, "force": force})


def create_upload_job(
    files, requested_by=None, remote_addr: str | None = None, requester: str = "", origin: str = IngestJob.Origin.UPLOAD
) -> IngestJob:
    """A job over uploaded files (Django UploadedFile or any object with .name and .read()). Each
    is saved first in file storage under its SHA-256 (the letter's original), so nothing sent is
    lost even before the job runs."""
    rows = []
    for upload in files:
        name = Path(getattr(upload, "name", "") or "upload").name
        data = upload.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            rows.append(
                IngestJobFile(
                    name=name, status=FAILED, message=f"file too large (the limit is {MAX_BYTES // 1048576} MB)"
                )
            )
            continue
        stored = original_name(hashlib.sha256(data).hexdigest(), is_pdf(data))
        if not default_storage.exists(stored):
            saved = default_storage.save(stored, ContentFile(data))
            if saved != stored:
                default_storage.delete(saved)
        rows.append(IngestJobFile(name=name, upload=stored))
    if requested_by is not None and not requester:
        requester = requested_by.get_username()
    return _create(rows, origin, requested_by, requester, remote_addr, False, {"uploads": [r.name for r in rows]})


def _create(rows, origin, requested_by, requester, remote_addr, force, request) -> IngestJob:
    with transaction.atomic():
        job = IngestJob.objects.create(
            origin=origin,
            requested_by=requested_by,
            requester=requester[:150],
            remote_addr=remote_addr,
            request=request,
            force=force,
            total=len(rows),
        )
        now = timezone.now()
        for n, row in enumerate(rows):
            row.job, row.position = job, n
            if row.status != PENDING:
                row.finished_at = now
        IngestJobFile.objects.bulk_create(rows, batch_size=1000)
    return job


def _letters(rows: Iterable[IngestJobFile]) -> list[Letter]:
    return [
        Letter(
            row.position,
            row.name,
            path=Path(row.path) if row.path else None,
            upload=row.upload,
            job_file_id=row.pk,
            problem=row.message,
            keep_failure=bool(row.message),
        )
        for row in rows
    ]


def run_job(
    job: IngestJob,
    workers: int = 1,
    progress: Callable[[int, int, Outcome], None] | None = None,
    first: int = 0,
    last: int | None = None,
    timings=None,
    refresh_sections: bool = False,
) -> list[Outcome]:
    """Run the job's pending files (those at positions first..last-1) through the pipeline here.
    Files already done (by an earlier delivery of the same chunk) are left as they are.
    refresh_sections: a bulk run in one process (the command) applies the quoted sections too."""
    IngestJob.objects.filter(pk=job.pk, started_at__isnull=True).update(started_at=timezone.now())
    rows = job.files.filter(status=PENDING, position__gte=first).order_by("position")
    if last is not None:
        rows = rows.filter(position__lt=last)
    outcomes = run(
        _letters(rows),
        force=job.force,
        workers=workers,
        progress=progress,
        job=job,
        timings=timings,
        refresh_sections=refresh_sections,
    )
    finish_if_done(job)
    return outcomes


def run_chunk_guarded(job: IngestJob, first: int, last: int) -> list[Outcome]:
    """A chunk as a Celery task runs it: each delivery counts an attempt on the chunk's pending
    files. After a delivery that died (attempts > 1), files go one at a time, each attempt
    counted before it starts, so a file that kills its worker every time is found and recorded
    as failed instead of bringing the chunk back for ever."""
    rows = job.files.filter(status=PENDING, position__gte=first, position__lt=last)
    rows.update(attempts=F("attempts") + 1)
    pending = list(rows.order_by("position"))
    if not any(row.attempts > 1 for row in pending):
        return run_job(job, first=first, last=last)
    outcomes = []
    for row in pending:
        if row.attempts > 1:
            IngestJobFile.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
            row.attempts += 1
        if row.attempts > MAX_ATTEMPTS:
            row.message = f"its worker died {row.attempts - 1} times while ingesting it (file left out)"
            IngestJobFile.objects.filter(pk=row.pk, status=PENDING).update(message=row.message)
        outcomes += run_job(job, first=row.position, last=row.position + 1)
    return outcomes


def finish_if_done(job: IngestJob) -> bool:
    if job.files.filter(status=PENDING).exists():
        return False
    IngestJob.objects.filter(pk=job.pk, finished_at__isnull=True).update(finished_at=timezone.now())
    return True


def job_progress(job: IngestJob) -> dict:
    """The job's state and counts (from its files, one query)."""
    job.refresh_from_db(fields=["started_at", "finished_at", "progressed_at"])
    counts = dict(job.files.values("status").annotate(n=Count("id")).values_list("status", "n"))
    done = sum(counts.get(s, 0) for s in STATUSES)
    state = "done" if job.finished_at else ("running" if job.started_at else "queued")
    return {
        "id": job.pk,
        "state": state,
        "total": job.total,
        "done": done,
        "pending": counts.get(PENDING, 0),
        **{s: counts.get(s, 0) for s in STATUSES},
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "progressed_at": job.progressed_at,
    }


def with_counts(jobs):
    """The jobs with their files counted by outcome (n_done, n_pending, n_new, n_updated,
    n_unchanged, n_failed), annotated in the query that reads them."""
    return jobs.annotate(
        n_done=Count("files", filter=~Q(files__status=PENDING)),
        n_pending=Count("files", filter=Q(files__status=PENDING)),
        **{f"n_{s}": Count("files", filter=Q(files__status=s)) for s in STATUSES},
    )


def job_state(job: IngestJob, now=None) -> str:
    """queued (no worker took it yet), running, stalled (running, but no chunk committed for
    longer than the broker's visibility timeout: no worker holds its chunks) or done."""
    if job.finished_at:
        return DONE
    if not job.started_at:
        return QUEUED
    last = job.progressed_at or job.started_at
    if ((now or timezone.now()) - last).total_seconds() > settings.CELERY_VISIBILITY_TIMEOUT:
        return STALLED
    return RUNNING
