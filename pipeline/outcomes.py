"""What ingest says about each file: an Outcome per file, a Summary per run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

NEW, UPDATED, UNCHANGED, FAILED = "new", "updated", "unchanged", "failed"
STATUSES = (NEW, UPDATED, UNCHANGED, FAILED)


@dataclass
class Outcome:
    status: str  # new | updated | unchanged | failed
    case_number: Optional[str]
    message: str
    determination_id: Optional[int]
    source_name: str = ""
    path: str = ""

    def line(self) -> str:
        """One human-readable line: "new CM16-0219557 (CM16-0219557.pdf)", "failed foo.pdf: encrypted PDF"."""
        if self.status == FAILED:
            return f"failed {self.source_name or self.path}: {self.message}"
        label = self.case_number or "(no case number)"
        text = f"{self.status} {label} ({self.source_name})"
        return f"{text}: {self.message}" if self.message else text

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "case_number": self.case_number,
            "message": self.message,
            "determination_id": self.determination_id,
            "source_name": self.source_name,
            "path": self.path,
        }


@dataclass
class Summary:
    counts: dict = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))

    def add(self, outcome: Outcome) -> None:
        self.counts[outcome.status] = self.counts.get(outcome.status, 0) + 1

    def line(self) -> str:
        return ", ".join(f"{status}: {self.counts.get(status, 0)}" for status in STATUSES)
