"""Exports: every decision a search counts, one row each, as CSV or JSON lines, streamed.

    params = parse_search_params(query_string)           # the page's, the API's, the CLI's parser
    lines = csv_lines(rows(decision_ids(params), base_url))   # or jsonl_lines(...)

The rows are exactly the decisions the search page counts ("N decisions") for the same query
string, typo correction included: the backend's `scan` (search.backends.base) gives their ids in
one stable order (decision date, letter, decision); the rows are read from the database, the
source of truth, a chunk of ids at a time with a fixed number of SQL queries per chunk, so memory
and queries per row do not grow with the export. The search page's "Download" links, GET
/api/search/export.csv|.jsonl and `manage.py search --format csv|jsonl` all go through `rows`.

A row is the decision with its letter's fields, its DWC request category ("Category ›
Sub-category" exactly as procedures/data/dwc-request-categories.txt spells it, the first spelling
where it has two), its reviewer's (MAXIMUS) guideline citations as written and the guideline
sections they link to. JSON lines keep lists as arrays and sections as
{label, url}; CSV joins lists with " | " and gives the sections' labels and URLs in two columns
of the same order. CSV cells starting with = + - @ (or a tab or carriage return) get a leading
apostrophe: spreadsheets would otherwise run them as formulas (CSV injection); numbers are left
as they are.
"""

from __future__ import annotations

import csv
import json
import re
from typing import Iterable, Iterator

from cases.models import DisputedItem, GuidelineCitation
from guidelines.models import CitationLink, GuidelineSection
from search.backends import get_backend
from search.health import require_healthy
from search.params import SearchParams
from search.payload import determination_url
from search.spelling import correct

CHUNK = 500  # decisions read from the database per round of queries
LIST_SEPARATOR = " | "
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAXIMUS = GuidelineCitation.Party.MAXIMUS
FORMATS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}

# The row's keys, in column order (JSON lines use the same keys).
FIELDS = [
    "case_number",
    "order",
    "decision_id",
    "letter_url",
    "decision_date",
    "decision_year",
    "date_assigned",
    "application_received",
    "ur_denial_date",
    "days_to_decision",
    "priority",
    "reviewer_specialty",
    "reviewer_licensure",
    "patient_age",
    "patient_sex",
    "request",
    "disputed_portion",
    "decision",
    "request_category",
    "procedure",
    "procedure_category",
    "body_region",
    "guideline_citations",
    "guideline_sections",
    "rationale",
]
# CSV: the sections' labels in "guideline_sections", their URLs beside them.
CSV_COLUMNS = FIELDS[: FIELDS.index("guideline_sections") + 1] + ["guideline_section_urls", "rationale"]


# --- which decisions ----------------------------------------------------------------------------


def resolve(params: SearchParams, backend) -> SearchParams:
    """The search as the page runs it: a query finding nothing is retried with its typos
    corrected (the rule of search.payload.run), so the export holds what the page lists."""
    if params.q and backend.count(params.to_query()) == 0:
        fixed = correct(params.q)
        if fixed and fixed.lower() != params.q.lower():
            fixed_params = params.with_query(fixed)
            if backend.count(fixed_params.to_query()):
                return fixed_params
    return params


def decision_ids(params: SearchParams, backend=None) -> Iterator[int]:
    """Ids of every decision the search counts, in scan order. Raises SearchBackendError (also
    when the index is not whole: search.health) before any id is returned."""
    backend = backend or get_backend()
    require_healthy(backend, ["determination"])
    return backend.scan(resolve(params, backend).to_query())


# --- rows -----------------------------------------------------------------------------------------


def _iso(value) -> str | None:
    return value.isoformat() if value else None


# Read with values(): building model instances (and Django's many-to-many prefetch) cost four
# times the SQL (measured with bench/export.py).
ITEM_FIELDS = [
    "id",
    "order",
    "request",
    "disputed_portion",
    "decision",
    "rationale",
    "request_category",
    "procedure",
    "procedure_category",
    "body_region",
]
LETTER_FIELDS = [
    "id",
    "case_number",
    "decision_date",
    "date_assigned",
    "application_received",
    "ur_denial_date",
    "priority",
    "reviewer_specialty",
    "reviewer_licensure",
    "patient_age",
    "patient_sex",
]


class _Sections:
    """Guideline sections by id -> (qualified label, URL path), read as rows cite them (the
    catalog is a few thousand sections; an export meets a few hundred of them)."""

    def __init__(self):
        self.known: dict[int, tuple[str, str]] = {}

    def load(self, ids) -> None:
        missing = set(ids) - set(self.known)
        if missing:
            for section in GuidelineSection.objects.filter(pk__in=missing).select_related("document"):
                self.known[section.pk] = (section.qualified_label, section.get_absolute_url())


def _chunk_rows(ids: list[int], sections: _Sections, base_url: str) -> dict[int, dict]:
    """Rows of these decisions: three queries (decisions with their letters' fields, the
    reviewer's citations, the sections their links name), a fourth for sections not met before."""
    items = list(
        DisputedItem.objects.filter(pk__in=ids).values(*ITEM_FIELDS, *(f"determination__{f}" for f in LETTER_FIELDS))
    )
    citations: dict[int, list[tuple[int, str]]] = {}
    for pk, item_id, clause, document in (
        GuidelineCitation.objects.filter(item_id__in=ids, party=MAXIMUS)
        .order_by("item_id", "order", "pk")
        .values_list("pk", "item_id", "clause", "document")
    ):
        citations.setdefault(item_id, []).append((pk, (clause or document or "").strip()))
    linked: dict[int, list[int]] = {}
    through = CitationLink.sections.through
    for citation_id, section_id in (
        through.objects.filter(citationlink__citation__item_id__in=ids, citationlink__citation__party=MAXIMUS)
        .order_by("citationlink__citation_id", "guidelinesection__document_id", "guidelinesection__order")
        .values_list("citationlink__citation_id", "guidelinesection_id")
    ):
        linked.setdefault(citation_id, []).append(section_id)
    sections.load(s for ids_ in linked.values() for s in ids_)
    return {item["id"]: _row(item, citations.get(item["id"], []), linked, sections.known, base_url) for item in items}


