"""manage.py load_guideline_catalog [FILE]: load the guideline catalog (titles, numbers, pages)."""

from django.core.management.base import BaseCommand, CommandError

from guidelines.linker import CatalogError
from guidelines.linker.catalog import CATALOG_FILE
from pipeline.catalog import load_catalog


class Command(BaseCommand):
    help = "Load guidelines/data/catalog.yaml (or FILE) into the database; idempotent, updates in place."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(CATALOG_FILE))

    def handle(self, *args, **options):
        try:
            counts = load_catalog(options["file"])
        except CatalogError as exc:
            raise CommandError(str(exc)) from exc
        relink = counts.pop("relink_needed")
        self.stdout.write(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in counts.items()))
        if relink:
            self.stdout.write(
                "sections that citations linked to were removed: run `python manage.py link_citations --all`"
            )
