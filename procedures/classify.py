"""Django glue for the procedure taxonomy: fills DisputedItem.procedure, procedure_category,
body_region, laterality and taxonomy_version from procedures.taxonomy.classify.

Called explicitly: the ingest pipeline (pipeline.ingest) classifies each item as it builds it, in
the letter's transaction, so the index document built after commit sees the fields;
`manage.py reclassify` recomputes stored items after the taxonomy changes.

A classification a person chose in the admin is stored with taxonomy_version MANUAL: the
taxonomy does not overrule it (re-derivation after an edit, `reclassify`, `reclassify --all`
leave it); clearing it in the admin gives the item back to the taxonomy. Re-parsing a letter
builds its items again from the letter, with the taxonomy's classification.
"""

from __future__ import annotations

from typing import Iterable, Optional

from cases.models import DisputedItem
from procedures.taxonomy import Taxonomy, classify, default_taxonomy

FIELDS = ["procedure", "procedure_category", "body_region", "laterality", "taxonomy_version"]
MANUAL = "manual"  # taxonomy_version of a classification a person chose


class UnknownClassification(ValueError):
    """A procedure or body region the taxonomy does not have."""


def procedure_names(taxonomy: Optional[Taxonomy] = None) -> list[str]:
    """Every procedure a decision can be classified as, the taxonomy's order, then "other"."""
    tax = taxonomy or default_taxonomy()
    return [p.name for p in tax.procedures] + [tax.other_procedure]


def region_names(taxonomy: Optional[Taxonomy] = None) -> list[str]:
    tax = taxonomy or default_taxonomy()
    return [r.name for r in tax.regions] + [tax.multiple_region, tax.unspecified_region]


def manual_classification(
    procedure: str, body_region: str, laterality: str, taxonomy: Optional[Taxonomy] = None
) -> dict:
    """The taxonomy fields for a person's choice: the category follows the procedure."""
    tax = taxonomy or default_taxonomy()
    if procedure == tax.other_procedure:
        category = tax.other_category
    else:
        try:
            category = tax.procedure(procedure).category
        except KeyError:
            raise UnknownClassification(f"procedure {procedure!r} is not in the taxonomy") from None
    if body_region not in region_names(tax):
        raise UnknownClassification(f"body region {body_region!r} is not in the taxonomy")
    return {
        "procedure": procedure,
        "procedure_category": category,
        "body_region": body_region,
        "laterality": laterality,
        "taxonomy_version": MANUAL,
    }


def classification(request: str, taxonomy: Optional[Taxonomy] = None) -> dict:
    """The taxonomy fields of a disputed item with this request (DisputedItem field -> value)."""
    tax = taxonomy or default_taxonomy()
    # The disputed portion (what is left for IMR after a partial authorisation) names the same
    # service; the request as written decides the procedure.
    result = classify(request or "", tax)
    return {
        "procedure": result.procedure[:120],
        "procedure_category": result.category[:80],
        "body_region": result.body_region[:80],
        "laterality": result.laterality[:16],
        "taxonomy_version": tax.version,
    }


def classify_item(item: DisputedItem, taxonomy: Optional[Taxonomy] = None) -> bool:
    """Set the taxonomy fields on `item` (not saved). True when anything changed. A person's
    choice (MANUAL) is left as it is."""
    if item.taxonomy_version == MANUAL:
        return False
    values = classification(item.request, taxonomy)
    changed = any(getattr(item, k) != v for k, v in values.items())
    for k, v in values.items():
        setattr(item, k, v)
    return changed


def classify_items(
    items: Iterable[DisputedItem], taxonomy: Optional[Taxonomy] = None, batch_size: int = 500
) -> tuple[int, set[int]]:
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
