"""load_guideline_catalog is idempotent and updates in place; linking runs on ingest."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from guidelines.models import CitationLink, GuidelineDocument, GuidelineSection, QuotedPassage


def test_load_catalog_idempotent_and_in_place(db, capsys, tmp_path):
    call_command("load_guideline_catalog")
    first = capsys.readouterr().out
    assert "documents created: 50" in first
    counts = (GuidelineDocument.objects.count(), GuidelineSection.objects.count())
    section = GuidelineSection.objects.get(document__slug="mtus-low-back-2004", anchor="special-studies")
    section.text = "Imported official text."
    section.title = "Edited by hand"
    section.save()
    doc = GuidelineDocument.objects.get(slug="mtus-low-back-2004")
    doc.regulation = ""
    doc.save()
    call_command("load_guideline_catalog")
    out = capsys.readouterr().out
    assert "documents created: 0" in out and "sections created: 0" in out
    assert (GuidelineDocument.objects.count(), GuidelineSection.objects.count()) == counts
    section.refresh_from_db()
    doc.refresh_from_db()
    assert section.pk and section.title == "Special Studies" and section.text == "Imported official text."
    assert doc.regulation == "8 CCR 9792.23.5" and doc.page_start == 287 and doc.page_end == 326
    # Hierarchy: 3.3.1.1 sits under 3.3.1 under 3.3 under 3.
    leaf = GuidelineSection.objects.get(document__slug="mtus-opioids-2016", number="3.3.1.1")
    assert [leaf.parent.number, leaf.parent.parent.number, leaf.parent.parent.parent.number] == ["3.3.1", "3.3", "3"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("documents:\n  - {slug: x, family: NOPE, title: X}\n")
    with pytest.raises(CommandError, match="unknown family"):
        call_command("load_guideline_catalog", str(bad))


def test_link_citations_needs_a_catalog(db):
    with pytest.raises(CommandError, match="load_guideline_catalog"):
        call_command("link_citations")


def test_ingest_links_in_the_same_transaction(catalog, dwc_txt_dir, capsys):
    call_command("ingest", str(dwc_txt_dir / "CM16-0219557.txt"), "--quiet")
    links = CitationLink.objects.filter(citation__item__determination__case_number="CM16-0219557")
    assert links.count() >= 3
    assert links.filter(sections__anchor="facet-blocks").exists()
    assert QuotedPassage.objects.filter(
        item__determination__case_number="CM16-0219557", section__anchor="facet-blocks"
    ).exists()
    # Re-ingest with --force rewrites the items; they are linked again.
    call_command("ingest", str(dwc_txt_dir / "CM16-0219557.txt"), "--quiet", "--force")
    assert (
        CitationLink.objects.filter(citation__item__determination__case_number="CM16-0219557").count() == links.count()
    )


def test_sections_gone_from_the_catalog_are_removed_unless_text_or_manual(db, capsys):
    from guidelines.models import ManualResolution

    call_command("load_guideline_catalog")
    doc = GuidelineDocument.objects.get(slug="odg-low-back")
    stale = GuidelineSection.objects.create(document=doc, anchor="old-title", title="Old title")
    kept_text = GuidelineSection.objects.create(document=doc, anchor="imported", title="Imported", text="Text.")
    kept_manual = GuidelineSection.objects.create(document=doc, anchor="chosen", title="Chosen")
    ManualResolution.objects.create(key="k").sections.add(kept_manual)
    capsys.readouterr()
    call_command("load_guideline_catalog")
    assert "sections removed: 1" in capsys.readouterr().out
    assert not GuidelineSection.objects.filter(pk=stale.pk).exists()
    assert GuidelineSection.objects.filter(pk__in=[kept_text.pk, kept_manual.pk]).count() == 2
