"""Types of the taxonomy: what the data file describes, and what classification returns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional


@dataclass(frozen=True)
class Classification:
    procedure: str
    category: str
    body_region: str
    laterality: str  # "left", "right", "bilateral" or "" when the request names no side

    def to_dict(self) -> dict:
        return {
            "procedure": self.procedure,
            "category": self.category,
            "body_region": self.body_region,
            "laterality": self.laterality,
        }


@dataclass(frozen=True)
class Expansion:
    # Phrases to OR into the full-text query (the user's own words are not repeated here).
    phrases: list[str]
    # Canonical procedure names the query refers to (family members included).
    procedures: list[str]
    # Body regions the query names (canonical names), for display and optional filtering.
    body_regions: list[str] = field(default_factory=list)
    # The abbreviations among `phrases` ("PT", "MBB"): letters match them case-sensitively, so
    # a lower-casing text search must not use them ("pt" is also "patient"; "PT/PTT" a lab test).
    abbreviations: list[str] = field(default_factory=list)
    # The query (whitespace normalised) and where in it the procedures and regions are named.
    query: str = ""
    procedure_spans: list[tuple[int, int]] = field(default_factory=list)
    region_spans: list[tuple[int, int]] = field(default_factory=list)

    def mentions(self, spans: list[tuple[int, int]]) -> list[str]:
        """The query's words at those spans ("lumbar", "MRI"), as typed."""
        return [self.query[start:end] for start, end in spans]

    def rest(self, spans: list[tuple[int, int]]) -> str:
        """The query with the text at those spans removed."""
        out, pos = [], 0
        for start, end in spans:
            out.append(self.query[pos:start])
            pos = end
        out.append(self.query[pos:])
        return " ".join(" ".join(out).split())


@dataclass
class Procedure:
    name: str
    category: str
    priority: int
    family: Optional[str] = None
    body_region: Optional[str] = None
    topical: Optional[str] = None
    expandable: bool = True
    class_term: bool = False
    terms: list[str] = field(default_factory=list)
    abbrevs: list[str] = field(default_factory=list)
    expand: list[str] = field(default_factory=list)
    # Compiled: classification matchers (terms, abbrevs case-sensitive, patterns).
    matchers: list[re.Pattern] = field(default_factory=list, repr=False)
    # Compiled: query matchers (terms and abbrevs, all case-insensitive).
    query_matchers: list[re.Pattern] = field(default_factory=list, repr=False)

    @property
    def is_medication(self) -> bool:
        return self.category.startswith("medications:")


@dataclass
class Region:
    name: str
    terms: list[str]
    expand: list[str]
    matchers: list[re.Pattern] = field(default_factory=list, repr=False)
    query_matchers: list[re.Pattern] = field(default_factory=list, repr=False)


@dataclass
class Taxonomy:
    version: str
    categories: dict[str, int]
    procedures: list[Procedure]
    regions: list[Region]
    families: dict[str, str]
    topical_forms: list[re.Pattern]
    compound_marker: re.Pattern
    multiple_region: str
    unspecified_region: str
    region_implied_by: dict[str, list[str]]
    cut_markers: list[re.Pattern] = field(default_factory=list)
    other_category: str = "other"
    other_procedure: str = "other"

    def procedure(self, name: str) -> Procedure:
        for p in self.procedures:
            if p.name == name:
                return p
        raise KeyError(name)

    def family_members(self, family: str) -> list[Procedure]:
        return [p for p in self.procedures if p.family == family]
