"""Test helpers: store a letter's text through the ingest pipeline (as `manage.py ingest` does)."""
from __future__ import annotations

import tempfile
from pathlib import Path

from cases.ingest import ingest_file
from cases.models import Determination


def store_letter(text: str, source_name: str = "letter.txt") -> Determination:
    """Write `text` to a file named source_name and ingest it: stored, linked, classified, quoted."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / source_name
        path.write_text(text, encoding="utf-8")
        outcome = ingest_file(path)
    assert outcome.status in ("new", "updated"), outcome
    return Determination.objects.get(pk=outcome.determination_id)
