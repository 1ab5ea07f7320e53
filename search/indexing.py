"""Writing the search index from the database: applying the index queue, rebuilding, catching
up. What the Celery task (search.tasks), `manage.py search_index` and the periodic sweep run.

    apply_pending(keys)     apply queued rows (those of these ids, or all) to the backend
    rebuild(backend)        every kind from the database into new indexes, swapped in
    catch_up(backend)       rebuild what search.health finds lost, replaced or behind, then
                            apply every pending index-queue row

Rows are deleted only after the backend accepted them, and only if not re-enqueued meanwhile
(created_at unchanged), so a failure leaves them for the retry or `search_index --catch-up`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import F
from django.utils import timezone

from guidelines.models import GuidelineSection
from search.backends import get_backend
from search.backends.base import SearchBackendError
from search.documents import determination_documents, indexable_determinations
from search.health import KINDS, check, record, writable
from search.models import IndexQueue
from search.section_documents import section_documents


def apply_pending(keys: dict[str, list[int]] | None = None, backend=None, batch_size: int = 500) -> int:
    """Apply queue rows (those for keys, or all) to the backend; return how many were applied.

    Raises SearchBackendError when the engine fails; applied batches are already removed.
    """
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
    IndexQueue.objects.filter(id__in=[r.id for r in batch]).update(
        attempts=F("attempts") + 1, last_error=str(exc)[:2000]
    )


BROKEN = ("never built", "missing", "replaced", "behind")


def documents(kind: str):
    """(documents to index, how many) for one kind, from the database."""
    if kind == "determination":
        return determination_documents(), indexable_determinations().count()
    return section_documents(), GuidelineSection.objects.count()


def rebuild(backend, kinds=KINDS, progress=None) -> dict[str, int]:
    """Rebuild these kinds; progress(kind, total) returns a callback(n) (or None)."""
    counts = {}
    for kind in kinds:
        started = timezone.now()
        docs, total = documents(kind)
        counts[kind] = backend.rebuild(kind, docs, progress(kind, total) if progress else None)
        record(backend, kind)
        # Changes committed before this rebuild started are in the new index.
        IndexQueue.objects.filter(kind=kind, created_at__lt=started).delete()
    return counts


@dataclass
class CatchUp:
    rebuilt: dict[str, int] = field(default_factory=dict)
    why: list[str] = field(default_factory=list)
    pending: int = 0
    applied: int = 0


def catch_up(backend, progress=None) -> CatchUp:
    out = CatchUp()
    broken = [h for h in check(backend) if h.state in BROKEN]
    if broken:
        out.why = [h.line() for h in broken]
        out.rebuilt = rebuild(backend, [h.kind for h in broken], progress)
    out.pending = IndexQueue.objects.count()
    out.applied = apply_pending(None, backend=backend)
    return out
