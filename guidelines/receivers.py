"""Signal receivers: link a determination's citations and keep its quotes when it is written."""
from .linking import link_determination


def link_written_determination(sender, determination_id=None, **kwargs):
    # Runs inside the ingest transaction: a letter is stored and linked all or not at all.
    if determination_id is not None:
        link_determination(determination_id)
