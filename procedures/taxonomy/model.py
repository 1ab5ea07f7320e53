"""Types of the taxonomy: what the data file describes, and what classification returns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

# The signals that can decide a classification (Classification.signal), strongest first.
MANUAL = "manual"  # a clerk's alias or section choice (procedures.models)
REQUEST = "request"  # the request's words matched a taxonomy term
DRUG = "drug"  # the request named a drug of the lexicon (brand -> ingredient -> class)
SECTION = "section"  # the guideline section the reviewer relies on (sections.yaml)
FALLBACK = "fallback"  # only the request's form (a surgical suffix, a dose)
NONE = "none"  # nothing: procedure "other", no DWC category
SIGNALS = (MANUAL, REQUEST, DRUG, SECTION, FALLBACK, NONE)


@dataclass(frozen=True)
class Signal:
    """What one signal said about a request (kept for the review queue)."""

    signal: str
    procedure: str
    dwc: str
    strength: float
    evidence: str  # the words, drug or section it read

    def to_dict(self) -> dict:
        return {
            "signal": self.signal,
            "procedure": self.procedure,
            "dwc": self.dwc,
            "strength": round(self.strength, 3),
            "evidence": self.evidence,
        }


@dataclass(frozen=True)
class Classification:
    procedure: str
    category: str
    body_region: str
    laterality: str  # "left", "right", "bilateral" or "" when the request names no side
    # The DWC request category, "Category › Sub-category" (or a category alone) as in
    # dwc-request-categories.txt; "" when nothing says what the request is.
    dwc: str = ""
    confidence: float = 0.0  # 0..1: how sure the deciding signal is, with the others' agreement
    signal: str = NONE  # which signal decided (SIGNALS)
    evidence: str = ""  # what it read: the words of the request, the drug, the section
    drug: str = ""  # the lexicon's ingredient, for a medication
    signals: tuple[Signal, ...] = ()  # every signal that said something

    @property
    def dwc_category(self) -> str:
        return self.dwc.partition(" › ")[0]

    @property
    def dwc_subcategory(self) -> str:
        return self.dwc.partition(" › ")[2]

    def to_dict(self) -> dict:
        return {
            "procedure": self.procedure,
            "category": self.category,
            "body_region": self.body_region,
            "laterality": self.laterality,
            "dwc": self.dwc,
            "confidence": round(self.confidence, 3),
            "signal": self.signal,
            "evidence": self.evidence,
            "drug": self.drug,
            "signals": [s.to_dict() for s in self.signals],
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
    # The DWC request category the data file names for it (else its category's; see dwc_for).
    dwc: Optional[str] = None
    # Names of the drug lexicon that resolve to it (brands and ingredients), for query expansion.
    drug_names: list[str] = field(default_factory=list)
    # Compiled: extra classification patterns (case-insensitive).
    patterns: list[re.Pattern] = field(default_factory=list, repr=False)

    @property
    def is_medication(self) -> bool:
        return self.category.startswith("medications:")


@dataclass
class Drug:
    """An ingredient of the drug lexicon."""

    name: str
    dwc: str  # "Pharmaceuticals › <class>"
    procedure: str
    topical: Optional[str] = None


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
    # The DWC request category of each project category (categories.<name>.dwc).
    category_dwc: dict[str, str] = field(default_factory=dict)
    drugs: dict[str, Drug] = field(default_factory=dict)
    injection_forms: list[re.Pattern] = field(default_factory=list)
    injection_dwc: str = ""
    fallbacks: list[tuple[re.Pattern, str]] = field(default_factory=list)
    # Set by the loader: the vocabulary (dwc.Vocabulary), the term index (terms.TermIndex), the
    # speller (spelling.Speller) and the section map (sections.SectionMap).
    vocabulary: object = None
    index: object = None
    speller: object = None
    sections: object = None

    def dwc_for(self, proc: Procedure, drug: Optional[Drug] = None) -> str:
        """A procedure's DWC request category: its own, else its drug's class, else its category's."""
        if proc.dwc:
            return proc.dwc
        if drug is not None:
            return drug.dwc
        return self.category_dwc.get(proc.category, "")

    def procedure(self, name: str) -> Procedure:
        for p in self.procedures:
            if p.name == name:
                return p
        raise KeyError(name)

    def family_members(self, family: str) -> list[Procedure]:
        return [p for p in self.procedures if p.family == family]
