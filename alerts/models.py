"""Saved searches and the alerts sent for them.

A saved search is a query string as /search/ takes it (q, filters, widen, dates), a user's, with
a cursor: the decisions of letters stored after `last_alerted_at` are what the next alert
brings (alerts.send). Each alert e-mail is an AlertDelivery, claimed before it is sent: at most
one live delivery per (saved search, window start), so two concurrent runs never send the same
window twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class SavedSearch(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches")
    name = models.CharField(max_length=200)
    query = models.CharField(max_length=2000, help_text="The query string as /search/ takes it (without '?')")
    created_at = models.DateTimeField(default=timezone.now)
    # The cursor: decisions of letters stored after this are new to the user.
    last_alerted_at = models.DateTimeField(default=timezone.now)
    # When the last e-mail went out (the cursor also moves, without an e-mail, over empty windows).
    last_sent_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "query"], name="one_saved_search_per_query")]
        verbose_name_plural = "saved searches"

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"

    @property
    def search_url(self) -> str:
        return "/search/" + (f"?{self.query}" if self.query else "")


class AlertDelivery(models.Model):
    class Status(models.TextChoices):
        SENDING = "sending"  # claimed by a run, e-mail under way
        SENT = "sent"
        FAILED = "failed"  # the send failed (or its run died); the cursor did not move

    saved_search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="deliveries")
    # The letters it covers: stored after window_start, not after window_end.
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.SENDING)
    decisions = models.PositiveIntegerField(default=0)
    recipient = models.EmailField(blank=True)
    subject = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "alert deliveries"
        constraints = [
            # The claim: one delivery per window that is sending or sent. A second run trying to
            # claim the same window gets an IntegrityError and leaves it alone.
            models.UniqueConstraint(
                fields=["saved_search", "window_start"],
                condition=~Q(status="failed"),
                name="one_live_delivery_per_window",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.saved_search.name}: {self.decisions} decisions ({self.status})"


class AlertPreference(models.Model):
    """A user's alert settings (set on their profile, /accounts/profile/). No row: alerts on,
    hourly."""

    class Frequency(models.TextChoices):
        HOURLY = "hourly", "As they come (checked every hour)"
        DAILY = "daily", "At most once a day"
        WEEKLY = "weekly", "At most once a week"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_preference")
    enabled = models.BooleanField(default=True, help_text="Off: no alert e-mail for any saved search")
    frequency = models.CharField(max_length=8, choices=Frequency.choices, default=Frequency.HOURLY)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user}: {'on' if self.enabled else 'off'}, {self.frequency}"
