"""The admin of letters and guidelines: every page where a person changes data that other data
is derived from, so a save re-derives it (pipeline.ingest.rederive, guidelines.linking) and
queues the index (search.sync) in the same transaction. Django finds it as `pipeline.admin`;
the models keep their own apps' sections in the admin ("IMR determinations", "Guidelines")."""

from pipeline.admin import guidelines, letters  # noqa: F401  (registers the model admins)
