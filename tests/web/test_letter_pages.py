"""List and determination pages on real letters; everything from a letter is escaped."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from cases.models import Determination
from pipeline.ingest import ingest_file

pytestmark = pytest.mark.django_db


def test_list_page(client, ingested):
    response = client.get(reverse("web:letters"))
    assert response.status_code == 200
    html = response.content.decode()
    # Failed records are left out of the list, with a link to them in the admin.
    rows = response.context["page"].object_list
    assert len(rows) == 6
    assert all(d.parse_status != "failed" for d in rows)
    assert "1 letter failed to parse" in html
    assert "/admin/cases/determination/?parse_status__exact=failed" in html
    # Newest decision first; the undated go last.
    dates = [d.decision_date for d in rows if d.decision_date]
    assert dates == sorted(dates, reverse=True)
    # Case number links, requests with badges, specialty.
    assert f'href="{reverse("web:letter", args=["CM16-0219557"])}"' in html
    assert "Facet joint injections L4-5, L5-S1" in html
    assert '<span class="badge Overturned">Overturned</span>' in html
    assert "Physical Medicine &amp; Rehabilitation" in html
    # The seed letter has no case number: linked by id.
    seed = Determination.objects.get(case_number=None, layout="2013")
    assert f'href="{reverse("web:letter_pk", args=[seed.pk])}"' in html


def test_list_page_filters_and_pagination(client, ingested, monkeypatch):
    response = client.get(reverse("web:letters"), {"decision": "Overturned"})
    assert [d.case_number for d in response.context["page"].object_list] == ["CM16-0229336"]
    response = client.get(reverse("web:letters"), {"specialty": "Family Practice"})
    assert {d.case_number for d in response.context["page"].object_list} == {"CM16-0221706", "CM16-0224814"}

    monkeypatch.setattr("web.letters.PAGE_SIZE", 4)
    first = client.get(reverse("web:letters"))
    second = client.get(reverse("web:letters"), {"page": 2})
    assert len(first.context["page"].object_list) == 4 and len(second.context["page"].object_list) == 2
    assert "?page=2" in first.content.decode()


def test_detail_page(client, ingested):
    det = Determination.objects.get(case_number="CM16-0219557")
    response = client.get(reverse("web:letter", args=["CM16-0219557"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "IMR case CM16-0219557" in html
    for fact in (
        "December 19, 2016",
        "November 18, 2016",
        "Standard",
        "Texas, New York, California",
        "Preventive Medicine, Occupational Medicine",
        "34-year-old",
    ):
        assert fact in html, fact
    assert '<span class="badge Upheld">Upheld</span>' in html
    # Citations by party, through the guidelines partial.
    assert html.count('class="citation kind-') == det.items.get().citations.count()
    assert "Low Back Complaints" in html
    # Rationale as paragraphs.
    assert "<p>No, the request for multilevel lumbar facet injections" in html
    assert "Clinical case summary" in html and "34-year-old male" in html


def test_detail_page_by_id_for_a_letter_without_case_number(client, ingested):
    seed = Determination.objects.get(case_number=None, layout="2013")
    response = client.get(reverse("web:letter_pk", args=[seed.pk]))
    assert response.status_code == 200
    assert seed.items.first().request[:30] in response.content.decode()


def test_failed_letter_page_shows_errors(client, ingested):
    failed = Determination.objects.get(parse_status="failed")
    response = client.get(reverse("web:letter_pk", args=[failed.pk]))
    assert response.status_code == 200
    assert "This letter failed to parse" in response.content.decode()


def test_404(client, db):
    assert client.get(reverse("web:letter", args=["CM99-0000000"])).status_code == 404
    assert client.get(reverse("web:letter_pk", args=[999999])).status_code == 404


def test_letter_text_is_escaped(client, db, dwc_txt_dir, tmp_path):
    text = (dwc_txt_dir / "CM16-0219557.txt").read_text(encoding="utf-8")
    hostile = text.replace(
        "Decision rationale: No, the request",
        'Decision rationale: <script>alert("x")</script> No, the <b onmouseover=steal()>request',
        1,
    ).replace("Facet joint injections L4-5, L5-S1:", "Facet <img src=x onerror=alert(1)> L4-5, L5-S1:", 1)
    path = tmp_path / "CM16-0219557.txt"
    path.write_text(hostile, encoding="utf-8")
    assert ingest_file(path).status == "new"
    item = Determination.objects.get().items.get()
    assert "<script>" in item.rationale and "<img" in item.request  # stored verbatim

    for url in (reverse("web:letter", args=["CM16-0219557"]), reverse("web:letters")):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html and "<b onmouseover" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html
    html = client.get(reverse("web:letter", args=["CM16-0219557"])).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert not re.search(r"<script\b", html.split("<main>", 1)[1])
