"""The admin of letters, guidelines and classification: every page where a person changes data
that other data is derived from, so a save re-derives it (pipeline.ingest.rederive,
guidelines.linking, pipeline.classification) and queues the index (search.sync) in the same
transaction. Django finds it as `pipeline.admin`; the models keep their own apps' sections in the
admin ("IMR determinations", "Guidelines", "Procedures": the classification review queue)."""

from pipeline.admin import guidelines, letters, procedures  # noqa: F401  (registers the model admins)
