"""Classification at ingest (in the worker processes, with the sections each item's planned links
name) and `manage.py reclassify` (reading the links from the database) give the same result, over
the 150 real letters; and on them no decision is "other" and every one has a DWC category."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from tests.support import oracle

pytestmark = pytest.mark.django_db


def test_reclassifying_what_ingest_classified_changes_nothing(letters_db):
    out = StringIO()
    call_command("reclassify", "--all", "--dry-run", stdout=out)
    assert "dry run: 0 item(s) in 0 letter(s) would change" in out.getvalue()


def test_the_demo_letters_have_no_other_and_every_dwc_category(letters_db):
    items = oracle.items()
    assert items.count() == 333
    assert not items.filter(procedure__in=["", "other"]).exists()
    assert not items.filter(request_category="").exists()
    out = StringIO()
    call_command("reclassify", "--report", stdout=out)
    assert "'other' (no procedure): 0/333 (0.0%)" in out.getvalue()
