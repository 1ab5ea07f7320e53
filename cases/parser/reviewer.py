"""Expert reviewer credentials: states of licensure and specialties."""
from __future__ import annotations

import re

from .result import Reviewer

_LICENSURE = re.compile(r"State\(s\)\s+of\s+Licensure\s*:\s*(.*?)\s*(?=Certification\(s\)|$)", re.IGNORECASE | re.S)
_SPECIALTY = re.compile(r"Certification\(s\)\s*/\s*Specialty\s*:\s*(.*?)\s*$", re.IGNORECASE | re.S)
# 2013 layout: "The physician reviewer is Board Certified in Orthopedic Surgery and is licensed
# to practice in California." (sometimes "..., has a subspecialty in X and is licensed ...")
_OLD = re.compile(
    r"Board\s+Certified\s+in\s+(?P<spec>.+?)\s+and\s+(?:is\s+)?licensed\s+to\s+practice\s+in\s+(?P<states>.+?)\s*\.",
    re.IGNORECASE | re.S,
)
_SUBSPECIALTY = re.compile(r",?\s*(?:has\s+a\s+)?sub-?specialty\s+in\s+", re.IGNORECASE)
_SPLIT = re.compile(r"\s*[,;]\s*|\s+and\s+(?=[A-Z])")


def _split(value: str) -> list[str]:
    return [p.strip(" .") for p in _SPLIT.split(value) if p.strip(" .")]


def parse_credentials(block: str) -> Reviewer:
    """`block` is the flattened "HOW THE IMR FINAL DETERMINATION WAS MADE" section."""
    reviewer = Reviewer()
    lic = _LICENSURE.search(block)
    spec = _SPECIALTY.search(block)
    if lic or spec:
        if lic:
            # states are comma separated; "California, Texas and Florida" also occurs in prose lists
            reviewer.licensure = [
                p.strip(" .") for p in re.split(r"\s*[,;]\s*(?:and\s+)?|\s+and\s+(?=[A-Z])", lic.group(1)) if p.strip(" .")
            ]
        if spec:
            # specialties are comma separated; "&" stays inside one ("Physical Medicine & Rehabilitation")
            reviewer.specialty = [p.strip(" .") for p in re.split(r"\s*,\s*", spec.group(1)) if p.strip(" .")]
        return reviewer
    old = _OLD.search(block)
    if old:
        specs = _SUBSPECIALTY.split(old.group("spec"))
        reviewer.specialty = [s for part in specs for s in [part.strip(" ,.")] if s]
        reviewer.licensure = _split(old.group("states"))
    return reviewer
