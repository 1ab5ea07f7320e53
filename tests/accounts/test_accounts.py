"""Accounts through the real views, allauth's flows and Django's locmem mailer: an invitation
sent, opened and accepted (the role it carries), sign-up closed without one and open with the
setting (with e-mail verification before the first sign-in), password reset, changing one's
e-mail (it takes effect once verified), the API token (shown once, revocable), the invitation
page's permission, and django-axes counting sign-ins by e-mail address."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import Invitation
from accounts.roles import ADMINISTRATOR, CLERK, READER, assign_role, role_of
from alerts.models import SavedSearch

pytestmark = pytest.mark.django_db

PASSWORD = "a clerk's long passphrase 9"
LINK = re.compile(r"https?://testserver(/accounts/\S+/)")


@pytest.fixture
def administrator():
    user = User.objects.create_user("boss", email="boss@example.org", password=PASSWORD)
    assign_role(user, ADMINISTRATOR)
    return user


def link_in(message) -> str:
    found = LINK.search(message.body)
    assert found, message.body
    return found.group(1)


def invite(client, administrator, email="clerk@example.org", role=CLERK) -> str:
    client.force_login(administrator)
    response = client.post("/accounts/invitations/", {"email": email, "role": role})
    assert response.status_code == 302, response.content[:800]
    client.logout()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [email]
    assert mail.outbox[0].subject == "[IMR KB] You are invited to the IMR Knowledge Base"
    return link_in(mail.outbox[0])


def signup(client, email, username, **extra):
    return client.post(
        "/accounts/signup/",
        {"email": email, "username": username, "password1": PASSWORD, "password2": PASSWORD, **extra},
    )


def test_an_invitation_makes_an_account_with_its_role(client, administrator):
    link = invite(client, administrator)
    invitation = Invitation.objects.get()
    assert invitation.state == "pending" and invitation.key_hash not in link  # only the digest is stored
    opened = client.get(link)
    assert opened.status_code == 302 and opened["Location"] == "/accounts/signup/?email=clerk%40example.org"
    form = client.get(opened["Location"]).content.decode()
    assert 'value="clerk@example.org"' in form and 'id="signup-form"' in form

    done = signup(client, "clerk@example.org", "clerk")
    assert done.status_code == 302, done.content[:800]
    user = User.objects.get(username="clerk")
    assert (role_of(user), user.is_staff, user.is_superuser, user.email) == (CLERK, True, False, "clerk@example.org")
    assert user.has_perm("cases.add_ingestjob") and user.has_perm("cases.change_disputeditem")
    assert not user.has_perm("cases.delete_determination") and not user.has_perm("auth.change_user")
    # The invitation reached the address: it is verified, and the new account is signed in.
    assert EmailAddress.objects.get(user=user).verified
    assert client.get("/accounts/profile/").status_code == 200
    invitation.refresh_from_db()
    assert (invitation.state, invitation.accepted_by) == ("accepted", user)
    assert len(mail.outbox) == 1  # no verification mail needed

    client.logout()
    again = client.get(link)
    assert again.status_code == 410 and "used already" in again.content.decode()


def test_invitation_links_that_cannot_be_accepted_say_why(client, administrator):
    link = invite(client, administrator, email="late@example.org", role=READER)
    assert "not valid" in client.get("/accounts/invitations/not-a-key/").content.decode()
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    expired = client.get(link)
    assert expired.status_code == 410 and "expired on" in expired.content.decode()
    Invitation.objects.update(expires_at=timezone.now() + timedelta(days=1))
    client.force_login(administrator)
    pk = Invitation.objects.get().pk
    assert client.post(f"/accounts/invitations/{pk}/revoke/").status_code == 302
    client.logout()
    assert "withdrawn" in client.get(link).content.decode()
    assert not User.objects.filter(email="late@example.org").exists()


def test_sign_up_is_closed_without_an_invitation(client):
    page = client.get("/accounts/signup/")
    assert page.status_code == 200 and "Sign Up Closed" in page.content.decode()
    signup(client, "someone@example.org", "someone")
    assert not User.objects.filter(username="someone").exists()
    assert "by invitation" in client.get("/accounts/login/").content.decode()


def test_open_sign_up_verifies_the_address_before_the_first_sign_in(client, settings):
    settings.ACCOUNTS_OPEN_SIGNUP = True
    assert 'id="sign-up-link"' in client.get("/").content.decode()
    response = signup(client, "reader@example.org", "reader")
    assert response.status_code == 302 and response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(username="reader")
    assert role_of(user) == READER and not user.is_staff
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["reader@example.org"]
    # Not signed in until verified: the sign-in form answers with "verify your e-mail".
    blocked = client.post("/accounts/login/", {"login": "reader", "password": PASSWORD})
    assert blocked.status_code == 302 and blocked["Location"] == "/accounts/confirm-email/"
    assert client.get("/accounts/profile/").status_code == 302
    confirm = link_in(mail.outbox[-1])
    assert "Confirm" in client.get(confirm).content.decode()
    assert client.post(confirm).status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    signed_in = client.post("/accounts/login/", {"login": "reader@example.org", "password": PASSWORD})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/alerts/"


def test_password_reset_by_e_mail(client):
    user = User.objects.create_user("nurse", email="nurse@example.org", password="forgotten one 1")
    assert client.post("/accounts/password/reset/", {"email": "nurse@example.org"}).status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nurse@example.org"]
    form_url = client.get(link_in(mail.outbox[0]))["Location"]  # allauth hides the key behind a redirect
    done = client.post(form_url, {"password1": PASSWORD, "password2": PASSWORD})
    assert done.status_code == 302, done.content[:800]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    # An address nobody has: the same answer (no account enumeration), and no e-mail.
    assert client.post("/accounts/password/reset/", {"email": "nobody@example.org"}).status_code == 302
    assert len(mail.outbox) == 1


def test_an_e_mail_change_takes_effect_once_verified(client):
    user = User.objects.create_user("adjuster", password=PASSWORD)  # made by an administrator, no address
    client.force_login(user)
    page = client.get("/accounts/profile/").content.decode()
    assert "none: alerts cannot be sent" in page and "Set your e-mail" in page
    assert client.post("/accounts/email/", {"email": "adjuster@example.org", "action_add": ""}).status_code == 302
    user.refresh_from_db()
    assert user.email == "" and len(mail.outbox) == 1
    assert "changing to adjuster@example.org" in client.get("/accounts/profile/").content.decode()
    client.post(link_in(mail.outbox[0]))
    user.refresh_from_db()
    assert user.email == "adjuster@example.org"
    assert EmailAddress.objects.get(user=user, primary=True).verified


def test_an_account_an_administrator_made_signs_in_without_verifying(client):
    User.objects.create_user("nurse", email="nurse@example.org", password=PASSWORD)
    response = client.post("/accounts/login/", {"login": "nurse@example.org", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/alerts/"
    assert mail.outbox == []


def test_the_api_token_is_shown_once_and_can_be_revoked(client):
    user = User.objects.create_user("reader", email="r@example.org", password=PASSWORD)
    assign_role(user, READER)
    client.force_login(user)
    assert "You have no token." in client.get("/accounts/profile/").content.decode()
    created = client.post("/accounts/token/", {"action": "create"})
    key = Token.objects.get(user=user).key
    assert created.status_code == 200 and f'<code id="new-token">{key}</code>' in created.content.decode()
    assert "no-store" in created["Cache-Control"]
    later = client.get("/accounts/profile/").content.decode()
    assert key not in later and "You have a token, created" in later

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/jobs/").status_code == 200
    refused = api.post("/api/letters/", {}, format="multipart")  # a reader may not upload
    assert refused.status_code == 403 and "clerks and administrators" in refused.json()["detail"]

    client.post("/accounts/token/", {"action": "create"})  # a new one replaces it
    assert Token.objects.get(user=user).key != key and api.get("/api/jobs/").status_code == 401
    assert client.post("/accounts/token/", {"action": "revoke"}).status_code == 302
    assert not Token.objects.filter(user=user).exists()


def test_only_administrators_invite(client, administrator):
    for role in (READER, CLERK):
        user = User.objects.create_user(role, password=PASSWORD)
        assign_role(user, role)
        client.force_login(user)
        assert client.get("/accounts/invitations/").status_code == 403
        assert (
            client.post("/accounts/invitations/", {"email": "x@example.org", "role": "administrator"}).status_code
            == 403
        )
    assert not Invitation.objects.exists() and mail.outbox == []
    client.force_login(administrator)
    bad = client.post("/accounts/invitations/", {"email": "not an address", "role": "emperor"})
    assert bad.status_code == 400
    assert "Enter a valid email address." in bad.content.decode() and "emperor is not one" in bad.content.decode()
    assert "Invite people" in client.get("/accounts/profile/").content.decode()


def test_roles_open_the_admin_to_clerks_and_administrators(client, administrator):
    reader = User.objects.create_user("reader", password=PASSWORD)
    assign_role(reader, READER)
    clerk = User.objects.create_user("clerk", password=PASSWORD)
    assign_role(clerk, CLERK)
    client.force_login(reader)
    assert client.get("/admin/cases/disputeditem/").status_code == 302  # to the admin's login
    client.force_login(clerk)
    assert client.get("/admin/cases/disputeditem/").status_code == 200
    assert client.get("/admin/guidelines/citationlink/").status_code == 200
    assert client.get("/admin/auth/user/").status_code == 403
    assert client.get("/admin/accounts/invitation/").status_code == 403
    client.force_login(administrator)
    users = client.get("/admin/auth/user/").content.decode()
    assert "Clerk" in users and "Administrator" in users
    # Changing a role from the user list keeps group, staff and superuser flags in step.
    client.post("/admin/auth/user/", {"action": "make_reader", "_selected_action": [clerk.pk]})
    clerk.refresh_from_db()
    assert (role_of(clerk), clerk.is_staff) == (READER, False)


def test_failed_sign_ins_by_e_mail_are_throttled(client, settings):
    User.objects.create_user("nurse", email="nurse@example.org", password=PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"login": "nurse@example.org", "password": "wrong"})
    locked = client.post("/accounts/login/", {"login": "nurse@example.org", "password": PASSWORD})
    assert locked.status_code == 429 and "Too many failed logins" in locked.content.decode()


def test_the_profile_reads_in_a_fixed_number_of_queries(client, django_assert_num_queries):
    user = User.objects.create_user("reader", email="r@example.org", password=PASSWORD)
    client.force_login(user)
    client.get("/accounts/profile/")
    # Session, user, pending address, groups (role), preference, token, saved-search count, and the
    # user's and groups' permissions (may they invite): whatever the account holds.
    with django_assert_num_queries(9):
        assert client.get("/accounts/profile/").status_code == 200
    SavedSearch.objects.bulk_create(SavedSearch(user=user, name=f"s{i}", query=f"q=s{i}") for i in range(30))
    with django_assert_num_queries(9):
        assert "30 " in client.get("/accounts/profile/").content.decode()
