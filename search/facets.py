"""The facets, declared once: what a search can be narrowed and counted by. Pure Python.

Each facet is a field of the search documents (search.documents builds its value) that the
engines index as a keyword (tantivy: search.backends.embedded.facets; Elasticsearch:
search.backends.elasticsearch.mappings), count for the page and filter on; the query-string
parser (search.params) takes it as a repeatable parameter named like it; the API serializer
(search.serializers) and `manage.py search --filter` list it; the pages show its label.

Adding a facet over decisions is one line here, plus its value in search.documents when the
document does not carry it yet (docs/search.md, "Adding a facet").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Facet:
    name: str  # the document field, the query-string parameter and the API key
    label: str  # what the pages call it
    # A letter's field: every decision of a letter has the same values (a search narrowed only
    # by such facets selects whole letters, which the letter counts rely on).
    letter: bool = False
    # Several values per decision (a list field): the embedded engine keeps `slots` single-valued
    # columns for them (counting is ~10x faster on those), the values past them in one more.
    many: bool = False
    slots: int = 1
    # Its values are names a typed word may match (the decision's "names" text field).
    searchable: bool = True


# Facets over decisions, in the order the page shows them.
DECISION_FACETS: tuple[Facet, ...] = (
    Facet("decision", "Outcome", searchable=False),
    Facet("request_category", "DWC request category"),
    Facet("procedure_category", "Procedure category"),
    Facet("procedure", "Procedure"),
    Facet("body_region", "Body region"),
    Facet("guideline_document", "Guideline", many=True, slots=3),
    Facet("guideline_section", "Guideline section", many=True, slots=4),
    Facet("specialty", "Reviewer specialty", letter=True, many=True, slots=3),
    Facet("decision_year", "Decision year", letter=True, searchable=False),
)

# Facets over guideline sections (search_sections).
SECTION_FACETS_DECLARED: tuple[Facet, ...] = (
    Facet("guideline_document", "Guideline"),
    Facet("family", "Guideline family"),
)


def by_name(name: str) -> Facet | None:
    for facet in DECISION_FACETS + SECTION_FACETS_DECLARED:
        if facet.name == name:
            return facet
    return None


def label(name: str) -> str:
    facet = by_name(name)
    return facet.label if facet else name


def decision_facet_names() -> list[str]:
    return [f.name for f in DECISION_FACETS]


def section_facet_names() -> list[str]:
    return [f.name for f in SECTION_FACETS_DECLARED]


def letter_facet_names() -> set[str]:
    return {f.name for f in DECISION_FACETS if f.letter}


def searchable_names(doc: dict) -> list[str]:
    """The facet values of a decision document that a typed word may match, with its case number."""
    names = [doc.get("case_number")]
    for facet in DECISION_FACETS:
        if facet.searchable:
            value = doc.get(facet.name)
            names += value if isinstance(value, list) else [value]
        if facet.name == "body_region":
            names += doc.get("regions", [])  # the regions the request names, beside the classified one
    return [n for n in names if n]


def single_valued() -> list[str]:
    return [f.name for f in DECISION_FACETS if not f.many]
