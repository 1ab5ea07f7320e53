"""Letters for tests: stored through the ingest pipeline, row counts, real-letter copies in tmp_path."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from cases.models import Determination, DeterminationRevision, DisputedItem, GuidelineCitation
from pipeline.ingest import ingest_file

FIXTURE_LETTERS = Path(__file__).resolve().parent.parent / "fixtures" / "letters"


def row_counts() -> dict:
    return {
        "determinations": Determination.objects.count(),
        "items": DisputedItem.objects.count(),
        "citations": GuidelineCitation.objects.count(),
        "revisions": DeterminationRevision.objects.count(),
    }


def copy_letters(source_dir: Path, dest: Path, names: list[str]) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for name in names:
        target = dest / name
        shutil.copyfile(source_dir / name, target)
        target.chmod(0o644)  # the shared copies are read-only; mutation tests rewrite theirs
        out.append(target)
    return out


def store_letter(text: str, source_name: str = "letter.txt") -> Determination:
    """Write `text` to a file named source_name and ingest it: stored, linked, classified, quoted."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / source_name
        path.write_text(text, encoding="utf-8")
        outcome = ingest_file(path)
    assert outcome.status in ("new", "updated"), outcome
    return Determination.objects.get(pk=outcome.determination_id)
