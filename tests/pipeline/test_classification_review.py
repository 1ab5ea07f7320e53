"""The classification review loop on real letters: decisions left "other" or classified with little
confidence are listed in the admin's review queue, worst first, with the signals seen; a clerk's
choice is stored as data (an alias or a section procedure) that reclassifies every decision it
applies to, queues their letters for the index, and survives `reclassify` and re-parsing.
`reclassify --report` prints the share per deciding signal and the "other" share."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from cases.models import DisputedItem
from pipeline.catalog import load_catalog
from pipeline.ingest import reparse_letters
from procedures.models import ProcedureAlias, SectionProcedure
from search.models import IndexQueue
from tests.support.letters import store_letter

pytestmark = pytest.mark.django_db

SOURCE = "CM16-0239479"
REQUEST = "MRI of the lumbar spine without contrast"


def letter(dwc_txt_dir, case: str, request: str):
    """The real letter under another case number, asking for `request` (its reviewer still cites
    Low Back Complaints, Special Studies)."""
    text = (dwc_txt_dir / f"{SOURCE}.txt").read_text(encoding="utf-8")
    return store_letter(text.replace(SOURCE, case).replace(REQUEST, request), f"{case}.txt")


@pytest.fixture
def unclear(dwc_txt_dir):
    load_catalog()
    known = letter(dwc_txt_dir, "CM16-9000001", REQUEST)
    gel = letter(dwc_txt_dir, "CM16-9000002", "Kera-Tek gel 4oz")
    other_gel = letter(dwc_txt_dir, "CM16-9000003", "Retrospective Keratek gel, 4 oz")
    vague = letter(dwc_txt_dir, "CM16-9000004", "Retrospective request for DOS 11/01/2016")
    return {d.case_number: d.items.get() for d in (known, gel, other_gel, vague)}


def test_the_queue_lists_unclear_decisions_worst_first_with_the_signals_seen(admin_client, unclear):
    gel = unclear["CM16-9000002"]
    # The words say nothing the taxonomy knows; the section says only "diagnostic testing".
    assert gel.procedure == "other" and gel.request_category == "Diagnostic Testing"
    assert gel.classification_signal == "section" and gel.classification_confidence < 0.7
    response = admin_client.get(reverse("admin:procedures_classificationreview_changelist"))
    assert response.status_code == 200
    listed = [item.pk for item in response.context["cl"].result_list]
    assert unclear["CM16-9000001"].pk not in listed
    assert {unclear[c].pk for c in ("CM16-9000002", "CM16-9000003", "CM16-9000004")} <= set(listed)
    confidences = [DisputedItem.objects.get(pk=pk).classification_confidence for pk in listed]
    assert confidences == sorted(confidences)
    page = admin_client.get(reverse("admin:procedures_classificationreview_change", args=[gel.pk]))
    assert page.status_code == 200
    assert "Special Studies" in page.content.decode() and "section" in page.content.decode()


def test_an_alias_reclassifies_every_decision_it_applies_to_and_survives(admin_client, unclear):
    gel, other_gel = unclear["CM16-9000002"], unclear["CM16-9000003"]
    IndexQueue.objects.all().delete()
    url = reverse("admin:procedures_classificationreview_change", args=[gel.pk])
    response = admin_client.post(
        url, {"chosen_procedure": "salicylate/menthol (topical)", "apply_as": "alias", "phrase": "Kera-Tek"}
    )
    assert response.status_code == 302, response.content[:2000]
    assert ProcedureAlias.objects.get().procedure == "salicylate/menthol (topical)"
    for item in (gel, other_gel):
        item.refresh_from_db()
        assert (item.procedure, item.request_category, item.classification_signal) == (
            "salicylate/menthol (topical)",
            "Pharmaceuticals › Topical Analgesics",
            "manual",
        )
    queued = set(IndexQueue.objects.filter(kind="determination").values_list("object_id", flat=True))
    assert {gel.determination_id, other_gel.determination_id} <= queued
    # The choice is data: reclassifying everything and re-parsing the letter keep it.
    call_command("reclassify", "--all", stdout=StringIO())
    reparse_letters([gel.determination_id])
    item = DisputedItem.objects.get(determination_id=gel.determination_id)
    assert (item.procedure, item.classification_signal) == ("salicylate/menthol (topical)", "manual")


def test_a_section_choice_applies_where_the_words_say_nothing(admin_client, unclear):
    vague, known = unclear["CM16-9000004"], unclear["CM16-9000001"]
    page = admin_client.get(reverse("admin:procedures_classificationreview_change", args=[vague.pk]))
    section = page.context["adminform"].form.fields["section"].queryset.get(title="Special Studies")
    response = admin_client.post(
        reverse("admin:procedures_classificationreview_change", args=[vague.pk]),
        {"chosen_procedure": "MRI", "apply_as": "section", "section": section.pk},
    )
    assert response.status_code == 302, response.content[:2000]
    assert SectionProcedure.objects.get().section == section
    vague.refresh_from_db()
    assert (vague.procedure, vague.request_category, vague.classification_signal) == (
        "MRI",
        "Diagnostic Testing › Imaging/Radiology",
        "manual",
    )
    known.refresh_from_db()
    assert known.classification_signal == "request"  # the request's own words still decide


def test_reclassify_report_prints_the_share_per_signal_and_the_other_share(unclear):
    out = StringIO()
    call_command("reclassify", "--report", stdout=out)
    text = out.getvalue()
    assert "classified per deciding signal:" in text
    assert "'other' (no procedure): 3/4 (75.0%)" in text
    assert "   1   25.0%  request" in text
    assert "review queue" in text and "Kera-Tek gel 4oz" in text
