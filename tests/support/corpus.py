"""A bigger corpus made from the 150 real letters: copies under new case numbers, as a real
backlog would hold other letters of the same shape. Used by the concurrency tests and by
bench/ingest.py (which also makes PDF copies)."""

from __future__ import annotations

import re
from pathlib import Path

CASE_NUMBER = re.compile(r"\b(CM\d\d)-(\d{7})\b")


def copy_case_number(case_number: str, copy: int, index: int) -> str:
    """The case number of copy `copy` (1..999) of letter `index` (0..999): "CM16-9001042". The
    real ones start with 0, so copies never collide with them or with each other."""
    prefix = case_number.split("-")[0]
    return f"{prefix}-9{copy:03d}{index:03d}"


def grow_text_corpus(source: Path, dest: Path, copies: int, include_originals: bool = True) -> set[str]:
    """Write the letters of `source` (and `copies` copies of each under new case numbers) to
    `dest` as <case number>.txt. Returns the case numbers written (the oracle: read from the
    file names, not by the parser)."""
    dest.mkdir(parents=True, exist_ok=True)
    written = set()
    for index, path in enumerate(sorted(source.glob("CM*.txt"))):
        text = path.read_text(encoding="utf-8")
        case = path.stem
        if include_originals:
            (dest / path.name).write_text(text, encoding="utf-8")
            written.add(case)
        for copy in range(1, copies + 1):
            new = copy_case_number(case, copy, index)
            (dest / f"{new}.txt").write_text(text.replace(case, new), encoding="utf-8")
            written.add(new)
    return written
