"""A records clerk corrects a letter in the admin, in Chromium against live_server, and the
search and the analytics follow at once (the admin's save re-derives the letter and queues it for
the index in its transaction; the queue is applied after commit):

- a lumbar MRI decision read as "Upheld" is corrected to "Overturned": the search's overturned
  filter and the analytics' overturned count move by one, as the ORM oracle says;
- a decision is classified by hand as a medial branch block (typed with the taxonomy's
  completion list): "MBB" finds its letter.
The clerk signs in through the admin's own form as a clerk (the role's permissions), the pages
fit 1366 px, and none raises a CSP violation. Screenshots: admin-item.png, admin-queue.png.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from accounts.roles import CLERK, assign_role
from cases.models import DisputedItem
from tests.support import oracle

SCREENSHOTS = Path(os.environ.get("IMR_SCREENSHOTS", "/tmp/screenshots"))
LUMBAR = next(c for c in oracle.PROCEDURE_CASES if c.q == "lumbar MRI" and not c.filters)
MBB = next(c for c in oracle.PROCEDURE_CASES if c.q == "MBB" and not c.filters)
PASSWORD = "a records clerk's passphrase 8"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _int(page, selector: str) -> int:
    return int(page.locator(selector).first.inner_text().replace(",", ""))


def _overturned_lumbar_mri() -> int:
    return DisputedItem.objects.filter(pk__in=LUMBAR.expected(), decision="Overturned").count()


def test_a_clerk_corrects_a_letter_and_search_and_analytics_follow(live_server, indexed_letters, chromium):
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    clerk = User.objects.create_user("clerk", password=PASSWORD)
    assign_role(clerk, CLERK)
    page = chromium.new_context(viewport={"width": 1366, "height": 900}).new_page()
    violations = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    url = live_server.url

    page.goto(f"{url}/admin/login/")
    page.fill("#id_username", "clerk")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")

    # Before: what the search and the analytics say.
    before = _overturned_lumbar_mri()
    page.goto(f"{url}/search/?q=lumbar+MRI&decision=Overturned")
    assert _int(page, "#result-count strong") == before
    page.goto(f"{url}/analytics/?q=lumbar+MRI")
    assert _int(page, "#headline .n-overturned") == before

    # The correction.
    item = DisputedItem.objects.filter(pk__in=LUMBAR.expected(), decision="Upheld").order_by("pk").first()
    page.goto(f"{url}/admin/cases/disputeditem/{item.pk}/change/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    page.select_option("#id_decision", "Overturned")
    page.locator("#id_decision").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "admin-item.png"), full_page=False)
    page.click("input[name=_save]")
    page.wait_for_selector("ul.messagelist")
    assert "was changed successfully" in page.locator("ul.messagelist").inner_text()
    assert _overturned_lumbar_mri() == before + 1

    page.goto(f"{url}/search/?q=lumbar+MRI&decision=Overturned")
    assert _int(page, "#result-count strong") == before + 1
    assert item.determination.case_number in page.locator("#results, main").first.inner_text()
    page.goto(f"{url}/analytics/?q=lumbar+MRI")
    assert _int(page, "#headline .n-overturned") == before + 1

    # A procedure chosen from the taxonomy: MBB finds the letter.
    other = (
        DisputedItem.objects.exclude(pk__in=MBB.expected())
        .exclude(determination__items__in=MBB.expected())
        .order_by("pk")
        .first()
    )
    case = other.determination.case_number
    page.goto(f"{url}/search/?q=MBB")
    assert case not in page.locator("main").inner_text()
    page.goto(f"{url}/admin/cases/disputeditem/{other.pk}/change/")
    options = page.locator("#id_procedure-options option").evaluate_all("os => os.map(o => o.value)")
    assert "medial branch block" in options and "lumbar spine" in page.locator("#id_body_region-options").inner_html()
    page.fill("#id_procedure", "medial branch block")
    page.fill("#id_body_region", "lumbar spine")
    page.click("input[name=_save]")
    page.wait_for_selector("ul.messagelist")
    other.refresh_from_db()
    assert (other.procedure, other.body_region, other.taxonomy_version) == (
        "medial branch block",
        "lumbar spine",
        "manual",
    )
    assert other.pk in MBB.expected()
    page.goto(f"{url}/search/?q=MBB")
    assert _int(page, "#result-count strong") == len(MBB.expected())
    assert page.locator(f'article.hit[data-case="{case}"]').count() == 1

    # The review queue: the problem is the first column, and the page fits.
    page.goto(f"{url}/admin/guidelines/citationlink/?queue=open")
    first = page.locator('#result_list thead th[class*="column-"]').first.get_attribute("class")
    assert "column-problem_first" in first.split()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    page.screenshot(path=str(SCREENSHOTS / "admin-queue.png"), full_page=False)
    assert violations == [], violations
