"""Bulk ingest through Celery: one task per letter file, so a batch spreads over the workers and
one bad file never holds up the rest.

    from cases.tasks import enqueue_ingest
    enqueue_ingest(["/data/letters/CM16-0219557.pdf", ...])

With CELERY_BROKER_URL unset, tasks run eagerly in-process (see settings), so the same call works
on a machine with no Redis.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path

from celery import shared_task
from django.db import OperationalError


def _outcome_dict(outcome) -> dict:
    """The ingest Outcome as plain JSON-able data (the task result must serialize)."""
    if dataclasses.is_dataclass(outcome):
        data = dataclasses.asdict(outcome)
    elif hasattr(outcome, "_asdict"):
        data = outcome._asdict()
    else:
        data = {
            name: getattr(outcome, name, None) for name in ("status", "case_number", "message", "determination_id")
        }
    return {key: (value if isinstance(value, (str, int, float, bool, type(None), list, dict)) else str(value))
            for key, value in data.items()}


# A locked or briefly unreachable database is worth retrying with backoff; a bad letter is not
# (ingest_file stores it with its error and reports it in the outcome).
@shared_task(
    name="cases.tasks.ingest_file_task",
    autoretry_for=(OperationalError,),
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
)
def ingest_file_task(path: str, force: bool = False) -> dict:
    from cases.ingest import ingest_file  # imported here: the worker loads tasks before apps are used

    return _outcome_dict(ingest_file(Path(path), force=force))


def enqueue_ingest(paths: Iterable[str | Path], force: bool = False) -> list:
    """Send one ingest_file_task per letter file; folders are expanded like `manage.py ingest` does.
    Paths are made absolute: the worker may run in another directory. Returns the AsyncResults."""
    from cases.ingest import expand_paths

    files, problems = expand_paths(paths)
    if problems:  # a missing path: say so before sending anything rather than drop it silently
        raise FileNotFoundError("; ".join(problem.line() for problem in problems))
    return [ingest_file_task.delay(str(Path(p).resolve()), force=force) for p in files]
