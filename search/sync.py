"""The index queue: what the search index still has to catch up with, written by whoever changes
indexed data, explicitly (there are no signal receivers).

    keys = enqueue(DETERMINATION, ids)       # rows, in the caller's transaction
    dispatch_after_commit(keys)              # search.tasks.dispatch(keys) once that commits
    queue_for_index(DETERMINATION, ids)      # both (the admin, the catalog loader, ...)

Who calls it: the ingest pipeline (pipeline.ingest, once per letter, in the letter's transaction;
it dispatches itself at checkpoints), the admin (pipeline.admin.letters, pipeline.admin.guidelines), the catalog
loader and the importer (guideline sections), link_citations and reclassify.

A row is written in the SAME transaction as the change (an upsert on (kind, object_id)), so a
committed change is never forgotten even when the engine is down or the worker dies; the Celery
task (search.tasks.apply_index_queue) receives ids only, applies the rows and deletes them;
`search_index --catch-up` applies whatever is left.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.utils import timezone

from guidelines.models import CitationLink
from search.models import IndexQueue
from search.tasks import dispatch

DETERMINATION, SECTION = IndexQueue.Kind.DETERMINATION, IndexQueue.Kind.SECTION
INDEX, DELETE = IndexQueue.Action.INDEX, IndexQueue.Action.DELETE

Keys = dict[str, list[int]]


def enqueue(kind: str, object_ids, action: str = INDEX) -> Keys:
    """Record (kind, id, action) rows (one upsert per 1,000); returns the keys for dispatch."""
    return enqueue_keys({kind: object_ids}, action)


def enqueue_keys(keys: dict, action: str = INDEX, batch_size: int = 1000) -> Keys:
    """enqueue() for several kinds at once ({kind: ids}), in as few upserts."""
    keys = {str(kind): sorted({int(i) for i in ids if i is not None}) for kind, ids in keys.items()}
    keys = {kind: ids for kind, ids in keys.items() if ids}
    now = timezone.now()
    rows = [
        IndexQueue(kind=kind, object_id=i, action=action, created_at=now) for kind, ids in keys.items() for i in ids
    ]
    for start in range(0, len(rows), batch_size):
        IndexQueue.objects.bulk_create(
            rows[start : start + batch_size],
            update_conflicts=True,
            unique_fields=["kind", "object_id"],
            update_fields=["action", "created_at"],
        )
    return keys


def merge(*keys: Keys) -> Keys:
    out: dict[str, set[int]] = {}
    for k in keys:
        for kind, ids in (k or {}).items():
            out.setdefault(kind, set()).update(ids)
    return {kind: sorted(ids) for kind, ids in out.items() if ids}


def dispatch_after_commit(keys: Keys) -> None:
    """Apply these rows once the current transaction commits (now, outside one); a rollback
    drops the rows and the dispatch together."""
    if keys:
        transaction.on_commit(partial(dispatch, keys))


def queue_for_index(kind: str, object_ids, action: str = INDEX) -> Keys:
    """enqueue() and dispatch_after_commit(): for writers that change a few objects."""
    keys = enqueue(kind, object_ids, action)
    dispatch_after_commit(keys)
    return keys


def letters_linking_to_documents(document_ids) -> list[int]:
    """Determinations whose citations link to these guideline documents (their guideline facets
    carry the document's title)."""
    return list(
        CitationLink.objects.filter(document_id__in=list(document_ids))
        .values_list("citation__item__determination_id", flat=True)
        .distinct()
    )
