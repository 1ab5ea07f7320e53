"""The review queue round trip: unresolved citation -> queue -> admin choice -> relink --all keeps
it, and the same citation text in another (or a re-ingested) letter resolves too."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from cases.models import Determination, GuidelineCitation
from guidelines.models import CitationLink, GuidelineDocument, GuidelineSection, ManualResolution, QuotedPassage
from tests.support.letters import store_letter

CASE = "CM16-0231706"  # MAXIMUS cites "Non-MTUS Citation ODG Chiropractic guidelines": no chapter named
CLAUSE = "ODG Chiropractic guidelines"


def queued(clause=CLAUSE):
    return CitationLink.objects.filter(citation__document=clause)


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser("admin", "admin@example.com", "pw")
    client.force_login(user)
    return client


def test_round_trip(admin_client, catalog, dwc_txt_dir, capsys):
    text = (dwc_txt_dir / f"{CASE}.txt").read_text(encoding="utf-8")
    det = store_letter(text, f"{CASE}.txt")
    link = queued().get()
    assert link.needs_review and link.document is None and link.method == "unresolved"

    # The queue lists it.
    page = admin_client.get("/admin/guidelines/citationlink/?queue=open").content.decode()
    assert CLAUSE in page

    change = admin_client.get(f"/admin/guidelines/citationlink/{link.pk}/change/")
    assert change.status_code == 200 and CLAUSE in change.content.decode()
    for url in (
        "/admin/guidelines/guidelinedocument/",
        "/admin/guidelines/guidelinesection/",
        "/admin/guidelines/manualresolution/",
        "/admin/guidelines/quotedpassage/",
        "/admin/guidelines/guidelinedocument/?q=low+back",
    ):
        assert admin_client.get(url).status_code == 200, url
    # A person picks ODG Neck and Upper Back > Manipulation.
    doc = GuidelineDocument.objects.get(slug="odg-neck-and-upper-back")
    section = GuidelineSection.objects.get(document=doc, anchor="manipulation")
    response = admin_client.post(
        f"/admin/guidelines/citationlink/{link.pk}/change/", {"document": doc.pk, "sections": [section.pk]}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    link.refresh_from_db()
    assert (link.method, link.needs_review, link.document) == ("manual", False, doc)
    assert list(link.sections.all()) == [section]
    resolution = ManualResolution.objects.get()
    assert list(resolution.sections.all()) == [section]
    # The item's quotes were refreshed and belong to the documents its MAXIMUS citations name.
    quotes = QuotedPassage.objects.filter(item=link.citation.item)
    assert quotes.exists() and not quotes.filter(document__isnull=True).exists()

    # link_citations --all keeps the choice.
    call_command("link_citations", "--all")
    assert "review queue:" in capsys.readouterr().out
    link = queued().get()
    assert (link.method, link.document, list(link.sections.all())) == ("manual", doc, [section])

    # A re-ingest rewrites the items (new citation rows): the choice applies again.
    Determination.objects.filter(pk=det.pk).delete()
    store_letter(text, f"{CASE}.txt")
    link = queued().get()
    assert link.method == "manual" and link.document == doc

    # The same clause in another letter resolves too (the key is the normalised text).
    citation = GuidelineCitation.objects.create(
        item=link.citation.item,
        party="maximus",
        order=9,
        kind="NON_MTUS",
        document="odg  chiropractic Guidelines.",
        clause="x",
    )
    call_command("link_citations")
    other = CitationLink.objects.get(citation=citation)
    assert other.method == "manual" and other.document == doc


def test_queue_filters_and_unlinked_only(admin_client, catalog, dwc_txt_dir):
    store_letter((dwc_txt_dir / f"{CASE}.txt").read_text(encoding="utf-8"), f"{CASE}.txt")
    assert CitationLink.objects.filter(needs_review=True).exists()
    page = admin_client.get("/admin/guidelines/citationlink/?queue=done").content.decode()
    assert CLAUSE not in page
    before = {lk.pk: lk.linked_at for lk in CitationLink.objects.all()}
    call_command("link_citations")  # default: only unlinked ones; nothing changes
    assert {lk.pk: lk.linked_at for lk in CitationLink.objects.all()} == before
