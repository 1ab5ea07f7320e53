"""Django glue for the procedure taxonomy: fills DisputedItem.procedure, procedure_category,
body_region, laterality and taxonomy_version from search.taxonomy.classify.

Wiring: `connect()` attaches the receiver to cases.signals.determination_written (called from
SearchConfig.ready()). The signal is sent inside the ingest transaction, so a letter is stored
and classified all or not at all, and the index document built after commit sees the fields.
"""
from __future__ import annotations

from typing import Iterable, Optional

from cases.models import DisputedItem
from cases.signals import determination_written
from search.taxonomy import Taxonomy, classify, default_taxonomy

FIELDS = ["procedure", "procedure_category", "body_region", "laterality", "taxonomy_version"]
DISPATCH_UID = "search.classify.on_determination_written"


def classify_item(item: DisputedItem, taxonomy: Optional[Taxonomy] = None) -> bool:
    """Set the taxonomy fields on `item` (not saved). True when anything changed."""
    tax = taxonomy or default_taxonomy()
    # The disputed portion (what is left for IMR after a partial authorisation) names the same
    # service; the request as written decides the procedure.
    result = classify(item.request or "", tax)
    values = {
        "procedure": result.procedure[:120],
        "procedure_category": result.category[:80],
        "body_region": result.body_region[:80],
        "laterality": result.laterality[:16],
        "taxonomy_version": tax.version,
    }
    changed = any(getattr(item, k) != v for k, v in values.items())
    for k, v in values.items():
        setattr(item, k, v)
    return changed


def classify_items(items: Iterable[DisputedItem], taxonomy: Optional[Taxonomy] = None,
                   batch_size: int = 500) -> tuple[int, set[int]]:
    """Classify and save items. Returns (items changed, ids of their determinations)."""
    tax = taxonomy or default_taxonomy()
    pending: list[DisputedItem] = []
    total = 0
    determinations: set[int] = set()
    for item in items:
        if classify_item(item, tax):
            pending.append(item)
            determinations.add(item.determination_id)
        if len(pending) >= batch_size:
            DisputedItem.objects.bulk_update(pending, FIELDS)
            total += len(pending)
            pending = []
    if pending:
        DisputedItem.objects.bulk_update(pending, FIELDS)
        total += len(pending)
    return total, determinations


def classify_determination(determination_id: int, taxonomy: Optional[Taxonomy] = None) -> int:
    items = DisputedItem.objects.filter(determination_id=determination_id).only("id", "determination_id", "request", *FIELDS)
    count, _ = classify_items(items, taxonomy)
    return count


def on_determination_written(sender, determination_id: int, **kwargs) -> None:
    classify_determination(determination_id)


def connect() -> None:
    determination_written.connect(on_determination_written, dispatch_uid=DISPATCH_UID)


def disconnect() -> None:
    determination_written.disconnect(dispatch_uid=DISPATCH_UID)
