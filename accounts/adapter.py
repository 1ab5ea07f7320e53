"""How django-allauth's flows fit the product: sign-up is open only with IMR_OPEN_SIGNUP or an
invitation opened in this browser; a new account gets the invitation's role (or reader)."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings

from accounts import invitations
from accounts.roles import READER, assign_role


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return settings.ACCOUNTS_OPEN_SIGNUP or invitations.pending(request) is not None

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            invitation = invitations.pending(request)
            role = invitation.role if invitation and invitations.claim(invitation, user) else READER
            assign_role(user, role)
            request.session.pop(invitations.SESSION_KEY, None)
        return user
