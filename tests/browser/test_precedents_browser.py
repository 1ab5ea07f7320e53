"""The precedent finder in a real browser (headless Chromium, Playwright, live_server): the form
posts with its CSRF token, the answer links to a precedent's letter, whose page lists similar
decisions and links back to the finder with the letter left out; the page fits a phone.
Screenshots are written to /tmp/precedents.png, /tmp/precedents-letter.png, /tmp/precedents-390.png.
"""

from __future__ import annotations

import os

import pytest

from tests.support.browser import FACET_LETTER

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
REQUEST = "MRI of the lumbar spine without contrast"
SUMMARY = "Chronic low back pain radiating to the left leg; no neurologic deficit; failed physical therapy."


def test_find_precedents_open_one_and_come_back(live_server, indexed_letters, chromium):
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    page = chromium.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(f"{live_server.url}/")
    page.locator("header.site a", has_text="Precedents").click()
    page.wait_for_url("**/precedents/")
    page.fill("#id_request", REQUEST)
    page.fill("#id_summary", SUMMARY)
    page.locator("#precedent-form button[type=submit]").click()
    page.wait_for_selector("#precedents li.precedent")
    assert "MRI" in page.locator("#read-as").inner_text() and "lumbar spine" in page.locator("#read-as").inner_text()
    listed = page.locator("#precedents li.precedent")
    total = int(page.locator("#outcome .n-total").inner_text())
    assert listed.count() == total >= 5
    upheld = int(page.locator("#outcome .n-upheld").inner_text())
    overturned = int(page.locator("#outcome .n-overturned").inner_text())
    badges = [b.inner_text() for b in page.locator("#precedents li.precedent .head .badge").all()]
    assert (badges.count("Upheld"), badges.count("Overturned")) == (upheld, overturned)
    assert "same-procedure" in (listed.first.get_attribute("class") or "")
    assert page.locator("#id_summary").input_value() == SUMMARY  # the pasted text stays in the form
    page.screenshot(path="/tmp/precedents.png", full_page=True)

    # Open the best precedent on its letter page.
    case = listed.first.get_attribute("data-case")
    listed.first.locator("a.title").click()
    page.wait_for_url(f"**/determinations/{case}/**")
    similar = page.locator("section.similar")
    assert similar.count() == page.locator("div.card.item").count() >= 1
    links = similar.first.locator("li a")
    assert links.count() >= 1
    assert all(f"/determinations/{case}/" not in (a.get_attribute("href") or "") for a in links.all())
    page.screenshot(path="/tmp/precedents-letter.png", full_page=True)

    # And back to the finder for that decision's request, its own letter left out.
    similar.first.locator("p.more a").click()
    page.wait_for_url("**/precedents/?request=*")
    assert page.locator("#precedents li.precedent").count() >= 1
    assert all(li.get_attribute("data-case") != case for li in page.locator("#precedents li.precedent").all())
    assert page.locator(f'input[name=exclude][value="{case}"]').is_checked()
    page.close()


def test_precedent_page_fits_a_phone(live_server, indexed_letters, chromium):
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    page = chromium.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page.goto(f"{live_server.url}/precedents/?request=Norco+10%2F325+mg+%2390")
    assert page.locator("#precedents li.precedent").count() >= 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the precedent page is {width} px wide"
    page.screenshot(path="/tmp/precedents-390.png", full_page=False)
    page.goto(f"{live_server.url}/determinations/{FACET_LETTER}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.close()
