"""Signals other apps listen to, so `cases` never imports `guidelines` or `search`.

determination_written: sent inside the transaction that (re)wrote a Determination together
with its items and citations (ingest, re-parse from the admin). kwargs: determination_id.
Receivers (connected in their AppConfig.ready): guideline citation linking, procedure
taxonomy, and the search index queue. They run in the same transaction, so a letter is
stored, linked, classified and queued for indexing all or not at all.
"""
from django.dispatch import Signal

determination_written = Signal()
