"""Celery task applying the index queue to the configured backend (ids only in messages).

    apply_index_queue.delay({"determination": [12, 13], "section": [4]})

The work is search.indexing's; this module only sends it to a worker (or, with no broker
configured, runs it in-process: settings.CELERY_TASK_ALWAYS_EAGER).
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from search.backends import get_backend
from search.backends.base import SearchBackendError
from search.indexing import apply_pending, catch_up

log = logging.getLogger(__name__)


def dispatch(keys: dict[str, list[int]]) -> None:
    """Have committed queue rows applied: send the task (ids only) to a worker, or with no
    broker apply them now. A broker failure is logged; the rows stay pending for the next change
    or `search_index --catch-up`. Call it after the rows' transaction committed (the ingest
    pipeline at its checkpoints, others through search.sync.dispatch_after_commit)."""
    keys = {k: v for k, v in keys.items() if v}
    if not keys:
        return
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        # No broker, so no worker: apply once, now. Celery's eager retries would run back to back
        # inside the request that committed (up to max_retries engine timeouts); rows left pending
        # are applied by the next change for them or by `search_index --catch-up`.
        try:
            apply_pending(keys)
        except Exception as exc:  # noqa: BLE001 - the commit succeeded; the rows say what is left
            log.warning("search index not updated for %s (%s); rows stay in the index queue", keys, exc)
        return
    try:
        apply_index_queue.delay(keys)
    except Exception:  # broker down: --catch-up (or the next change) applies the rows later
        log.exception("could not send apply_index_queue for %s; rows stay in the index queue", keys)


@shared_task(
    name="search.tasks.apply_index_queue",
    autoretry_for=(SearchBackendError, OperationalError),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
)
def apply_index_queue(keys: dict[str, list[int]] | None = None) -> int:
    """With ids (after a commit): apply those rows. Without (the periodic sweep): catch the index
    up, rebuilding it first when it was lost (search.indexing.catch_up)."""
    if keys is None:
        done = catch_up(get_backend())
        return done.applied + sum(done.rebuilt.values())
    return apply_pending(keys)
