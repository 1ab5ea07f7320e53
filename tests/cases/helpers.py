"""Helpers for the cases tests: row counts and small real-letter copies in tmp_path."""
from __future__ import annotations

import shutil
from pathlib import Path

from cases.models import Determination, DeterminationRevision, DisputedItem, GuidelineCitation

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
