"""Recompute the classification of disputed items (procedure, category, DWC request category,
body region, laterality, confidence, deciding signal) after the taxonomy's data files change.

Every classified item stores taxonomy_version (SHA-256 of procedures/data/); items whose version
differs from the current files are recomputed (all items with --all), except those a person
classified by hand in the admin (procedures.classify.MANUAL), which keep their choice. The determinations whose
items changed are queued for re-indexing through the search sync path. A clerk's choices
(aliases, section procedures) are applied when they are made (pipeline.classification) and on
every run of this command.

--report prints, without changing anything, the share of decisions classified per deciding
signal, per DWC request category and per project category, the "other" share, and the review
queue (decisions left "other" or under the confidence threshold).
"""

from __future__ import annotations

from collections import Counter

from django.core.management.base import BaseCommand
from django.db import transaction

from cases.models import DisputedItem
from procedures.classify import FIELDS, MANUAL, REVIEW_BELOW, classify_items, current_rules
from procedures.taxonomy import SIGNALS, default_taxonomy
from search import sync


def _queue_reindex(determination_ids: set[int]) -> str:
    """Queue changed determinations for the index (search.sync: an IndexQueue row per letter in
    this transaction, applied after commit)."""
    if not determination_ids:
        return "nothing to re-index"
    sync.queue_for_index(sync.DETERMINATION, determination_ids)
    return f"queued {len(determination_ids)} letter(s) for re-indexing"


def _pct(n: int, total: int) -> str:
    return f"{100 * n / total:5.1f}%" if total else "  -  "


class Command(BaseCommand):
    help = "Recompute the classification of items classified by an older taxonomy (--report: coverage only)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="recompute every item, whatever its version")
        parser.add_argument("--dry-run", action="store_true", help="report what would change, write nothing")
        parser.add_argument("--no-reindex", action="store_true", help="do not queue changed letters for indexing")
        parser.add_argument(
            "--report",
            action="store_true",
            help="only print coverage: the share per deciding signal, per DWC category, the 'other' share",
        )
        parser.add_argument("--limit", type=int, default=20, help="--report: review-queue items listed (default 20)")

    def handle(self, *args, **options):
        tax = default_taxonomy()
        if options["report"]:
            return self._report(tax, options["limit"])
        items = (
            DisputedItem.objects.only("id", "determination_id", "request", *FIELDS)
            .exclude(taxonomy_version=MANUAL)
            .order_by("pk")
        )
        if not options["all"]:
            items = items.exclude(taxonomy_version=tax.version)
        stale = items.count()
        self.stdout.write(f"taxonomy version {tax.version[:12]}: {stale} item(s) to recompute")
        rules = current_rules()
        if options["dry_run"]:
            changed, letters = classify_items(items.iterator(chunk_size=2000), tax, rules, dry_run=True)
            self.stdout.write(f"dry run: {changed} item(s) in {len(letters)} letter(s) would change")
            return
        with transaction.atomic():
            changed, determinations = classify_items(items.iterator(chunk_size=2000), tax, rules)
            # Queued in the same transaction, so the index follows the committed fields.
            message = "" if options["no_reindex"] else _queue_reindex(determinations)
        self.stdout.write(f"recomputed {stale} item(s), {changed} changed in {len(determinations)} letter(s)")
        if message:
            self.stdout.write(message)

    def _report(self, tax, limit: int):
        rows = list(
            DisputedItem.objects.values_list(
                "request",
                "procedure",
                "procedure_category",
                "request_category",
                "classification_signal",
                "classification_confidence",
                "taxonomy_version",
            )
        )
        total = len(rows)
        stale = sum(1 for *_, v in rows if v not in (tax.version, MANUAL))
        self.stdout.write(f"taxonomy version {tax.version[:12]}; {total} decision(s), {stale} not at this version")
        signals = Counter(r[4] or "(unclassified)" for r in rows)
        self.stdout.write("classified per deciding signal:")
        for signal in [*SIGNALS, "(unclassified)"]:
            if signals.get(signal):
                self.stdout.write(f"  {signals[signal]:6d}  {_pct(signals[signal], total)}  {signal}")
        other = [r for r in rows if r[1] in ("", tax.other_procedure)]
        no_dwc = sum(1 for r in rows if not r[3])
        self.stdout.write(f"'other' (no procedure): {len(other)}/{total} ({_pct(len(other), total).strip()})")
        self.stdout.write(f"without a DWC request category: {no_dwc}/{total} ({_pct(no_dwc, total).strip()})")
        self.stdout.write("DWC request categories:")
        for value, n in Counter(r[3] or "(none)" for r in rows).most_common():
            self.stdout.write(f"  {n:6d}  {_pct(n, total)}  {value}")
        self.stdout.write("project categories:")
        for value, n in Counter(r[2] or "(unclassified)" for r in rows).most_common():
            self.stdout.write(f"  {n:6d}  {_pct(n, total)}  {value}")
        queue = sorted(
            (r for r in rows if r[1] in ("", tax.other_procedure) or r[5] < REVIEW_BELOW), key=lambda r: (r[5], r[0])
        )
        self.stdout.write(
            f"review queue ('other' or confidence under {REVIEW_BELOW}): {len(queue)}/{total}"
            f" ({_pct(len(queue), total).strip()}), worst first:"
        )
        for r in queue[:limit]:
            self.stdout.write(f"  {r[5]:.2f}  {r[4] or '-':8}  {r[1] or '(unclassified)'}: {r[0][:90]}")
