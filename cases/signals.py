"""Signals other apps listen to, so `cases` never imports `guidelines` or `search`.

determination_written: sent inside the transaction that (re)wrote a Determination together
with its items and citations (ingest, re-parse from the admin). kwargs: determination_id.
Receivers (connected in their AppConfig.ready): guideline citation linking, procedure
taxonomy, and the search index queue. They run in the same transaction, so a letter is
stored, linked, classified and queued for indexing all or not at all.
"""
from django.dispatch import Signal

determination_written = Signal()

# A bulk ingest brackets its letters with these (see `ingest_batch`), so listeners can do once
# per batch what would be wasteful once per letter: the search app commits its index once at the
# end instead of after every letter. Each letter still commits, and queues its index update, in
# its own transaction; a batch that dies half-way leaves the queue rows for `--catch-up`.
ingest_batch_started = Signal()
ingest_batch_finished = Signal()


class ingest_batch:
    """Context manager sending ingest_batch_started / ingest_batch_finished (the latter always)."""

    def __enter__(self):
        ingest_batch_started.send(sender=ingest_batch)
        return self

    def __exit__(self, *exc):
        ingest_batch_finished.send(sender=ingest_batch)
        return False
