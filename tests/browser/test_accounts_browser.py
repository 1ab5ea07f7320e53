"""A team member's first day, in a real browser (Debian's Chromium through Playwright against
live_server, e-mail through Django's locmem outbox, which the live server's thread shares):

an administrator signs in and invites a nurse by e-mail -> the nurse opens the link, creates
her account (the invited address is verified by the invitation) -> sets her work e-mail on her
profile (it takes effect once she follows the link mailed to it) -> creates an API token (shown
once) -> searches "lumbar MRI" and saves the search -> a new matching letter arrives through the
pipeline and `send_alerts` e-mails her work address -> she opens the letter from the e-mail, and
from it the precedents for its request, whose URL (/precedents/?request=...) she shares: a
colleague who is not signed in opens it and sees the same precedents.

No page may raise a CSP violation. Screenshots go to $IMR_SCREENSHOTS (default
/tmp/screenshots): accounts-invite.png, accounts-signup.png, accounts-profile.png,
accounts-profile-390.png, accounts-precedents.png.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command

from accounts.roles import ADMINISTRATOR, READER, assign_role, role_of
from alerts.models import SavedSearch
from cases.models import DisputedItem
from tests.support import oracle
from tests.support.alert_fixtures import LUMBAR_MRI_LETTER, copy_letter, ingest

SCREENSHOTS = Path(os.environ.get("IMR_SCREENSHOTS", "/tmp/screenshots"))
LUMBAR = next(c for c in oracle.PROCEDURE_CASES if c.q == "lumbar MRI" and not c.filters)
NEW_CASE = "CM16-9900077"
ADMIN_PASSWORD = "the administrator's passphrase 3"
PASSWORD = "a nurse's long passphrase 5"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def link(message, live_server) -> str:
    found = re.search(re.escape(live_server.url) + r"(/accounts/\S+/)", message.body)
    assert found, message.body
    return live_server.url + found.group(1)


def test_invite_accept_set_email_save_a_search_get_the_alert_and_share_precedents(
    live_server, alert_corpus, chromium, settings
):
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    settings.SITE_URL = live_server.url
    boss = User.objects.create_user("boss", email="boss@example.org", password=ADMIN_PASSWORD)
    assign_role(boss, ADMINISTRATOR)
    violations = []

    def watch(page):
        page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
        return page

    # The administrator signs in through the sign-in form and invites the nurse.
    admin = watch(chromium.new_context(viewport={"width": 1366, "height": 900}).new_page())
    admin.goto(f"{live_server.url}/accounts/login/")
    admin.fill("#id_login", "boss")
    admin.fill("#id_password", ADMIN_PASSWORD)
    admin.click("#login-form button[type=submit]")
    admin.wait_for_url("**/alerts/")
    admin.goto(f"{live_server.url}/accounts/profile/")
    admin.click("#invitations-link")
    admin.fill("#invite-form input[name=email]", "nurse@example.org")
    admin.select_option("#invite-form select[name=role]", READER)
    admin.click("#invite-form button[type=submit]")
    admin.wait_for_selector("#messages")
    assert "Invitation sent to nurse@example.org as reader" in admin.locator("#messages").inner_text()
    assert "pending" in admin.locator('#invitations tr[data-email="nurse@example.org"] .state').inner_text()
    admin.screenshot(path=str(SCREENSHOTS / "accounts-invite.png"), full_page=True)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nurse@example.org"]
    invitation = link(mail.outbox[0], live_server)

    # The nurse accepts: the sign-up form has her address; she is signed in at once.
    nurse = watch(chromium.new_context(viewport={"width": 1366, "height": 900}).new_page())
    nurse.goto(invitation)
    nurse.wait_for_url("**/accounts/signup/**")
    assert nurse.input_value("#id_email") == "nurse@example.org"
    nurse.fill("#id_username", "nurse")
    nurse.fill("#id_password1", PASSWORD)
    nurse.fill("#id_password2", PASSWORD)
    nurse.screenshot(path=str(SCREENSHOTS / "accounts-signup.png"), full_page=True)
    nurse.click("#signup-form button[type=submit]")
    nurse.wait_for_url("**/alerts/")
    assert "Sign out" in nurse.locator("header.site").inner_text()
    user = User.objects.get(username="nurse")
    assert role_of(user) == READER and user.email == "nurse@example.org"
    assert len(mail.outbox) == 1  # the invitation verified the address: no other mail
    admin.reload()
    assert "accepted by nurse" in admin.locator('#invitations tr[data-email="nurse@example.org"] .state').inner_text()

    # Her profile: she sets her work address; it takes effect when she follows the mailed link.
    nurse.click("#profile-link")
    nurse.wait_for_url("**/accounts/profile/")
    nurse.fill("#id_new_email", "nurse@clinic.example.org")
    nurse.click("#set-email-form button[type=submit]")
    assert len(mail.outbox) == 2 and mail.outbox[1].to == ["nurse@clinic.example.org"]
    user.refresh_from_db()
    assert user.email == "nurse@example.org"  # not before it is verified
    nurse.goto(link(mail.outbox[1], live_server))
    nurse.click("main form button[type=submit]")  # allauth's "Confirm" page
    nurse.goto(f"{live_server.url}/accounts/profile/")
    assert nurse.locator("#profile-email").inner_text().startswith("nurse@clinic.example.org")
    user.refresh_from_db()
    assert user.email == "nurse@clinic.example.org"

    # Her own API token: shown once.
    nurse.click("#create-token")
    key = nurse.locator("#new-token").inner_text()
    assert len(key) == 40 and user.auth_token.key == key
    nurse.screenshot(path=str(SCREENSHOTS / "accounts-profile.png"), full_page=True)
    nurse.goto(f"{live_server.url}/accounts/profile/")
    assert key not in nurse.content() and "You have a token" in nurse.locator("#token-state").inner_text()
    phone = watch(nurse.context.new_page())
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(f"{live_server.url}/accounts/profile/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(SCREENSHOTS / "accounts-profile-390.png"), full_page=True)
    phone.close()

    # She saves a search.
    nurse.goto(f"{live_server.url}/search/?q=lumbar+MRI")
    nurse.fill("#save-search input[name=name]", "Lumbar MRI")
    nurse.click("#save-search button[type=submit]")
    nurse.wait_for_url("**/alerts/?saved=*")
    assert nurse.locator("#saved-searches tr.highlighted .state").inner_text() == "on"
    saved = SavedSearch.objects.get(user=user)

    # A new matching letter arrives; the alert goes to her verified work address.
    ingest(copy_letter(LUMBAR_MRI_LETTER, NEW_CASE, Path(settings.SEARCH_INDEX_DIR).parent / "new"))
    expected = DisputedItem.objects.filter(
        pk__in=LUMBAR.expected(), determination__created_at__gt=saved.last_alerted_at
    )
    assert set(expected.values_list("determination__case_number", flat=True)) == {NEW_CASE}
    call_command("send_alerts", stdout=open(os.devnull, "w"))
    alert = mail.outbox[-1]
    noun = "decision" if expected.count() == 1 else "decisions"
    assert alert.to == ["nurse@clinic.example.org"]
    assert alert.subject == f"[IMR KB] {expected.count()} new {noun}: Lumbar MRI"

    # From the e-mail to the letter, to the precedents for its request: a URL she can share.
    letter_url = f"{live_server.url}/determinations/{NEW_CASE}/"
    assert letter_url in alert.body
    nurse.goto(letter_url)
    nurse.locator(".similar .more a").first.click()
    nurse.wait_for_url("**/precedents/?request=**")
    shared = nurse.url
    cases = nurse.locator("#precedents li.precedent").evaluate_all("els => els.map(e => e.dataset.case)")
    assert len(cases) >= 5 and NEW_CASE not in cases  # the letter's own decision is left out
    assert LUMBAR_MRI_LETTER in cases  # the letter it was copied from: the same request
    nurse.screenshot(path=str(SCREENSHOTS / "accounts-precedents.png"), full_page=False)
    colleague = watch(chromium.new_context(viewport={"width": 390, "height": 844}).new_page())
    colleague.goto(shared)
    assert colleague.locator("#precedents li.precedent").evaluate_all("els => els.map(e => e.dataset.case)") == cases
    assert "Sign in" in colleague.locator("header.site").inner_text()
    assert violations == [], violations
