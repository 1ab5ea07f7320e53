"""Admin smoke tests on real ingested letters: changelists, every filter, search, change pages, re-parse."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.models import Determination, DeterminationRevision, DisputedItem, GuidelineCitation
from search.models import IndexQueue

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:cases_determination_changelist"


def changelist(admin_client, **params):
    response = admin_client.get(reverse(CHANGELIST), params)
    assert response.status_code == 200, response.content[:500]
    return response


def shown(response) -> set[str]:
    return {str(obj) for obj in response.context["cl"].result_list}


def test_changelist_columns(admin_client, ingested):
    response = changelist(admin_client)
    assert len(shown(response)) == 7
    html = response.content.decode()
    for header in ("Items", "Outcome", "Specialty", "Parse status", "Decision date"):
        assert header in html
    assert "1 upheld" in html and "1 overturned" in html
    assert "Preventive Medicine, Occupational Medicine" in html


def test_changelist_filters(admin_client, ingested):
    assert shown(changelist(admin_client, item_decision="Overturned")) == {"CM16-0229336"}
    upheld = shown(changelist(admin_client, item_decision="Upheld"))
    assert "CM16-0219557" in upheld and "CM16-0229336" not in upheld

    assert shown(changelist(admin_client, specialty="Family Practice")) == {"CM16-0221706", "CM16-0224814"}
    # Whole-element match: "Medicine" alone is no specialty of anyone.
    assert shown(changelist(admin_client, specialty="Medicine")) == set()
    response = changelist(admin_client)
    choices = [
        c["display"]
        for spec in response.context["cl"].filter_specs
        if getattr(spec, "parameter_name", "") == "specialty"
        for c in spec.choices(response.context["cl"])
    ]
    assert "Physical Medicine & Rehabilitation" in choices and "Family Practice" in choices

    years = {d.decision_date.year for d in Determination.objects.exclude(decision_date=None)}
    for year in years:
        expected = {str(d) for d in Determination.objects.filter(decision_date__year=year)}
        assert shown(changelist(admin_client, decision_year=str(year))) == expected

    assert shown(changelist(admin_client, priority__exact="Standard")) == {
        str(d) for d in Determination.objects.filter(priority="Standard")
    }
    failed = shown(changelist(admin_client, parse_status__exact="failed"))
    assert len(failed) == 1 and "broken.pdf" in next(iter(failed))


def test_changelist_search(admin_client, ingested):
    assert shown(changelist(admin_client, q="CM16-0224814")) == {"CM16-0224814"}
    assert shown(changelist(admin_client, q="Viagra")) == {"CM16-0221706"}  # items__request
    assert len(shown(changelist(admin_client, q="broken.pdf"))) == 1  # source name


def test_change_pages(admin_client, ingested):
    det = Determination.objects.get(case_number="CM16-0219557")
    response = admin_client.get(reverse("admin:cases_determination_change", args=[det.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Facet joint injections L4-5, L5-S1" in html
    assert "MAXIMUS reviewer:" in html  # read-only citation summary per item
    assert "Edit this item and its citations" in html

    item = det.items.get(order=0)
    response = admin_client.get(reverse("admin:cases_disputeditem_change", args=[item.pk]))
    assert response.status_code == 200
    assert "citations-TOTAL_FORMS" in response.content.decode()  # citations inline

    citation = GuidelineCitation.objects.filter(item=item).first()
    assert admin_client.get(reverse("admin:cases_guidelinecitation_change", args=[citation.pk])).status_code == 200

    failed = Determination.objects.get(parse_status="failed")
    response = admin_client.get(reverse("admin:cases_determination_change", args=[failed.pk]))
    assert response.status_code == 200 and "truncated" in response.content.decode()


def test_other_changelists(admin_client, ingested):
    for name, params in [
        ("disputeditem", {}),
        ("disputeditem", {"decision__exact": "Upheld"}),
        ("disputeditem", {"q": "MRI"}),
        ("guidelinecitation", {}),
        ("guidelinecitation", {"kind__exact": "MTUS"}),
        ("guidelinecitation", {"party__exact": "maximus"}),
        ("determinationrevision", {}),
    ]:
        response = admin_client.get(reverse(f"admin:cases_{name}_changelist"), params)
        assert response.status_code == 200, (name, params)


def test_revision_admin_is_read_only(admin_client, ingested, dwc_txt_dir, tmp_path):
    from pipeline.ingest import ingest_file

    path = tmp_path / "CM16-0219557.txt"
    path.write_text((dwc_txt_dir / path.name).read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert ingest_file(path).status == "updated"
    revision = DeterminationRevision.objects.get()
    response = admin_client.get(reverse("admin:cases_determinationrevision_change", args=[revision.pk]))
    assert response.status_code == 200
    assert b'name="previous_sha256"' not in response.content  # shown, not editable
    assert admin_client.get(reverse("admin:cases_determinationrevision_add")).status_code == 403


def test_reparse_action(admin_client, ingested):
    det = Determination.objects.get(case_number="CM16-0224814")
    n_items = det.items.count()
    det.items.all().delete()
    det.reviewer_specialty = []
    det.save()
    IndexQueue.objects.all().delete()
    response = admin_client.post(
        reverse(CHANGELIST),
        {
            "action": "reparse_selected",
            "_selected_action": [det.pk],
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "Re-parsed 1 letter(s); 0 failed." in response.content.decode()
    det.refresh_from_db()
    assert det.items.count() == n_items
    assert det.reviewer_specialty == ["Family Practice"]
    # Queued for the index (applied once the admin's transaction commits).
    assert list(IndexQueue.objects.values_list("kind", "object_id")) == [("determination", det.pk)]
    assert DisputedItem.objects.filter(determination=det, citations__isnull=False).exists()


def test_reparse_action_reports_a_failed_letter(admin_client, ingested):
    failed = Determination.objects.get(parse_status="failed")
    response = admin_client.post(
        reverse(CHANGELIST),
        {
            "action": "reparse_selected",
            "_selected_action": [failed.pk],
        },
        follow=True,
    )
    assert "0 letter(s); 1 failed" in response.content.decode()


def test_hand_edit_of_an_item_is_rederived_and_queued(admin_client, ingested):
    item = DisputedItem.objects.get(determination__case_number="CM16-0229336")
    url = reverse("admin:cases_disputeditem_change", args=[item.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data.update(request=item.request, decision="Upheld", determination=item.determination_id, order=item.order)
    citations = list(item.citations.order_by("pk"))
    data.update(
        {
            "citations-TOTAL_FORMS": str(len(citations)),
            "citations-INITIAL_FORMS": str(len(citations)),
            "citations-MIN_NUM_FORMS": "0",
            "citations-MAX_NUM_FORMS": "1000",
        }
    )
    for n, c in enumerate(citations):
        data.update(
            {
                f"citations-{n}-id": c.pk,
                f"citations-{n}-item": item.pk,
                f"citations-{n}-party": c.party,
                f"citations-{n}-order": c.order,
                f"citations-{n}-kind": c.kind,
                f"citations-{n}-document": c.document or "",
                f"citations-{n}-year": c.year or "",
                f"citations-{n}-sections": "\n".join(c.sections),  # one per line, as the admin shows them
                f"citations-{n}-pages": c.pages or "",
                f"citations-{n}-clause": c.clause,
            }
        )
    data["request"] = "Lumbar medial branch block at L4-5"  # a new request: a new procedure
    IndexQueue.objects.all().delete()
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    item.refresh_from_db()
    assert item.decision == "Upheld"
    # The taxonomy is derived again from the edited request, and the letter queued for the index.
    assert (item.procedure, item.body_region) == ("medial branch block", "lumbar spine")
    assert list(IndexQueue.objects.values_list("kind", "object_id")) == [("determination", item.determination_id)]


def test_deleting_a_letter_in_the_admin_removes_it_from_the_index(admin_client, ingested):
    det = Determination.objects.get(case_number="CM16-0224814")
    response = admin_client.post(reverse("admin:cases_determination_delete", args=[det.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Determination.objects.filter(pk=det.pk).exists()
    assert list(IndexQueue.objects.filter(object_id=det.pk).values_list("kind", "action")) == [
        ("determination", "delete")
    ]
