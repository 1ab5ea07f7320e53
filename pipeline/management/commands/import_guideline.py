"""manage.py import_guideline DOCUMENT FILE: load a guideline's official text into its sections.

DOCUMENT is a catalog slug or title; FILE a PDF, HTML or text copy. Prints the sections filled,
the catalog sections with no heading in the file, and headings that match no section.
"""

from django.core.management.base import BaseCommand, CommandError

from guidelines.importer import ImportFailed, find_document
from pipeline.catalog import import_document


class Command(BaseCommand):
    help = "Import a guideline document's text (PDF, HTML or text) into its catalog sections."

    def add_arguments(self, parser):
        parser.add_argument("document", help="Catalog slug or title")
        parser.add_argument("file", help="PDF, HTML or text file")
        parser.add_argument("--dry-run", action="store_true", help="Report only; change nothing")

    def handle(self, *args, **options):
        try:
            doc = find_document(options["document"])
            report = import_document(doc, options["file"], dry_run=options["dry_run"])
        except ImportFailed as exc:
            raise CommandError(str(exc)) from exc
        out = self.stdout.write
        total = len(report.filled) + len(report.missing)
        out(
            f"{doc.slug}: {report.kind}, {report.pages} page(s); sections filled: {len(report.filled)} of {total}"
            + (" (dry run, nothing saved)" if options["dry_run"] else "")
        )
        if report.missing:
            out("no heading found for: " + "; ".join(report.missing))
        if report.unplaced:
            out(f"headings matching no section ({len(report.unplaced)}):")
            for page, line in report.unplaced:
                out(f"  {'p. ' + str(page) if page else '-'}: {line}")
