"""Rebuilding the search index and catching it up: what `manage.py search_index` and the
periodic sweep (search.tasks.apply_index_queue with no ids) run.

    rebuild(backend)        every kind from the database into new indexes, swapped in
    catch_up(backend)       rebuild what search.health finds lost, replaced or behind, then
                            apply every pending index-queue row
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from guidelines.models import GuidelineSection

from .documents import determination_documents, indexable_determinations
from .health import KINDS, check, record
from .models import IndexQueue
from .section_documents import section_documents
from .tasks import apply_pending

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
