"""Signal receivers that keep the search index in step with the database.

Every change records an IndexQueue row in the SAME transaction as the change (an upsert on
(kind, object_id)), and schedules search.tasks.apply_index_queue for after the commit with the
ids only. A rolled-back change leaves no row and schedules nothing; a committed change whose task
fails (engine down, worker killed) leaves its row for the retry or `search_index --catch-up`.

Connected in SearchConfig.ready(). `cases` never imports `search`: it sends
cases.signals.determination_written and the model signals do the rest.
"""
from __future__ import annotations

import logging

from django.apps import apps
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from cases.models import Determination, DisputedItem, GuidelineCitation
from cases.signals import determination_written, ingest_batch_finished, ingest_batch_started

from .models import IndexQueue

log = logging.getLogger(__name__)

DETERMINATION, SECTION = IndexQueue.Kind.DETERMINATION, IndexQueue.Kind.SECTION
INDEX, DELETE = IndexQueue.Action.INDEX, IndexQueue.Action.DELETE


class _AfterCommit:
    """One on_commit callback per transaction, collecting the ids to apply."""

    def __init__(self, using):
        self.using = using
        self.keys: dict[str, set[int]] = {}
        self.done = False

    def add(self, kind: str, object_id: int) -> None:
        self.keys.setdefault(str(kind), set()).add(int(object_id))

    def __call__(self):
        from .tasks import dispatch

        self.done = True
        dispatch({kind: sorted(ids) for kind, ids in self.keys.items()})


def _scheduled(using) -> _AfterCommit:
    conn = transaction.get_connection(using)
    if conn.in_atomic_block:
        # Reuse the callback already registered in this transaction (Django drops it, with its
        # ids, if the savepoint that registered it rolls back; a fresh one is made then).
        for entry in conn.run_on_commit:
            func = entry[1]
            if isinstance(func, _AfterCommit) and not func.done:
                return func
    callback = _AfterCommit(using)
    transaction.on_commit(callback, using=using)
    return callback


def enqueue(kind: str, object_id: int | None, action: str = INDEX, using: str = "default") -> None:
    """Record (kind, object_id, action) in the queue and schedule the task after commit."""
    if object_id is not None:
        enqueue_many(kind, [object_id], action, using)


def enqueue_many(kind: str, object_ids, action: str = INDEX, using: str = "default", batch_size: int = 1000) -> None:
    """enqueue() for many ids at once (one upsert per batch)."""
    ids = sorted({int(i) for i in object_ids if i is not None})
    if not ids:
        return
    now = timezone.now()
    for start in range(0, len(ids), batch_size):
        IndexQueue.objects.using(using).bulk_create(
            [IndexQueue(kind=kind, object_id=i, action=action, created_at=now) for i in ids[start:start + batch_size]],
            update_conflicts=True,
            unique_fields=["kind", "object_id"],
            update_fields=["action", "created_at"],
        )
    callback = _scheduled(using)
    for i in ids:
        callback.add(kind, i)


# --- receivers -----------------------------------------------------------------------------------
def on_determination_written(sender, determination_id=None, **kwargs):
    enqueue(DETERMINATION, determination_id)


def on_determination_saved(sender, instance, raw=False, using="default", **kwargs):
    if not raw:
        enqueue(DETERMINATION, instance.pk, using=using)


def on_determination_deleted(sender, instance, using="default", **kwargs):
    enqueue(DETERMINATION, instance.pk, DELETE, using=using)


def on_item_changed(sender, instance, raw=False, using="default", **kwargs):
    if not raw:
        enqueue(DETERMINATION, instance.determination_id, using=using)


def _determination_of_item(item_id, using):
    return DisputedItem.objects.using(using).filter(pk=item_id).values_list("determination_id", flat=True).first()


def on_citation_changed(sender, instance, raw=False, using="default", **kwargs):
    if not raw:
        enqueue(DETERMINATION, _determination_of_item(instance.item_id, using), using=using)


def _citation_of_link(link):
    for f in link._meta.concrete_fields:
        if getattr(f, "one_to_one", False) and f.related_model is GuidelineCitation:
            return getattr(link, f.attname)
    return None


