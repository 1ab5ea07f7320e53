"""Recompute the procedure taxonomy fields of disputed items after the taxonomy changes.

Every classified item stores taxonomy_version (SHA-256 of procedures/data/procedures.yaml); items
whose version differs from the current file are recomputed (all items with --all), except those
a person classified in the admin (procedures.classify.MANUAL), which keep their choice. The
determinations whose items changed are queued for re-indexing through the search sync path.
"""

from __future__ import annotations

from collections import Counter

from django.core.management.base import BaseCommand
from django.db import transaction

from cases.models import DisputedItem
from procedures.classify import FIELDS, MANUAL, classify_item, classify_items
from procedures.taxonomy import default_taxonomy
from search import sync


def _queue_reindex(determination_ids: set[int]) -> str:
    """Queue changed determinations for the index (search.sync: an IndexQueue row per letter in
    this transaction, applied after commit)."""
    if not determination_ids:
        return "nothing to re-index"
    sync.queue_for_index(sync.DETERMINATION, determination_ids)
    return f"queued {len(determination_ids)} letter(s) for re-indexing"


class Command(BaseCommand):
    help = "Recompute procedure/category/body region/laterality for items classified by an older taxonomy."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="recompute every item, whatever its version")
        parser.add_argument("--dry-run", action="store_true", help="report what would change, write nothing")
        parser.add_argument("--no-reindex", action="store_true", help="do not queue changed letters for indexing")
        parser.add_argument(
            "--report", action="store_true", help="only print coverage: items per category, and the items left 'other'"
        )

    def handle(self, *args, **options):
        tax = default_taxonomy()
        if options["report"]:
            return self._report(tax)
        items = (
            DisputedItem.objects.only("id", "determination_id", "request", *FIELDS)
            .exclude(taxonomy_version=MANUAL)
            .order_by("pk")
        )
        if not options["all"]:
            items = items.exclude(taxonomy_version=tax.version)
        stale = items.count()
        self.stdout.write(f"taxonomy version {tax.version[:12]}: {stale} item(s) to recompute")
        if options["dry_run"]:
            changed = sum(1 for item in items.iterator() if classify_item(item, tax))
            self.stdout.write(f"dry run: {changed} item(s) would change")
            return
        with transaction.atomic():
            changed, determinations = classify_items(items.iterator(), tax)
            # Queued in the same transaction, so the index follows the committed fields.
            message = "" if options["no_reindex"] else _queue_reindex(determinations)
        self.stdout.write(f"recomputed {stale} item(s), {changed} changed in {len(determinations)} letter(s)")
        if message:
            self.stdout.write(message)

    def _report(self, tax):
        items = list(DisputedItem.objects.values_list("request", "procedure_category", "procedure", "taxonomy_version"))
        total = len(items)
        categories = Counter(c or "(unclassified)" for _, c, _, _ in items)
        stale = sum(1 for *_, v in items if v not in (tax.version, MANUAL))
        other = [(r, p) for r, c, p, _ in items if c in ("", tax.other_category)]
        self.stdout.write(f"taxonomy version {tax.version[:12]}; {total} item(s), {stale} not at this version")
        for category, n in categories.most_common():
            self.stdout.write(f"  {n:5d}  {100 * n / total:5.1f}%  {category}")
        covered = total - len(other)
        self.stdout.write(
            f"classified into a category other than 'other': {covered}/{total}"
            f" ({100 * covered / total if total else 0:.1f}%)"
        )
        for request, procedure in other:
            self.stdout.write(f"  other: {procedure or '(unclassified)'}: {request[:100]}")
