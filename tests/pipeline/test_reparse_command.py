"""manage.py reparse on real ingested letters."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cases.models import Determination
from tests.support.letters import row_counts

pytestmark = pytest.mark.django_db


def test_reparse_all_restores_items(ingested):
    counts = row_counts()
    det = Determination.objects.get(case_number="CM16-0219557")
    det.items.all().delete()
    out = StringIO()
    call_command("reparse", "--all", stdout=out)
    lines = out.getvalue().splitlines()
    # Six letters re-parse; the failed file has no text to re-parse.
    assert lines[-1] == "new: 0, updated: 6, unchanged: 0, failed: 1"
    assert row_counts() == counts


def test_reparse_named_and_unknown(ingested):
    out = StringIO()
    call_command("reparse", "CM16-0224814", stdout=out)
    assert out.getvalue().splitlines() == ["re-parsed CM16-0224814", "new: 0, updated: 1, unchanged: 0, failed: 0"]
    with pytest.raises(CommandError, match="CM99-0000000"):
        call_command("reparse", "CM99-0000000", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("reparse", stdout=StringIO())