def on_link_changed(sender, instance, raw=False, using="default", **kwargs):
    if raw:
        return
    citation_id = _citation_of_link(instance)
    item_id = GuidelineCitation.objects.using(using).filter(pk=citation_id).values_list("item_id", flat=True).first()
    if item_id is not None:
        enqueue(DETERMINATION, _determination_of_item(item_id, using), using=using)


def on_link_sections_changed(sender, instance, action, using="default", **kwargs):
    if action in ("post_add", "post_remove", "post_clear") and hasattr(instance, "_meta"):
        if instance._meta.model_name == "citationlink":
            on_link_changed(sender, instance, using=using)


def on_section_saved(sender, instance, raw=False, using="default", **kwargs):
    if not raw:
        enqueue(SECTION, instance.pk, using=using)


def on_section_deleted(sender, instance, using="default", **kwargs):
    enqueue(SECTION, instance.pk, DELETE, using=using)


def on_quote_changed(sender, instance, raw=False, using="default", **kwargs):
    # A section's document carries the passages reviewers quote from it.
    if not raw and getattr(instance, "section_id", None):
        enqueue(SECTION, instance.section_id, using=using)


def on_document_changed(sender, instance, raw=False, using="default", **kwargs):
    """A guideline document's title is in its sections' documents and in the guideline facets of
    the letters whose citations link to it."""
    if raw or instance.pk is None:
        return
    enqueue_many(SECTION, instance.sections.using(using).values_list("pk", flat=True), using=using)
    link = _optional_model("CitationLink")
    if link is not None:
        dets = link.objects.using(using).filter(document_id=instance.pk).values_list(
            "citation__item__determination_id", flat=True)
        enqueue_many(DETERMINATION, dets, using=using)


def _optional_model(name):
    if not apps.is_installed("guidelines"):
        return None
    try:
        return apps.get_model("guidelines", name)
    except LookupError:
        return None


def connect() -> None:
    from .tasks import begin_batch, end_batch

    determination_written.connect(on_determination_written, dispatch_uid="search.sync.written")
    ingest_batch_started.connect(begin_batch, dispatch_uid="search.sync.batch_started")
    ingest_batch_finished.connect(end_batch, dispatch_uid="search.sync.batch_finished")
    post_save.connect(on_determination_saved, sender=Determination, dispatch_uid="search.sync.det_saved")
    post_delete.connect(on_determination_deleted, sender=Determination, dispatch_uid="search.sync.det_deleted")
    for signal, tag in ((post_save, "saved"), (post_delete, "deleted")):
        signal.connect(on_item_changed, sender=DisputedItem, dispatch_uid=f"search.sync.item_{tag}")
        signal.connect(on_citation_changed, sender=GuidelineCitation, dispatch_uid=f"search.sync.citation_{tag}")
    link = _optional_model("CitationLink")
    if link is not None:
        post_save.connect(on_link_changed, sender=link, dispatch_uid="search.sync.link_saved")
        post_delete.connect(on_link_changed, sender=link, dispatch_uid="search.sync.link_deleted")
        sections = getattr(link, "sections", None)
        through = getattr(sections, "through", None)
        if through is not None:
            m2m_changed.connect(on_link_sections_changed, sender=through, dispatch_uid="search.sync.link_sections")
    section = _optional_model("GuidelineSection")
    if section is not None:
        post_save.connect(on_section_saved, sender=section, dispatch_uid="search.sync.section_saved")
        post_delete.connect(on_section_deleted, sender=section, dispatch_uid="search.sync.section_deleted")
    document = _optional_model("GuidelineDocument")
    if document is not None:
        post_save.connect(on_document_changed, sender=document, dispatch_uid="search.sync.document_saved")
    quote = _optional_model("QuotedPassage")
    if quote is not None:
        post_save.connect(on_quote_changed, sender=quote, dispatch_uid="search.sync.quote_saved")
        post_delete.connect(on_quote_changed, sender=quote, dispatch_uid="search.sync.quote_deleted")
