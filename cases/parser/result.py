"""Typed result of parsing one IMR letter.

`ParsedLetter.to_dict()` is the exact JSON shape printed by `manage.py parse_letter --json`
(an external evaluation reads it), so its keys and value types must not drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

CitationKind = Literal["MTUS", "NON_MTUS", "NONE"]
Party = Literal["claims_administrator", "maximus"]
Decision = Literal["Upheld", "Overturned"]


@dataclass
class Citation:
    kind: CitationKind
    # MTUS: title without "MTUS", year and trailing "Guidelines" ("Low Back Complaints").
    # NON_MTUS: the clause as written (whitespace normalised). NONE: None.
    document: str | None = None
    year: int | None = None
    sections: list[str] = field(default_factory=list)
    pages: str | None = None
    # The citation text as it stands in the letter, for display and re-linking.
    clause: str = ""

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "document": self.document,
            "year": self.year,
            "sections": list(self.sections),
            "pages": self.pages,
        }


@dataclass
class Item:
    request: str
    decision: Decision | None
    disputed_portion: str | None = None
    claims_administrator: list[Citation] = field(default_factory=list)
    maximus: list[Citation] = field(default_factory=list)
    rationale: str = ""

    def to_dict(self) -> dict:
        return {
            "request": self.request,
            "disputed_portion": self.disputed_portion,
            "decision": self.decision,
            "claims_administrator": [c.to_dict() for c in self.claims_administrator],
            "maximus": [c.to_dict() for c in self.maximus],
            "rationale": self.rationale,
        }


@dataclass
class Reviewer:
    licensure: list[str] = field(default_factory=list)
    specialty: list[str] = field(default_factory=list)


@dataclass
class Patient:
    age: int | None = None
    sex: Literal["male", "female"] | None = None


@dataclass
class ParsedLetter:
    case_number: str | None = None
    date_assigned: date | None = None
    date_of_injury: date | None = None
    decision_date: date | None = None
    ur_denial_date: date | None = None
    application_received: date | None = None
    priority: str | None = None
    reviewer: Reviewer = field(default_factory=Reviewer)
    patient: Patient = field(default_factory=Patient)
    items: list[Item] = field(default_factory=list)
    # The name of the layout the letter was read with (cases/parser/layouts/): "2016" for the
    # 2016-17 DWC letter, "2013" for the older seed letter; "unknown" when no layout recognises it.
    layout: str = "unknown"
    clinical_summary: str = ""
    # The (cleaned) text the parse was made from.
    text: str = ""
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict:
        def iso(d: date | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "case_number": self.case_number,
            "date_assigned": iso(self.date_assigned),
            "date_of_injury": iso(self.date_of_injury),
            "decision_date": iso(self.decision_date),
            "ur_denial_date": iso(self.ur_denial_date),
            "application_received": iso(self.application_received),
            "priority": self.priority,
            "reviewer": {"licensure": list(self.reviewer.licensure), "specialty": list(self.reviewer.specialty)},
            "patient": {"age": self.patient.age, "sex": self.patient.sex},
            "items": [i.to_dict() for i in self.items],
            "errors": list(self.errors),
            "warnings": list(self.warnings),
        }
