"""Invitations: a staff member invites an address with a role; the e-mailed link lets its holder
create an account (with that role) even when sign-up is closed. The link's key is shown once, in
the e-mail: the database keeps its SHA-256 only."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.roles import READER, ROLE_CHOICES


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class Invitation(models.Model):
    email = models.EmailField(help_text="Where the invitation is sent")
    role = models.CharField(max_length=16, choices=ROLE_CHOICES, default=READER)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations_accepted"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["email"])]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()}, {self.state})"

    @property
    def state(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"
