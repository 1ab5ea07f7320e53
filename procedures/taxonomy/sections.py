"""The guideline sections reviewers rely on, mapped to procedures: a signal for requests whose
words are unclear or absent ("Retrospective request DOS 3/1/16" citing "Urine drug testing").

procedures/data/sections.yaml maps section names (as the guideline catalog titles them, or as
letters cite them) to a procedure, or only to a DWC request category where the section covers
several kinds of service ("Special Studies": imaging, electrodiagnostics or labs), or marks them
`ignore` (a chapter's "Summary" says nothing about the service). A section is named by
- its title or an alias, compared as normalised words with any parenthesis left out
  ("Functional restoration programs (FRPs)" = "functional restoration programs"), or
- a catalog key "<document slug>/<anchor>" when one document's section means something else.
A clerk's choice for one catalog section (procedures.models.SectionProcedure) comes first.
A cited section the map does not know is read by the request recogniser itself (its title names
a treatment often enough: "Hyaluronic acid injections"), with less strength.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

PARENS = re.compile(r"\([^)]*\)")


@dataclass(frozen=True)
class Cited:
    """One section (or free-text source) the reviewer relies on."""

    title: str = ""  # a section title, linked or as cited
    key: str = ""  # "<document slug>/<anchor>" of a linked catalog section
    text: str = ""  # a free-text citation (a Non-MTUS source naming its topic: "ODG ... Shock wave therapy")


@dataclass
class SectionRule:
    names: list[str]
    procedure: str = ""
    dwc: str = ""
    ignore: bool = False
    where: str = ""


@dataclass
class SectionMap:
    by_key: dict[str, SectionRule] = field(default_factory=dict)
    by_words: dict[tuple[str, ...], SectionRule] = field(default_factory=dict)
    # Longest first: the rules whose names may be found inside a free-text citation.
    phrases: list[tuple[tuple[str, ...], SectionRule]] = field(default_factory=list)

    def add(self, rule: SectionRule, canonical) -> None:
        for name in rule.names:
            if "/" in name and " " not in name and name == name.lower():
                self.by_key[name] = rule
                continue
            for form in {name, PARENS.sub(" ", name)}:
                words = canonical(form)
                if words:
                    self.by_words.setdefault(words, rule)
                    self.phrases.append((words, rule))
        self.phrases.sort(key=lambda p: -len(p[0]))

    def rule_for_title(self, title: str, canonical) -> SectionRule | None:
        for form in (title, PARENS.sub(" ", title)):
            rule = self.by_words.get(canonical(form))
            if rule is not None:
                return rule
        return None

    def rules_in_text(self, text: str, canonical) -> list[SectionRule]:
        """Rules whose names occur in a free-text citation, longest name first (only names of
        two words or more: one word inside a citation is too little to go on)."""
        words = canonical(text)
        out = []
        for name, rule in self.phrases:
            if len(name) >= 2 and rule not in out and _contains(words, name):
                out.append(rule)
        return out


def _contains(words: tuple[str, ...], name: tuple[str, ...]) -> bool:
    n = len(name)
    return any(words[i : i + n] == name for i in range(len(words) - n + 1))
