"""manage.py link_citations [--all]: link guideline citations to catalog sections and print figures.

Default: only citations without a link. --all relinks everything; choices made in the admin review
queue (ManualResolution) are reapplied, never overwritten.
"""

from django.core.management.base import BaseCommand, CommandError

from cases.models import GuidelineCitation
from guidelines.linking import figures, link_citations
from guidelines.models import GuidelineDocument
from search import sync


class Command(BaseCommand):
    help = "Link guideline citations to the catalog (default: only unlinked ones) and print figures."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Relink every citation (manual choices are kept)")
        parser.add_argument("--no-quotes", action="store_true", help="Do not re-extract the reviewers' quotes")

    def handle(self, *args, **options):
        if not GuidelineDocument.objects.exists():
            raise CommandError("the guideline catalog is empty: run `python manage.py load_guideline_catalog` first")
        citations = GuidelineCitation.objects.all()
        if not options["all"]:
            citations = citations.filter(link__isnull=True)
        n, changed = link_citations(citations, quotes=not options["no_quotes"])
        sync.queue_for_index(sync.DETERMINATION, changed)
        f = figures()
        out = self.stdout.write
        out(f"linked now: {n}")
        out(f"citations total: {f['citations']}")
        out("by kind: " + ", ".join(f"{k} {v}" for k, v in f["by_kind"].items()))
        named = f["mtus_naming_sections"]
        out(
            f"MTUS citations naming sections: {named}; resolved to a section: {f['mtus_resolved_to_a_section']}"
            + (f" ({f['mtus_resolved_to_a_section'] / named:.1%})" if named else "")
            + f"; every named section resolved: {f['mtus_all_named_sections_resolved']}"
        )
        out(
            f"resolved to a document: {f['resolved_to_document']} of {f['cited_guideline_citations']} "
            f"guideline citations ({f['document_share']:.1%})"
        )
        out("by method: " + ", ".join(f"{k} {v}" for k, v in f["by_method"].items()))
        out(f"review queue: {f['review_queue']} (unresolved: {f['unresolved']})")
        out(f"quoted passages: {f['quoted_passages']}")
