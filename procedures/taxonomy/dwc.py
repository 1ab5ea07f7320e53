"""The DWC's request categories: the vocabulary of its IMR decision search and annual reports.

procedures/data/dwc-request-categories.txt is the list as the DWC publishes it (read from the
search form; ../shared/data/dwc-search-vocabulary/SOURCE.md): one value a line, a category alone
("Pharmaceuticals") or "Category › Sub-category" ("Pharmaceuticals › Opioids"). A few values
appear twice in two spellings ("Benzodiazepine" / "Benzodiazepines"); the first spelling is the
one the project stores and exports, and the loader knows the others as synonyms of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

SEPARATOR = " › "

# Second spellings of one value, as the list has them (the first spelling is kept).
SAME_VALUE = {
    "Pharmaceuticals › Benzodiazepines": "Pharmaceuticals › Benzodiazepine",
    "Pharmaceuticals › Asthma Medications": "Pharmaceuticals › Asthma medication",
    "Pharmaceuticals › Histamine 2": "Pharmaceuticals › H2 Blocker",
}


class VocabularyError(ValueError):
    """The vocabulary file or a value named in the data is not the DWC's."""


@dataclass
class Vocabulary:
    values: list[str]  # every line, in the list's order
    synonyms: dict[str, str] = field(default_factory=dict)  # a second spelling -> the first

    @property
    def categories(self) -> list[str]:
        return [v for v in self.values if SEPARATOR not in v]

    def canonical(self, value: str) -> str:
        value = " ".join((value or "").split())
        return self.synonyms.get(value, value)

    def check(self, value: str, where: str) -> str:
        """The value's first spelling; VocabularyError naming `where` when the list lacks it."""
        value = self.canonical(value)
        if value not in self.values:
            raise VocabularyError(f"{where}: {value!r} is not a DWC request category (dwc-request-categories.txt)")
        return value

    def pharmaceutical_class(self, name: str) -> str:
        """ "Pharmaceuticals › <name>" for a drug class of the list."""
        return self.canonical(f"Pharmaceuticals{SEPARATOR}{name}")


def split(value: str) -> tuple[str, str]:
    """("Pharmaceuticals", "Opioids") of "Pharmaceuticals › Opioids"; ("DMEPOS", "") of "DMEPOS"."""
    category, _, sub = (value or "").partition(SEPARATOR)
    return category, sub


def load_vocabulary(path: Path) -> Vocabulary:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise VocabularyError(f"{path}: cannot read the DWC vocabulary: {exc}") from exc
    values = []
    for n, line in enumerate(lines, 1):
        line = " ".join(line.split())
        if not line:
            continue
        category, sub = split(line)
        if sub and category not in values:
            raise VocabularyError(f"{path}:{n}: {line!r} comes before its category {category!r}")
        if line not in values:
            values.append(line)
    synonyms = {k: v for k, v in SAME_VALUE.items() if k in values and v in values}
    return Vocabulary(values, synonyms)
