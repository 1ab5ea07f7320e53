"""Saved searches and alerts in a real browser (Debian's Chromium driven by Playwright against
live_server): sign in, search "lumbar MRI", save the search, a new matching letter is ingested
through the pipeline, the saved-searches page counts it, `manage.py send_alerts` e-mails it
(Django's file-based e-mail backend, read back here), the page shows the alert, the e-mail's
letter link and unsubscribe link work. No page may raise a CSP violation.

Screenshots go to $IMR_SCREENSHOTS (default /tmp/screenshots): alerts-search.png,
alerts-saved.png, alerts-new.png, alerts-sent.png, alerts-unsubscribe.png.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from cases.models import DisputedItem
from tests.support import oracle
from tests.support.alert_fixtures import LUMBAR_MRI_LETTER, copy_letter, ingest

SCREENSHOTS = Path(os.environ.get("IMR_SCREENSHOTS", "/tmp/screenshots"))
LUMBAR = next(c for c in oracle.PROCEDURE_CASES if c.q == "lumbar MRI" and not c.filters)
NEW_CASE = "CM16-9900041"
PASSWORD = "an attorney's passphrase 7"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_save_a_search_ingest_a_new_letter_and_see_the_alert(
    live_server,
    alert_corpus,
    chromium,
    settings,  # noqa: F811
    tmp_path,
    django_user_model,
):
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    mail_dir = tmp_path / "mail"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(mail_dir)
    settings.SITE_URL = live_server.url
    django_user_model.objects.create_user("attorney", email="attorney@example.org", password=PASSWORD)

    page = chromium.new_page(viewport={"width": 1280, "height": 1000})
    violations = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))

    # Sign in through the real form (django-axes sees the request), back to the search.
    page.goto(f"{live_server.url}/search/?q=lumbar+MRI")
    page.locator("#save-search a", has_text="Sign in").click()
    page.wait_for_url("**/accounts/login/**")
    page.fill("#id_login", "attorney")
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/search/?q=lumbar+MRI")
    assert "Sign out" in page.locator("header.site").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280  # the header fits
    page.screenshot(path=str(SCREENSHOTS / "alerts-search.png"), full_page=True)

    page.fill("#save-search input[name=name]", "Lumbar MRI (client Smith)")
    page.click("#save-search button[type=submit]")
    page.wait_for_url("**/alerts/?saved=*")
    row = page.locator("#saved-searches tbody tr.highlighted")
    assert row.locator("a.search-link").inner_text() == "Lumbar MRI (client Smith)"
    assert row.locator(".new-count strong").inner_text() == "0"
    assert "none yet" in row.locator(".last-alert").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "alerts-saved.png"), full_page=True)

    # A new letter arrives: a real lumbar MRI letter under a new case number, through the pipeline.
    from alerts.models import SavedSearch

    saved = SavedSearch.objects.get()
    ingest(copy_letter(LUMBAR_MRI_LETTER, NEW_CASE, tmp_path / "new"))
    expected = DisputedItem.objects.filter(
        pk__in=LUMBAR.expected(), determination__created_at__gt=saved.last_alerted_at
    )
    assert set(expected.values_list("determination__case_number", flat=True)) == {NEW_CASE}
    page.reload()
    row = page.locator(f"#saved-{saved.pk}")
    assert row.locator(".new-count strong").inner_text() == str(expected.count())
    page.screenshot(path=str(SCREENSHOTS / "alerts-new.png"), full_page=True)

    call_command("send_alerts", stdout=open(os.devnull, "w"))
    page.reload()
    assert row.locator(".new-count strong").inner_text() == "0"
    assert row.locator(".alert-decisions").inner_text() == str(expected.count())
    page.screenshot(path=str(SCREENSHOTS / "alerts-sent.png"), full_page=True)

    email = "\n".join(p.read_text() for p in mail_dir.glob("*.log"))
    noun = "decision" if expected.count() == 1 else "decisions"
    assert f"Subject: [IMR KB] {expected.count()} new {noun}: Lumbar MRI (client Smith)" in email
    assert "To: attorney@example.org" in email
    letter_url = f"{live_server.url}/determinations/{NEW_CASE}/"
    assert letter_url in email
    page.goto(letter_url)
    assert NEW_CASE in page.locator("h1").inner_text()

    # The unsubscribe link, in a fresh browser context (no session): it works without signing in.
    unsubscribe = re.search(r"Stop these alerts: (\S+)", email).group(1)
    anonymous = chromium.new_context().new_page()
    anonymous.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    anonymous.goto(unsubscribe)
    assert "Lumbar MRI (client Smith)" in anonymous.locator("#unsubscribe").inner_text()
    anonymous.click("#unsubscribe-button")
    anonymous.wait_for_selector("#unsubscribed")
    anonymous.screenshot(path=str(SCREENSHOTS / "alerts-unsubscribe.png"), full_page=True)
    page.goto(f"{live_server.url}/alerts/")
    assert "Resume alerts" in page.locator(f"#saved-{saved.pk}").inner_text()
    assert violations == [], violations
