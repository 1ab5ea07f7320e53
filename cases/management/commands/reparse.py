"""manage.py reparse [CASE_NUMBER...] [--all] [--failed]: re-parse stored letters from their raw
text (after a parser fix) and rewrite their items, one transaction per letter, sending
determination_written. A re-parse that fails leaves a letter that had parsed as it was.
"""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from cases.ingest import FAILED, Summary, reparse_determination
from cases.models import Determination


class Command(BaseCommand):
    help = "Re-parse stored letters from their raw text and rewrite their items and citations."

    def add_arguments(self, parser):
        parser.add_argument("case_numbers", nargs="*", help="Case numbers to re-parse")
        parser.add_argument("--all", action="store_true", help="Re-parse every stored letter")
        parser.add_argument("--failed", action="store_true", help="Re-parse the letters that failed to parse")
        parser.add_argument("--quiet", action="store_true", help="Print only failures and the summary")

    def handle(self, *args, **options):
        if options["all"]:
            queryset = Determination.objects.all()
        elif options["failed"]:
            queryset = Determination.objects.filter(parse_status=Determination.ParseStatus.FAILED)
        elif options["case_numbers"]:
            queryset = Determination.objects.filter(case_number__in=options["case_numbers"])
            missing = set(options["case_numbers"]) - set(queryset.values_list("case_number", flat=True))
            if missing:
                raise CommandError(f"no stored letter with case number {', '.join(sorted(missing))}")
        else:
            raise CommandError("give case numbers, --all or --failed")

        summary = Summary()
        for det in queryset.order_by("pk").iterator():
            outcome = reparse_determination(det)
            summary.add(outcome)
            if outcome.status == FAILED:
                self.stdout.write(self.style.ERROR(f"failed {det}: {outcome.message}"))
            elif not options["quiet"]:
                self.stdout.write(f"re-parsed {det}")
        self.stdout.write(summary.line())
