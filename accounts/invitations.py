"""Inviting someone and accepting an invitation.

    invitation, link = invite("nurse@example.org", CLERK, invited_by=admin, request=request)

sends the e-mail (allauth's mailer: the subject prefix and the from address are the site's) and
returns the link; the link is not stored (only its key's SHA-256 is). Opening it (views.accept)
keeps the key in the session and sends the visitor to the sign-up form with the address filled
in and counted as verified; the sign-up (adapter.AccountAdapter.save_user) claims the invitation
once, and gives the new account its role.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.utils import timezone

from accounts.models import Invitation, key_digest

SESSION_KEY = "accounts.invitation_key"


class InvitationError(ValueError):
    """The link names no invitation that can still be accepted (the message says why)."""


def invitation_path(key: str) -> str:
    return f"/accounts/invitations/{key}/"


def invite(email: str, role: str, invited_by=None, request=None) -> tuple[Invitation, str]:
    key = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation = Invitation.objects.create(
        email=email.strip(),
        role=role,
        key_hash=key_digest(key),
        invited_by=invited_by,
        created_at=now,
        expires_at=now + timedelta(days=settings.ACCOUNTS_INVITATION_DAYS),
    )
    path = invitation_path(key)
    link = request.build_absolute_uri(path) if request is not None else settings.SITE_URL + path
    get_adapter(request).send_mail(
        "accounts/email/invitation",
        invitation.email,
        {
            "invitation": invitation,
            "link": link,
            "inviter": invited_by.get_username() if invited_by else "An administrator",
            "days": settings.ACCOUNTS_INVITATION_DAYS,
            "site_url": settings.SITE_URL,
        },
    )
    return invitation, link


def find(key: str) -> Invitation:
    """The invitation a link's key names, if it can still be accepted; InvitationError if not."""
    invitation = Invitation.objects.filter(key_hash=key_digest(key or "")).first()
    if invitation is None:
        raise InvitationError("This invitation link is not valid (it may have been cut short in the e-mail).")
    state = invitation.state
    if state == "accepted":
        raise InvitationError("This invitation has been used already: sign in with the account it created.")
    if state == "revoked":
        raise InvitationError("This invitation was withdrawn. Ask for a new one.")
    if state == "expired":
        raise InvitationError(
            f"This invitation expired on {timezone.localtime(invitation.expires_at):%Y-%m-%d}. Ask for a new one."
        )
    return invitation


def pending(request) -> Invitation | None:
    """The invitation this browser opened, while it can still be accepted."""
    key = request.session.get(SESSION_KEY)
    if not key:
        return None
    try:
        return find(key)
    except InvitationError:
        return None


def claim(invitation: Invitation, user) -> bool:
    """Mark the invitation used by `user`; False when another sign-up used it first."""
    return bool(
        Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True).update(
            accepted_at=timezone.now(), accepted_by=user
        )
    )


def revoke(invitation: Invitation) -> None:
    Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(revoked_at=timezone.now())
