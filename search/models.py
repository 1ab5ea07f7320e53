"""The index queue: what the search index still has to catch up with.

A row is written in the same transaction as the change it describes (search.sync), so a
committed change is never forgotten even when the engine is down or the worker dies; the Celery
task (search.tasks.apply_index_queue) applies rows and deletes them, and
`manage.py search_index --catch-up` applies whatever is left.
"""

from django.db import models


class IndexQueue(models.Model):
    class Kind(models.TextChoices):
        DETERMINATION = "determination", "Determination"
        SECTION = "section", "Guideline section"

    class Action(models.TextChoices):
        # "index" means "make the index match the database": the task re-reads the object and
        # removes it from the index when it no longer exists or is not indexable.
        INDEX = "index", "Index"
        DELETE = "delete", "Delete"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    object_id = models.BigIntegerField()
    action = models.CharField(max_length=8, choices=Action.choices, default=Action.INDEX)
    # Set again when the row is re-enqueued, so the task only deletes the version it applied.
    created_at = models.DateTimeField(db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="unique_index_queue_object")]

    def __str__(self):
        return f"{self.action} {self.kind} {self.object_id}"


class IndexState(models.Model):
    """What one search index held after the last write that succeeded, kept with the database
    (the source of truth), so that an index that was lost, replaced or emptied (an engine
    restarted, a directory deleted) is told from one that is merely behind its queue.

    `target` names the index (the backend and where it lives: one database may feed several),
    `generation` is the engine's own name for the index it wrote (a directory, a concrete
    index behind an alias), `documents` how many documents it held then."""

    target = models.CharField(max_length=300)
    kind = models.CharField(max_length=16, choices=IndexQueue.Kind.choices)
    generation = models.CharField(max_length=300)
    documents = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["target", "kind"], name="unique_index_state_target_kind")]

    def __str__(self):
        return f"{self.target} {self.kind}: {self.generation} ({self.documents})"
