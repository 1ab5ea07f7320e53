"""The guideline catalog and official texts loaded with the search index following: the
guidelines app changes its own rows and says which; this queues them (search.sync) in the same
transaction, so a committed change is never missing from the index.

    counts = load_catalog()                       # manage.py load_guideline_catalog, setup_demo
    report = import_document(document, "MTUS.pdf")   # manage.py import_guideline
"""

from __future__ import annotations

from django.db import transaction

from guidelines import catalog_loader, importer
from guidelines.linker.catalog import CATALOG_FILE
from search import sync


def load_catalog(path=CATALOG_FILE) -> dict:
    """guidelines.catalog_loader.load_catalog, and the index told of changed and removed sections
    and of the letters whose guideline facets carry a renamed document's title."""
    with transaction.atomic():
        counts = catalog_loader.load_catalog(path)
        changes = counts.pop("changes")
        sync.queue_for_index(sync.SECTION, changes.sections)
        sync.queue_for_index(sync.SECTION, changes.removed_sections, sync.DELETE)
        sync.queue_for_index(sync.DETERMINATION, sync.letters_linking_to_documents(changes.documents))
    return counts


def import_document(document, path, dry_run: bool = False) -> importer.ImportReport:
    """guidelines.importer.import_document, and the index told of the sections given text."""
    with transaction.atomic():
        report = importer.import_document(document, path, dry_run=dry_run)
        sync.queue_for_index(sync.SECTION, report.changed_sections)
    return report
