"""The admin as a records clerk uses it, on real ingested letters, signed in as a clerk (the
role's permissions, not a superuser's): lists edited one per line, a procedure and body region
chosen from the taxonomy (refused when not in it, kept by `reclassify --all`, given back to the
taxonomy on request), every save re-derived and queued for the index, no internal hash shown,
the review queue's problem first, and what a clerk may not do."""

from __future__ import annotations

import os
import re

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse

from accounts.roles import CLERK, assign_role
from cases.models import Determination, DisputedItem
from procedures.classify import MANUAL
from procedures.taxonomy import default_taxonomy
from search.models import IndexQueue
from tests.support.admin_forms import change_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk_client(client):
    clerk = User.objects.create_user("clerk", password="unused here")
    assign_role(clerk, CLERK)
    client.force_login(clerk)
    return client


def test_reviewer_lists_are_edited_one_per_line(clerk_client, ingested):
    det = Determination.objects.exclude(reviewer_specialty=[]).exclude(case_number=None).first()
    url = reverse("admin:cases_determination_change", args=[det.pk])
    page = clerk_client.get(url)
    html = page.content.decode()
    shown = re.search(r'<textarea name="reviewer_specialty"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert shown.strip() == "\n".join(det.reviewer_specialty) and "[" not in shown
    data = change_form_data(page)
    data["reviewer_licensure"] = "  Florida\n\nCalifornia  \n"
    data["reviewer_specialty"] = "Pain Medicine\nAnesthesiology"
    IndexQueue.objects.all().delete()
    response = clerk_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    det.refresh_from_db()
    assert (det.reviewer_licensure, det.reviewer_specialty) == (
        ["Florida", "California"],
        ["Pain Medicine", "Anesthesiology"],
    )
    assert list(IndexQueue.objects.values_list("kind", "object_id")) == [("determination", det.pk)]


def test_a_procedure_is_chosen_from_the_taxonomy_and_kept(clerk_client, ingested):
    item = DisputedItem.objects.get(determination__case_number="CM16-0229336")
    url = reverse("admin:cases_disputeditem_change", args=[item.pk])
    page = clerk_client.get(url)
    html = page.content.decode()
    tax = default_taxonomy()
    # The choices are the taxonomy's, offered to the browser's completion.
    assert 'list="id_procedure-options"' in html and '<datalist id="id_procedure-options">' in html
    assert all(f'<option value="{p.name}">' in html for p in tax.procedures[:20])
    assert '<option value="lumbar spine">' in html
    assert item.taxonomy_version not in html and "Taxonomy version" not in html  # no hash shown
    assert item.determination.sha256 not in html

    data = change_form_data(page)
    refused = clerk_client.post(url, {**data, "procedure": "lumbar zap therapy"})
    assert refused.status_code == 200
    assert "&#x27;lumbar zap therapy&#x27; is not a procedure of the taxonomy" in refused.content.decode()

    IndexQueue.objects.all().delete()
    chosen = {**data, "procedure": "radiofrequency ablation", "body_region": "cervical spine", "laterality": "left"}
    assert clerk_client.post(url, chosen).status_code == 302
    item.refresh_from_db()
    assert (item.procedure, item.procedure_category, item.body_region, item.laterality, item.taxonomy_version) == (
        "radiofrequency ablation",
        tax.procedure("radiofrequency ablation").category,
        "cervical spine",
        "left",
        MANUAL,
    )
    assert list(IndexQueue.objects.values_list("kind", "object_id")) == [("determination", item.determination_id)]
    assert (
        "chosen by hand"
        in clerk_client.get(reverse("admin:cases_determination_change", args=[item.determination_id])).content.decode()
    )

    # The taxonomy does not overrule a person: reclassifying every item keeps the choice.
    call_command("reclassify", "--all", stdout=open(os.devnull, "w"))
    item.refresh_from_db()
    assert (item.procedure, item.taxonomy_version) == ("radiofrequency ablation", MANUAL)

    # Until the clerk gives it back to the taxonomy.
    again = change_form_data(clerk_client.get(url))
    assert clerk_client.post(url, {**again, "reclassify": "on"}).status_code == 302
    item.refresh_from_db()
    assert item.taxonomy_version == tax.version and item.procedure != "radiofrequency ablation"


def test_the_review_queue_shows_the_problem_first(clerk_client, ingested):
    page = clerk_client.get("/admin/guidelines/citationlink/", {"queue": "open"}).content.decode()
    columns = re.findall(r'<th scope="col"\s+class="[^"]*\bcolumn-(\w+)', page)
    assert columns[0] == "problem_first", columns
    assert "NON_MTUS#" not in page


def test_what_a_clerk_may_not_do(clerk_client, ingested):
    det = Determination.objects.exclude(case_number=None).first()
    assert clerk_client.get(reverse("admin:cases_determination_delete", args=[det.pk])).status_code == 403
    assert clerk_client.get("/admin/auth/user/").status_code == 403
    assert clerk_client.get("/admin/authtoken/tokenproxy/").status_code == 403
    assert clerk_client.get(reverse("admin:cases_disputeditem_change", args=[det.items.first().pk])).status_code == 200
