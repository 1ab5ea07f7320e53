"""Saving a search, the saved-searches page, the unsubscribe link and signing in, through the
real views (the search page and the counts over real letters in a tmp embedded index)."""

from __future__ import annotations

from html import unescape

import pytest
from django.core import signing

from alerts.models import SavedSearch
from alerts.send import unsubscribe_token
from cases.models import DisputedItem
from tests.support import oracle
from tests.support.alert_fixtures import LUMBAR_MRI_LETTER, copy_letter, ingest

LUMBAR = next(c for c in oracle.PROCEDURE_CASES if c.q == "lumbar MRI" and not c.filters)


@pytest.fixture
def nurse(django_user_model):
    return django_user_model.objects.create_user("nurse", email="nurse@example.org", password="correct horse 42")


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.post("/alerts/save/", {"query": "q=lumbar+MRI"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fsearch%2F%3Fq%3Dlumbar%2BMRI"
    assert SavedSearch.objects.count() == 0
    assert client.get("/alerts/")["Location"] == "/accounts/login/?next=/alerts/"
    assert client.get("/alerts/save/").status_code == 405


@pytest.mark.django_db
def test_sign_in_with_the_login_form_and_its_throttling(client, nurse, settings):
    page = client.get("/accounts/login/?next=/search/%3Fq%3DMBB")
    assert page.status_code == 200 and 'name="next" value="/search/?q=MBB"' in page.content.decode()
    ok = client.post("/accounts/login/", {"login": "nurse", "password": "correct horse 42", "next": "/alerts/"})
    assert ok.status_code == 302 and ok["Location"] == "/alerts/"
    assert client.get("/alerts/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/alerts/").status_code == 302
    # django-axes counts failures of this login form as of the admin's.
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"login": "nurse", "password": "wrong"})
    locked = client.post("/accounts/login/", {"login": "nurse", "password": "correct horse 42"})
    assert locked.status_code == 429 and "Too many failed logins" in locked.content.decode()


@pytest.mark.django_db
def test_saving_validates_and_canonicalises_the_query(client, nurse):
    client.force_login(nurse)
    response = client.post(
        "/alerts/save/", {"query": "q=lumbar+MRI&sort=-date&page=3&decision=Upheld", "name": "Lumbar\nMRI  "}
    )
    assert response.status_code == 302 and response["Location"].startswith("/alerts/?saved=")
    saved = SavedSearch.objects.get()
    assert (saved.query, saved.name, saved.active) == ("q=lumbar+MRI&decision=Upheld", "Lumbar MRI", True)
    client.post("/alerts/save/", {"query": "decision=Upheld&q=lumbar+MRI", "name": ""})
    assert SavedSearch.objects.count() == 1 and SavedSearch.objects.get().name == "lumbar MRI · decision: Upheld"
    bad = client.post("/alerts/save/", {"query": "q=MRI&date_from=2017-13-01"})
    assert bad.status_code == 400 and "date_from" in bad.content.decode()
    sections = client.post("/alerts/save/", {"query": "q=opioids&target=sections"})
    assert sections.status_code == 400 and "guideline sections" in sections.content.decode()
    assert SavedSearch.objects.count() == 1


@pytest.mark.django_db
def test_unsubscribe_link_is_signed(client, nurse):
    saved = SavedSearch.objects.create(user=nurse, name="Norco", query="q=Norco")
    token = unsubscribe_token(saved)
    page = client.get(f"/alerts/unsubscribe/{token}/")
    assert page.status_code == 200 and "Norco" in page.content.decode() and saved.active
    tampered = signing.dumps({"id": saved.pk + 1}, salt="another salt")
    for bad in (tampered, token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "nonsense"):
        response = client.post(f"/alerts/unsubscribe/{bad}/")
        assert response.status_code == 400 and "not valid" in response.content.decode()
    saved.refresh_from_db()
    assert saved.active
    done = client.post(f"/alerts/unsubscribe/{token}/")
    assert done.status_code == 200 and "are off" in done.content.decode()
    saved.refresh_from_db()
    assert not saved.active and saved.unsubscribed_at
    saved.delete()
    assert client.get(f"/alerts/unsubscribe/{token}/").status_code == 404


@pytest.mark.django_db
def test_only_the_owner_can_change_a_saved_search(client, nurse, django_user_model):
    other = django_user_model.objects.create_user("adjuster", email="a@example.org")
    theirs = SavedSearch.objects.create(user=other, name="TENS", query="q=TENS")
    client.force_login(nurse)
    assert client.post(f"/alerts/{theirs.pk}/delete/").status_code == 404
    assert client.post(f"/alerts/{theirs.pk}/active/", {"active": "0"}).status_code == 404
    assert "TENS" not in client.get("/alerts/").content.decode()
    assert SavedSearch.objects.filter(pk=theirs.pk, active=True).exists()


@pytest.mark.django_db(transaction=True)
def test_search_page_save_button_and_the_list_page(
    alert_corpus, client, nurse, tmp_path, django_assert_max_num_queries
):
    anonymous = client.get("/search/?q=lumbar+MRI").content.decode()
    assert 'id="save-search"' in anonymous and "Sign in</a> to save this search" in anonymous
    client.force_login(nurse)
    page = client.get("/search/?q=lumbr+mri&sort=-date").content.decode()  # a typo the page corrects
    assert 'action="/alerts/save/"' in page and 'name="query" value="q=lumbar+mri"' in page
    client.post("/alerts/save/", {"query": "q=lumbar+mri", "name": "Lumbar MRI"})
    client.post("/alerts/save/", {"query": "q=Norco", "name": "Norco"})
    saved = SavedSearch.objects.get(query="q=lumbar+mri")

    ingest(copy_letter(LUMBAR_MRI_LETTER, "CM16-9900031", tmp_path / "new"))
    new = DisputedItem.objects.filter(
        pk__in=LUMBAR.expected(), determination__created_at__gt=saved.last_alerted_at
    ).count()
    assert new >= 1
    with django_assert_max_num_queries(6):
        listing = client.get("/alerts/")
    html = listing.content.decode()
    row = unescape(html.split(f'id="saved-{saved.pk}"')[1].split("</tr>")[0])
    assert f"<strong>{new}</strong> since" in row and "none yet" in row and 'href="/search/?q=lumbar+mri"' in row
    norco = unescape(html.split('class="search-link">Norco</a>')[1].split("</tr>")[0])
    assert "<strong>0</strong> since" in norco

    client.post(f"/alerts/{saved.pk}/active/", {"active": "0"})
    saved.refresh_from_db()
    assert not saved.active and "Resume alerts" in client.get("/alerts/").content.decode()
    client.post(f"/alerts/{saved.pk}/delete/")
    assert not SavedSearch.objects.filter(pk=saved.pk).exists()
