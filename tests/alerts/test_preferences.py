"""Alert preferences (set on the profile) as send_alerts honours them, over real letters: off
means no e-mail and, once back on, no backlog; daily means at most one e-mail a day, bringing
everything since the last. The oracle is the ORM (tests/support/oracle.py) and created_at."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alerts.models import AlertPreference, SavedSearch
from alerts.send import send_alerts
from cases.models import DisputedItem
from tests.support import oracle
from tests.support.alert_fixtures import LUMBAR_MRI_LETTER, copy_letter, ingest

pytestmark = pytest.mark.django_db(transaction=True)

LUMBAR = next(c for c in oracle.PROCEDURE_CASES if c.q == "lumbar MRI" and not c.filters)


def matching_since(since) -> int:
    return DisputedItem.objects.filter(pk__in=LUMBAR.expected(), determination__created_at__gt=since).count()


@pytest.fixture
def saved(client, django_user_model):
    user = django_user_model.objects.create_user("nurse", email="nurse@example.org", password="unused")
    client.force_login(user)
    assert client.post("/alerts/save/", {"query": "q=lumbar+MRI", "name": "Lumbar MRI"}).status_code == 302
    return SavedSearch.objects.get(user=user)


def set_preferences(client, enabled: bool, frequency: str):
    data = {"frequency": frequency, **({"enabled": "on"} if enabled else {})}
    response = client.post("/accounts/profile/alerts/", data)
    assert response.status_code == 302, response.content[:500]


def test_alerts_turned_off_send_nothing_and_resume_without_a_backlog(alert_corpus, client, saved, tmp_path):
    set_preferences(client, False, "hourly")
    page = client.get("/alerts/").content.decode()
    assert 'id="alerts-off"' in page and "paused (turned off in your profile)" in page
    ingest(copy_letter(LUMBAR_MRI_LETTER, "CM16-9900011", tmp_path / "a"))
    summary = send_alerts()
    assert (summary.checked, summary.sent, mail.outbox) == (0, 0, [])
    before = timezone.now()
    set_preferences(client, True, "hourly")
    saved.refresh_from_db()
    assert saved.last_alerted_at >= before  # what came while they were off is not sent
    assert send_alerts().sent == 0 and mail.outbox == []
    ingest(copy_letter(LUMBAR_MRI_LETTER, "CM16-9900012", tmp_path / "b"))
    expected = matching_since(saved.last_alerted_at)
    summary = send_alerts()
    assert (summary.sent, summary.decisions) == (1, expected) and expected >= 1


def test_daily_alerts_wait_for_the_day_and_bring_everything_since(alert_corpus, client, saved, tmp_path):
    set_preferences(client, True, "daily")
    assert AlertPreference.objects.get().frequency == "daily"
    assert "e-mailed at most once a day" in client.get("/alerts/").content.decode()
    cursor = SavedSearch.objects.get().last_alerted_at
    ingest(copy_letter(LUMBAR_MRI_LETTER, "CM16-9900021", tmp_path / "a"))
    first = send_alerts()
    assert first.sent == 1 and len(mail.outbox) == 1  # never sent before: sent now
    saved.refresh_from_db()
    sent_at = saved.last_sent_at
    ingest(copy_letter(LUMBAR_MRI_LETTER, "CM16-9900022", tmp_path / "b"))
    ingest(copy_letter(LUMBAR_MRI_LETTER, "CM16-9900023", tmp_path / "c"))
    later = send_alerts(now=sent_at + timedelta(hours=3))
    assert (later.sent, later.not_due, len(mail.outbox)) == (0, 1, 1), later.line()
    expected = matching_since(saved.last_alerted_at)
    assert expected == 2 * (matching_since(cursor) // 3)  # the two letters since the first e-mail
    next_day = send_alerts(now=sent_at + timedelta(hours=23, minutes=50))  # the next day's run
    assert (next_day.sent, next_day.decisions, len(mail.outbox)) == (1, expected, 2), next_day.line()
    assert "CM16-9900022" in mail.outbox[1].body and "CM16-9900023" in mail.outbox[1].body


def test_bad_preferences_are_a_400_naming_the_field(client, django_user_model):
    user = django_user_model.objects.create_user("nurse", password="unused")
    client.force_login(user)
    response = client.post("/accounts/profile/alerts/", {"enabled": "on", "frequency": "hourly; drop"})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not AlertPreference.objects.exists()


def test_a_run_reads_preferences_without_a_query_per_search(alert_corpus, django_user_model):
    """The preferences come with the saved searches (one join): a run's queries grow by the
    cursor update per search, never by a preference lookup."""
    now = timezone.now()

    def searches(n: int, start: int):
        for i in range(start, start + n):
            user = django_user_model.objects.create_user(f"user{i}", email=f"user{i}@example.org")
            AlertPreference.objects.create(user=user, frequency=["hourly", "daily", "weekly"][i % 3])
            SavedSearch.objects.create(user=user, name="Lumbar MRI", query="q=lumbar+MRI", last_alerted_at=now)

    def queries(run_at) -> int:
        with CaptureQueriesContext(connection) as captured:
            send_alerts(now=run_at)
        return len(captured)

    searches(3, 0)
    queries(now + timedelta(hours=1))  # the first run also reads the index's health (then cached)
    small = queries(now + timedelta(hours=2))
    searches(6, 3)
    large = queries(now + timedelta(hours=3))
    assert large - small == 6  # one cursor update for each added search, nothing else
