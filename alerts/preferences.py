"""A user's alert preferences (alerts.models.AlertPreference): on or off for all their saved
searches, and how often an e-mail may go out. The profile page edits them; alerts.send reads
them."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.db import transaction
from django.utils import timezone

from alerts.models import AlertPreference, SavedSearch

# The shortest time between two e-mails of one saved search, per frequency. Alerts are checked
# every hour (IMR_ALERTS_EVERY_SECONDS): a daily alert sent at 10:00:05 must go again at the
# 10:00 run the next day, not wait for 11:00, hence the slack.
INTERVALS = {
    AlertPreference.Frequency.HOURLY: timedelta(0),
    AlertPreference.Frequency.DAILY: timedelta(days=1),
    AlertPreference.Frequency.WEEKLY: timedelta(days=7),
}
SLACK = timedelta(minutes=15)


class AlertPreferenceForm(forms.ModelForm):
    class Meta:
        model = AlertPreference
        fields = ["enabled", "frequency"]
        labels = {"enabled": "E-mail me alerts for my saved searches", "frequency": "How often"}
        widgets = {"frequency": forms.RadioSelect}


def preference_for(user) -> AlertPreference:
    """The user's preferences (unsaved defaults when they never set any)."""
    try:
        return user.alert_preference
    except AlertPreference.DoesNotExist:
        return AlertPreference(user=user)


def save_preference(user, enabled: bool, frequency: str) -> AlertPreference:
    """Store them. Turning alerts back on starts every active saved search's window from now,
    as resuming one search does (no backlog of what came while they were off)."""
    with transaction.atomic():
        # From the database: a bound form has already written the new values on the instance.
        stored = AlertPreference.objects.filter(user=user).values_list("enabled", flat=True).first()
        was_enabled = True if stored is None else stored
        preference, _ = AlertPreference.objects.update_or_create(
            user=user, defaults={"enabled": enabled, "frequency": frequency}
        )
        if enabled and not was_enabled:
            SavedSearch.objects.filter(user=user, active=True).update(last_alerted_at=timezone.now())
    return preference


def waiting_for_frequency(saved: SavedSearch, now: datetime) -> bool:
    """True when the user's frequency says this saved search's next e-mail is not due yet (its
    window keeps growing: the e-mail, when due, brings everything since the last one)."""
    preference = preference_for(saved.user)
    interval = INTERVALS.get(preference.frequency, timedelta(0))
    if not interval or saved.last_sent_at is None:
        return False
    return now - saved.last_sent_at < interval - SLACK
