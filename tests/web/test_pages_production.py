"""The pages with DEBUG off, as a visitor meets them: bad filters are a 400 saying why, an
unknown letter or address is the site's own 404 (no URL list), a server error the plain 500."""

from __future__ import annotations

import logging

import pytest
from django.test import Client, RequestFactory

from imr_kb.errors import server_error

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "query, message",
    [
        ("year=0", "year: a decision year is a whole number from 1 to 9999"),
        ("year=10000", "year: a decision year is a whole number from 1 to 9999"),
        ("year=99999999999999999999", "year: a decision year is a whole number from 1 to 9999"),
        (
            "decision=%3Cb%3Emaybe%3C/b%3E",
            "decision: &#x27;&lt;b&gt;maybe&lt;/b&gt;&#x27; is not one of Upheld, Overturned",
        ),
        ("decision=100%25", "decision: &#x27;100%&#x27; is not one of Upheld, Overturned"),
    ],
)
def test_bad_list_filters_are_400_with_the_reason(client, ingested, query, message):
    response = client.get(f"/?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "<b>maybe" not in html  # escaped like everything a visitor types


def test_good_filters_still_work(client, ingested):
    response = client.get("/?decision=overturned")
    assert response.status_code == 200
    assert [d.case_number for d in response.context["page"].object_list] == ["CM16-0229336"]


def test_unknown_letters_are_the_sites_404(client, ingested, settings):
    assert settings.DEBUG is False
    for url in (
        "/determinations/CM99-0000000/",
        "/determinations/id/99999999999999999999/",
        "/determinations/id/424242/",
        "/no/such/page/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        html = response.content.decode()
        assert "Page not found" in html and "IMR Knowledge Base" in html
        assert "URLconf" not in html and "Using the URLconf" not in html  # Django's debug page


def test_server_error_page_is_plain_and_the_error_is_logged(ingested, caplog):
    """A real database failure (a table gone; SQLite's DDL is rolled back with the test): the
    visitor sees the plain page, the traceback goes to the log."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE guidelines_quotedpassage")
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/determinations/CM16-0219557/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html and "no such table" not in html
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]
    assert any("no such table: guidelines_quotedpassage" in str(r.exc_info[1]) for r in errors)


def test_api_server_error_is_json():
    request = RequestFactory().get("/api/determinations/")
    response = server_error(request)
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"


NASTY = ["0", "-1", "abc", "99999999999999999999", "100%", "%s", "\x00", "1e5", " ", "Ü", "'", "<script>"]


def test_no_parameter_value_makes_a_server_error(ingested):
    """Every parameter of the letter pages and the list APIs, with values a client may send by
    mistake: a page, a 400 or a 404, never a 500."""
    client = Client(raise_request_exception=False)
    failures = []
    for path in ("/", "/api/determinations/", "/api/guidelines/"):
        for name in ("page", "page_size", "year", "decision", "specialty", "parse_status"):
            for value in NASTY:
                status = client.get(path, {name: value}).status_code
                if status >= 500:
                    failures.append((path, name, value, status))
    for path in (
        "/determinations/%00/",
        "/api/determinations/%00/",
        "/determinations/id/99999999999999999999/",
        "/determinations/id/0/",
        "/api/determinations/%25s/",
    ):
        status = client.get(path).status_code
        if status >= 500:
            failures.append((path, status))
    assert failures == []