def _row(
    item: dict,
    citations: list[tuple[int, str]],
    linked: dict[int, list[int]],
    sections: dict[int, tuple[str, str]],
    base_url: str,
) -> dict:
    det = {f: item[f"determination__{f}"] for f in LETTER_FIELDS}
    relied: dict[str, str] = {}
    for citation_id, _ in citations:
        for section_id in linked.get(citation_id, []):
            label, path = sections[section_id]
            relied.setdefault(label, base_url + path)
    decided, assigned = det["decision_date"], det["date_assigned"]
    url = determination_url(det["case_number"], det["id"])
    return {
        "case_number": det["case_number"] or "",
        "order": item["order"] + 1,  # the item's 1-based position in its letter
        "decision_id": item["id"],
        "letter_url": base_url + url if url else "",
        "decision_date": _iso(decided),
        "decision_year": decided.year if decided else None,
        "date_assigned": _iso(assigned),
        "application_received": _iso(det["application_received"]),
        "ur_denial_date": _iso(det["ur_denial_date"]),
        "days_to_decision": (decided - assigned).days if decided and assigned else None,
        "priority": det["priority"] or "",
        "reviewer_specialty": _names(det["reviewer_specialty"]),
        "reviewer_licensure": _names(det["reviewer_licensure"]),
        "patient_age": det["patient_age"],
        "patient_sex": det["patient_sex"] or "",
        "request": item["request"],
        "disputed_portion": item["disputed_portion"] or "",
        "decision": item["decision"] or "",
        # The DWC's "Category › Sub-category", its first spelling (dwc-request-categories.txt).
        "request_category": item["request_category"] or "",
        "procedure": item["procedure"] or "",
        "procedure_category": item["procedure_category"] or "",
        "body_region": item["body_region"] or "",
        "guideline_citations": [text for _, text in citations if text],
        "guideline_sections": [{"label": label, "url": url} for label, url in relied.items()],
        "rationale": item["rationale"] or "",
    }


def _names(values) -> list[str]:
    return [v.strip() for v in values or [] if isinstance(v, str) and v.strip()]


def _chunks(ids: Iterable[int], size: int) -> Iterator[list[int]]:
    chunk: list[int] = []
    for i in ids:
        chunk.append(i)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def rows(ids: Iterable[int], base_url: str = "") -> Iterator[dict]:
    """One row per decision id, in the order given. `base_url` ("https://host") makes the
    letter and section links absolute; without it they are site paths. A decision deleted
    since the search ran is left out."""
    base_url = (base_url or "").rstrip("/")
    sections = _Sections()
    for chunk in _chunks(ids, CHUNK):
        found = _chunk_rows(chunk, sections, base_url)
        for i in chunk:
            if i in found:
                yield found[i]


# --- formats --------------------------------------------------------------------------------------


def csv_cell(value) -> str | int:
    """A value as a CSV cell: lists joined, None empty, text that a spreadsheet would read as a
    formula prefixed with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, list):
        value = LIST_SEPARATOR.join(str(v) for v in value)
    value = str(value)
    return "'" + value if value.startswith(FORMULA_START) else value


def csv_record(row: dict) -> list:
    sections = row["guideline_sections"]
    flat = {
        **row,
        "guideline_sections": [s["label"] for s in sections],
        "guideline_section_urls": [s["url"] for s in sections],
    }
    return [csv_cell(flat[name]) for name in CSV_COLUMNS]


class _Line:
    """A file-like object whose write returns what was written (csv.writer into a generator)."""

    def write(self, text: str) -> str:
        return text


def csv_lines(rows: Iterable[dict], bom: bool = False) -> Iterator[str]:
    """The header, then one CSV record per row. `bom`: start with a UTF-8 byte order mark, which
    spreadsheets need to read the file as UTF-8 ("›" in section labels)."""
    writer = csv.writer(_Line())
    yield ("\ufeff" if bom else "") + writer.writerow(CSV_COLUMNS)
    for row in rows:
        yield writer.writerow(csv_record(row))


def jsonl_lines(rows: Iterable[dict]) -> Iterator[str]:
    for row in rows:
        yield json.dumps(row, ensure_ascii=False) + "\n"


def lines(fmt: str, rows: Iterable[dict], bom: bool = False) -> Iterator[str]:
    if fmt == "csv":
        return csv_lines(rows, bom=bom)
    if fmt == "jsonl":
        return jsonl_lines(rows)
    raise ValueError(f"unknown export format {fmt!r} (expected csv or jsonl)")


def filename(params: SearchParams, fmt: str) -> str:
    """imr-decisions-lumbar-mri.csv: the query in the name, so downloads are told apart."""
    slug = re.sub(r"[^a-z0-9]+", "-", (params.q or "").lower()).strip("-")[:60]
    return f"imr-decisions{'-' + slug if slug else ''}.{fmt}"
