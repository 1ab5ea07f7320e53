"""Celery task applying the index queue to the configured backend (ids only in messages).

    apply_index_queue.delay({"determination": [12, 13], "section": [4]})

Rows are deleted only after the backend accepted them, and only if not re-enqueued meanwhile
(created_at unchanged), so a failure leaves them for the retry or `search_index --catch-up`.
With no broker configured the task runs eagerly in-process (settings: CELERY_TASK_ALWAYS_EAGER).
"""
from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from .backends.base import SearchBackendError

log = logging.getLogger(__name__)


def dispatch(keys: dict[str, list[int]]) -> None:
    """Have committed queue rows applied: send the task (ids only) to a worker, or with no
    broker apply them now. A broker failure is logged; the rows stay pending for the next change
    or `search_index --catch-up`. Call it after the rows' transaction committed (the ingest
    pipeline at its checkpoints, others through search.sync.dispatch_after_commit)."""
    keys = {k: v for k, v in keys.items() if v}
    if not keys:
        return
    from django.conf import settings

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


def apply_pending(keys: dict[str, list[int]] | None = None, backend=None, batch_size: int = 500) -> int:
    """Apply queue rows (those for keys, or all) to the backend; return how many were applied.

    Raises SearchBackendError when the engine fails; applied batches are already removed.
    """
    from .backends import get_backend
    from .documents import determination_documents, indexable_determinations
    from guidelines.models import GuidelineSection

    from .section_documents import section_documents
    from .models import IndexQueue

    from .health import record, writable

    backend = backend or get_backend()
    applied = 0
    for kind in (IndexQueue.Kind.DETERMINATION, IndexQueue.Kind.SECTION):
        rows = IndexQueue.objects.filter(kind=kind).order_by("id")
        if keys is not None:
            ids = keys.get(kind) or []
            if not ids:
                continue
            rows = rows.filter(object_id__in=ids)
        if not rows.exists():
            continue
        try:
            writable(backend, kind)  # creates the index on first use; refuses a lost one
        except SearchBackendError as exc:
            _record_failure(list(rows[:batch_size]), exc)
            raise
        last = 0
        while True:
            batch = list(rows.filter(id__gt=last)[:batch_size])
            if not batch:
                break
            last = batch[-1].id
            wanted = [r.object_id for r in batch if r.action == IndexQueue.Action.INDEX]
            try:
                if kind == IndexQueue.Kind.DETERMINATION:
                    present = set(indexable_determinations().filter(pk__in=wanted).values_list("pk", flat=True))
                    docs = list(determination_documents(present)) if present else []
                    gone = [r.object_id for r in batch if r.object_id not in present]
                    if docs:
                        backend.index_determinations(docs)
                    if gone:
                        backend.delete_determinations(gone)
                else:
                    present = set(GuidelineSection.objects.filter(pk__in=wanted).values_list("pk", flat=True))
                    docs = list(section_documents(present)) if present else []
                    gone = [r.object_id for r in batch if r.object_id not in present]
                    if docs:
                        backend.index_sections(docs)
                    if gone:
                        backend.delete_sections(gone)
                backend.refresh()
                record(backend, kind)
            except SearchBackendError as exc:
                _record_failure(batch, exc)
                raise
            for r in batch:
                # Only the version we applied: a row re-enqueued meanwhile has a newer created_at.
                IndexQueue.objects.filter(id=r.id, created_at=r.created_at).delete()
            applied += len(batch)
    return applied


def _record_failure(batch, exc) -> None:
    from django.db.models import F

    from .models import IndexQueue

    IndexQueue.objects.filter(id__in=[r.id for r in batch]).update(attempts=F("attempts") + 1, last_error=str(exc)[:2000])


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
    up, rebuilding it first when it was lost (search.maintenance.catch_up)."""
    if keys is None:
        from .backends import get_backend
        from .maintenance import catch_up

        done = catch_up(get_backend())
        return done.applied + sum(done.rebuilt.values())
    return apply_pending(keys)
