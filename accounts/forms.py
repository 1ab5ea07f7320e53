"""Forms: allauth's sign-in form as accounts an administrator made need it, and the invitation
form."""

from __future__ import annotations

from allauth.account.app_settings import EmailVerificationMethod
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.models import EmailAddress
from django import forms

from accounts.roles import ROLE_CHOICES


class LoginForm(AllauthLoginForm):
    """allauth's sign-in. An account an administrator created (in the admin or with
    `createsuperuser`) has no address recorded by a sign-up: its e-mail, if any, was entered by
    the administrator, so it is not held at a "verify your e-mail" page (allauth would send a
    link, or with no address leave it stuck there). Signed-up accounts verify as usual."""

    def login(self, request, redirect_url=None):
        login = getattr(self, "_login", None)
        if login is not None and not EmailAddress.objects.filter(user=self.user).exists():
            login.email_verification = EmailVerificationMethod.OPTIONAL
        return super().login(request, redirect_url=redirect_url)


class InvitationForm(forms.Form):
    email = forms.EmailField(label="E-mail address", max_length=254)
    role = forms.ChoiceField(choices=ROLE_CHOICES, initial="reader")
