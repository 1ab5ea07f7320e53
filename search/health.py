"""Is the search index whole? The database remembers (search.models.IndexState) which index
each writer last wrote and how many documents it held; the engine says which index it has now.

    states = check(backend)            # [Health(kind, state, ...)]: "ok", "empty" (nothing to
                                       # index yet), "never built", "missing", "replaced", "behind"
    require_healthy(backend)           # readers: raise IndexUnavailable unless all are ok
    writable(backend, kind)            # the queue's writer: create on first use, else refuse
    record(backend, kind)              # after a write or a rebuild succeeded

An engine restarted empty or an index directory deleted shows as "missing" (or "replaced",
when something made a new index since); an index emptied or cut short as "behind". A missing
index is never silently re-created by a search or a sync write (it would look like "no
results", and hold only what is written after): `search_index --catch-up` and the periodic
sweep (search.tasks) rebuild it from the database.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from guidelines.models import GuidelineSection
from search.backends.base import IndexMissing, SearchBackendError
from search.documents import indexable_determinations
from search.models import IndexState

KINDS = ("determination", "section")
# Documents an index may hold fewer than it did at the last write, while a write is under way
# (a re-parsed letter loses a decision before the state says so), before it counts as behind.
BEHIND_TOLERANCE = 0.01
BEHIND_MINIMUM = 10
CHECK_TTL = 5.0  # seconds a reader trusts the last check (one SQL query and two engine calls)
# What users are told (the engine's or the check's details are logged, never shown).
UNAVAILABLE = "The search index is unavailable right now; please try again shortly."


class IndexUnavailable(SearchBackendError):
    """The index is missing, replaced or behind: searching it would give wrong answers."""


class IndexLost(SearchBackendError):
    """The index a writer wrote before is gone or was replaced: writing into what is there now
    would leave it partial. A rebuild (search_index --catch-up) repairs it."""


@dataclass
class Health:
    kind: str
    state: str
    generation: str | None = None
    expected_generation: str | None = None
    documents: int | None = None
    expected_documents: int | None = None

    @property
    def ok(self) -> bool:
        return self.state in ("ok", "empty")

    def line(self) -> str:
        held = f", {self.documents} documents" if self.documents is not None else ""
        expected = (
            f" (held {self.expected_documents} after the last write)" if self.expected_documents is not None else ""
        )
        return f"{self.kind} index: {self.state}{held}{expected}"


def _state(backend, kind: str) -> IndexState | None:
    return IndexState.objects.filter(target=backend.target, kind=kind).first()


def _nothing_to_index(kind: str) -> bool:
    return not (indexable_determinations() if kind == "determination" else GuidelineSection.objects).exists()


def health(backend, kind: str) -> Health:
    state = _state(backend, kind)
    generation = backend.generation(kind)
    expected = state.generation if state else None
    if generation is None:
        if state is None:
            # Nothing was ever written: whole only while the database has nothing to index.
            return Health(kind, "empty" if _nothing_to_index(kind) else "never built")
        return Health(kind, "missing", None, expected)
    if state is None:
        # An index no writer of this database recorded (built before index states existed,
        # or by hand): whole if it answers; record() adopts it at the next write.
        return Health(kind, "ok", generation, None, backend.document_count(kind))
    documents = backend.document_count(kind)
    if generation != expected:
        return Health(kind, "replaced", generation, expected, documents, state.documents)
    short = state.documents - documents
    if short > max(BEHIND_MINIMUM, BEHIND_TOLERANCE * state.documents):
        return Health(kind, "behind", generation, expected, documents, state.documents)
    return Health(kind, "ok", generation, expected, documents, state.documents)


def check(backend, kinds=KINDS) -> list[Health]:
    return [health(backend, kind) for kind in kinds]


_checked: dict[str, tuple[float, list[Health]]] = {}


def require_healthy(backend, kinds=KINDS) -> None:
    """For readers (the search page, the API, analytics, exports): raise IndexUnavailable with a
    plain message when an index is not whole. Cached a few seconds per process and index."""
    now = time.monotonic()
    key = (backend.target, tuple(kinds))
    cached = _checked.get(key)
    if cached is None or now - cached[0] > CHECK_TTL:
        try:
            cached = (now, check(backend, kinds))
        except IndexMissing:
            cached = (now, [Health(kind, "missing") for kind in kinds])
        _checked[key] = cached
    bad = [h for h in cached[1] if not h.ok]
    if bad:
        raise IndexUnavailable(UNAVAILABLE + " (" + "; ".join(h.line() for h in bad) + ")")


def forget_checks() -> None:
    _checked.clear()


def writable(backend, kind: str) -> None:
    """Before the index queue writes into an index: create it on first use (nothing was ever
    built for this database), refuse (IndexLost) when the one written before is gone."""
    h = health(backend, kind)
    if h.state in ("never built", "empty"):
        backend.create(kind)
        record(backend, kind)
    elif h.state in ("missing", "replaced"):
        raise IndexLost(
            f"the {kind} index was {'lost' if h.state == 'missing' else 'replaced'} since the last "
            "write; rows stay queued until `manage.py search_index --catch-up` rebuilds it"
        )


def record(backend, kind: str) -> None:
    """Remember the index just written and what it holds (after a refresh)."""
    IndexState.objects.update_or_create(
        target=backend.target,
        kind=kind,
        defaults={"generation": backend.generation(kind) or "", "documents": backend.document_count(kind)},
    )
    for key in [k for k in _checked if k[0] == backend.target]:
        _checked.pop(key, None)
