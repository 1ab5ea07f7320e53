"""manage.py reparse [CASE_NUMBER...] [--all] [--failed]: re-parse stored letters from their raw
text (after a parser fix; from the stored original when there is no text, e.g. a PDF that failed
to extract) and rewrite their items, through the ingest pipeline (pipeline.ingest.reparse_letters):
batches of letters per transaction, parsing in --workers processes. A re-parse that fails leaves
a letter that had parsed as it was.
"""

from __future__ import annotations

import os
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from cases.models import Determination
from pipeline.ingest import reparse_letters
from pipeline.outcomes import FAILED, Summary


class Command(BaseCommand):
    help = "Re-parse stored letters from their raw text and rewrite their items and citations."

    def add_arguments(self, parser):
        parser.add_argument("case_numbers", nargs="*", help="Case numbers to re-parse")
        parser.add_argument("--all", action="store_true", help="Re-parse every stored letter")
        parser.add_argument("--failed", action="store_true", help="Re-parse the letters that failed to parse")
        parser.add_argument("--quiet", action="store_true", help="Print only failures and the summary")
        parser.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help="Processes parsing letters (default: the number of cores)",
        )

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

        ids = list(queryset.order_by("pk").values_list("pk", flat=True))
        summary = Summary()
        stderr = getattr(self.stderr, "_out", sys.stderr)
        show_bar = not options["quiet"] and _isatty(stderr)
        with tqdm(total=len(ids), file=stderr, disable=not show_bar, unit="letter", dynamic_ncols=True) as bar:

            def report(done, total, outcome):
                summary.add(outcome)
                label = outcome.case_number or outcome.source_name
                if outcome.status == FAILED:
                    with bar.external_write_mode(file=stderr):
                        self.stdout.write(self.style.ERROR(f"failed {label}: {outcome.message}"))
                elif not options["quiet"]:
                    with bar.external_write_mode(file=stderr):
                        self.stdout.write(f"re-parsed {label}")
                bar.update(1)

            reparse_letters(ids, progress=report, workers=max(1, options["workers"]), refresh_sections=True)
        self.stdout.write(summary.line())


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
