"""send_alerts over real letters ingested through the pipeline: a saved "lumbar MRI" search,
new letters (real letters copied under new case numbers) ingested after it was saved, and the
e-mail that must list exactly the new matching decisions. The oracle is tests/support/oracle.py
(the ORM and hand-written patterns) and the letters' created_at, never the search code."""

from __future__ import annotations

import re
import socket

import pytest
from django.core import mail
from django.utils import timezone

from alerts.models import AlertDelivery, SavedSearch
from alerts.send import send_alerts
from cases.models import Determination, DisputedItem
from search.sync import DETERMINATION, enqueue
from search.tasks import apply_pending
from tests.support import oracle
from tests.support.alert_fixtures import LUMBAR_MRI_LETTER, copy_letter, ingest

pytestmark = pytest.mark.django_db(transaction=True)

LUMBAR = next(c for c in oracle.PROCEDURE_CASES if c.q == "lumbar MRI" and not c.filters)
EMAIL = "nurse@example.org"
LISTED = re.compile(r"^\d+\. (\S+) \(decision (\d+)\): (\w+)$", re.M)


def new_matching(since) -> set[int]:
    """The oracle: lumbar MRI decisions of letters stored after `since`."""
    return set(
        DisputedItem.objects.filter(pk__in=LUMBAR.expected(), determination__created_at__gt=since).values_list(
            "pk", flat=True
        )
    )


def other_lumbar_mri_letter() -> str:
    cases = set(Determination.objects.filter(items__in=LUMBAR.expected()).values_list("case_number", flat=True))
    return sorted(cases - {LUMBAR_MRI_LETTER})[0]


def unrelated_letter() -> str:
    matching = set(Determination.objects.filter(items__in=LUMBAR.expected()).values_list("pk", flat=True))
    return Determination.objects.exclude(pk__in=matching).order_by("case_number").first().case_number


@pytest.fixture
def nurse(django_user_model):
    return django_user_model.objects.create_user("nurse", email=EMAIL, password="not-used-here")


def save(client, user, query="q=lumbar+MRI", name="Lumbar MRI") -> SavedSearch:
    client.force_login(user)
    response = client.post("/alerts/save/", {"query": query, "name": name})
    assert response.status_code == 302, response.content[:500]
    return SavedSearch.objects.get(user=user, query=query)


def test_new_matching_decisions_are_emailed_once(alert_corpus, client, nurse, tmp_path):
    saved = save(client, nurse)
    assert send_alerts().sent == 0 and mail.outbox == []  # nothing stored since it was saved
    saved.refresh_from_db()
    cursor = saved.last_alerted_at  # moved over the empty window
    new_cases = {
        "CM16-9900001": LUMBAR_MRI_LETTER,
        "CM16-9900002": other_lumbar_mri_letter(),
        "CM16-9900003": unrelated_letter(),
    }
    ingest(*(copy_letter(source, new, tmp_path / "new") for new, source in new_cases.items()))
    expected = new_matching(cursor)
    expected_cases = set(Determination.objects.filter(items__in=expected).values_list("case_number", flat=True))
    assert len(expected) >= 2 and expected_cases == {"CM16-9900001", "CM16-9900002"}

    summary = send_alerts()
    assert (summary.sent, summary.decisions, summary.failed) == (1, len(expected), 0), summary.line()
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [EMAIL]
    noun = "decision" if len(expected) == 1 else "decisions"
    assert email.subject == f"[IMR KB] {len(expected)} new {noun}: Lumbar MRI"
    listed = LISTED.findall(email.body)
    items = DisputedItem.objects.filter(pk__in=expected).select_related("determination")
    assert sorted(listed) == sorted((i.determination.case_number, str(i.order + 1), i.decision) for i in items)
    for item in items:
        assert f"https://kb.example.org/determinations/{item.determination.case_number}/" in email.body
        assert " ".join(item.request.split()) in email.body
    assert "https://kb.example.org/search/?q=lumbar+MRI" in email.body
    unsubscribe = re.search(r"Stop these alerts: https://kb\.example\.org(/alerts/unsubscribe/\S+/)", email.body).group(
        1
    )
    assert email.extra_headers["List-Unsubscribe"] == f"<https://kb.example.org{unsubscribe}>"

    saved.refresh_from_db()
    assert saved.last_alerted_at > cursor and saved.last_sent_at is not None
    delivery = AlertDelivery.objects.get(saved_search=saved)
    assert (delivery.status, delivery.decisions, delivery.window_start, delivery.recipient) == (
        "sent",
        len(expected),
        cursor,
        EMAIL,
    )

    again = send_alerts()
    assert (again.sent, len(mail.outbox)) == (0, 1), again.line()

    # The link works without signing in and turns the alerts off.
    client.logout()
    assert "Lumbar MRI" in client.get(unsubscribe).content.decode()
    assert client.post(unsubscribe).status_code == 200
    saved.refresh_from_db()
    assert not saved.active and saved.unsubscribed_at
    ingest(copy_letter(LUMBAR_MRI_LETTER, "CM16-9900004", tmp_path / "later"))
    assert send_alerts().checked == 0 and len(mail.outbox) == 1


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once it is closed


def test_a_failed_send_leaves_the_cursor(alert_corpus, client, nurse, settings, tmp_path):
    saved = save(client, nurse)
    cursor = saved.last_alerted_at
    ingest(copy_letter(LUMBAR_MRI_LETTER, "CM16-9900011", tmp_path / "new"))
    expected = new_matching(cursor)
    # A real SMTP connection to a port nobody listens on.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _closed_port(), 5
    failed = send_alerts()
    assert (failed.sent, failed.failed) == (0, 1) and "ConnectionRefusedError" in failed.errors[0]
    saved.refresh_from_db()
    assert saved.last_alerted_at == cursor and saved.last_sent_at is None
    assert AlertDelivery.objects.get(saved_search=saved).status == "failed"

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    retried = send_alerts()
    assert (retried.sent, retried.decisions) == (1, len(expected)) and len(mail.outbox) == 1
    assert sorted(AlertDelivery.objects.filter(saved_search=saved).values_list("status", flat=True)) == [
        "failed",
        "sent",
    ]


def test_the_window_waits_for_letters_not_yet_searchable(alert_corpus, client, nurse, settings, tmp_path):
    """A letter committed but still in the index queue, or stored within the settle time, is not
    passed over: it is sent by a later run."""
    saved = save(client, nurse)
    ingest(copy_letter(LUMBAR_MRI_LETTER, "CM16-9900021", tmp_path / "new"))
    letter = Determination.objects.get(case_number="CM16-9900021")
    expected = new_matching(saved.last_alerted_at)
    enqueue(DETERMINATION, [letter.pk])  # as if its index update had not been applied yet
    waiting = send_alerts()
    saved.refresh_from_db()
    assert waiting.sent == 0 and mail.outbox == [] and saved.last_alerted_at < letter.created_at
    apply_pending()

    settings.ALERTS_SETTLE_SECONDS = 3600
    assert send_alerts().sent == 0 and mail.outbox == []
    later = send_alerts(now=timezone.now() + timezone.timedelta(hours=2))
    assert (later.sent, later.decisions) == (1, len(expected)) and len(mail.outbox) == 1
