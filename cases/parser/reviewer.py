"""Expert reviewer credentials: states of licensure and specialties.

How a layout writes the credentials is declared as a tuple of styles (`Layout.credentials`),
tried in order; the first that finds them wins:
    LabelledCredentials  a licensure label and a specialty label, each followed by a list
                         ("State(s) of Licensure: Texas,New York" / "Certification(s)/Specialty: ...")
    CredentialSentence   one sentence naming both ("... is Board Certified in X and is licensed to
                         practice in Y.")
Splitting the lists (commas, "and", "&" inside a specialty) is the same for every layout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .result import Reviewer

# states are comma separated; "California, Texas and Florida" also occurs in prose lists
_STATES_SPLIT = re.compile(r"\s*[,;]\s*(?:and\s+)?|\s+and\s+(?=[A-Z])")
# specialties are comma separated; "&" stays inside one ("Physical Medicine & Rehabilitation")
_SPECIALTIES_SPLIT = re.compile(r"\s*,\s*")
_SPLIT = re.compile(r"\s*[,;]\s*|\s+and\s+(?=[A-Z])")


def _split(value: str) -> list[str]:
    return [p.strip(" .") for p in _SPLIT.split(value) if p.strip(" .")]


@dataclass(frozen=True)
class LabelledCredentials:
    """Credentials as labelled lists. Each regex's group 1 is the list that follows its label."""

    licensure: re.Pattern
    specialty: re.Pattern

    def read(self, block: str) -> Reviewer | None:
        lic = self.licensure.search(block)
        spec = self.specialty.search(block)
        if not (lic or spec):
            return None
        reviewer = Reviewer()
        if lic:
            reviewer.licensure = [p.strip(" .") for p in _STATES_SPLIT.split(lic.group(1)) if p.strip(" .")]
        if spec:
            reviewer.specialty = [p.strip(" .") for p in _SPECIALTIES_SPLIT.split(spec.group(1)) if p.strip(" .")]
        return reviewer


@dataclass(frozen=True)
class CredentialSentence:
    """Credentials in one sentence: `pattern` has the named groups `spec` and `states`;
    `subspecialty` splits `spec` ("Anesthesiology, has a subspecialty in Pain Medicine")."""

    pattern: re.Pattern
    subspecialty: re.Pattern

    def read(self, block: str) -> Reviewer | None:
        m = self.pattern.search(block)
        if not m:
            return None
        reviewer = Reviewer()
        specs = self.subspecialty.split(m.group("spec"))
        reviewer.specialty = [s for part in specs for s in [part.strip(" ,.")] if s]
        reviewer.licensure = _split(m.group("states"))
        return reviewer


CredentialStyle = LabelledCredentials | CredentialSentence


def parse_credentials(block: str, styles: tuple[CredentialStyle, ...]) -> Reviewer:
    """`block`: the flattened reviewer section; `styles`: the layout's `credentials`."""
    for style in styles:
        reviewer = style.read(block)
        if reviewer is not None:
            return reviewer
    return Reviewer()
