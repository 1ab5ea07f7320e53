"""Steps 3-4 of the ingest pipeline, the CPU work: extract a file's text, parse the letter,
classify each item's procedure and plan its links and quotes against the catalog this process
holds. Functions of the bytes that never touch the database, so ingest runs them in worker
processes (`ingest --workers N`) while one process writes.

    work = parse_file_bytes(name, data)      # -> ParsedFile
    work = parse_stored_text(name, text)     # re-parse from the stored raw text
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePath

from cases.parser import ExtractionError, ParsedLetter, extract_bytes, parse_text
from guidelines.linking import cached_catalog, plan_item
from pipeline.store import citation_rows, item_row
from procedures.classify import cached_rules, cited_sections, classification
from procedures.taxonomy import default_taxonomy

log = logging.getLogger(__name__)

NOT_A_LETTER = "not an IMR determination letter (no disputed items found)"


@dataclass
class ParsedFile:
    """What the CPU steps made of one file. errors non-empty means the letter failed."""

    text: str = ""
    parsed: ParsedLetter | None = None
    errors: list[str] = field(default_factory=list)
    # One dict of DisputedItem classification fields per parsed item.
    classes: list[dict] = field(default_factory=list)
    # One guidelines.linking.ItemPlan per item (links and quotes), when a catalog was at hand.
    plans: list = field(default_factory=list)
    seconds: dict = field(default_factory=dict)  # step -> CPU seconds spent, for bench/ingest.py


def _unprefixed(messages: Iterable[str], name: str) -> list[str]:
    """Messages without the leading "<name>: " the parser adds: the record and the outcome line
    name the file already."""
    prefixes = (f"{name}: ", f"{PurePath(name).name}: ")
    out = []
    for message in messages:
        for prefix in prefixes:
            if message.startswith(prefix):
                message = message[len(prefix) :]
                break
        out.append(message)
    return out


def parse_stored_text(name: str, text: str, seconds: dict | None = None) -> ParsedFile:
    """Parse and classify a letter's text."""
    out = ParsedFile(text=text, seconds=seconds if seconds is not None else {})
    started = time.process_time()
    try:
        parsed = parse_text(text, source_name=name)
    except Exception as exc:  # noqa: BLE001 - a parser bug fails this letter, keeping its text
        log.exception("parser crashed on %s", name)
        out.errors = [f"parser error: {type(exc).__name__}: {exc}"]
        return out
    parsed.text = ""  # the cleaned text is not stored: do not ship it back to the writer
    out.errors = _unprefixed(parsed.errors, name)
    parsed.warnings = _unprefixed(parsed.warnings, name)
    if not out.errors and not parsed.items:
        out.errors.append(NOT_A_LETTER)
    out.parsed = parsed
    out.seconds["parse"] = time.process_time() - started
    if not out.errors:
        tax, rules = default_taxonomy(), cached_rules()
        catalog = cached_catalog()
        citations = [citation_rows(item) for item in parsed.items]
        if catalog is not None:
            # Links first: the sections each item's reviewer relies on are a signal of its
            # classification (the plan needs the item's rationale only, not its class).
            started = time.process_time()
            out.plans = [
                plan_item(item_row(item, n, {}), cits, catalog)
                for n, (item, cits) in enumerate(zip(parsed.items, citations))
            ]
            out.seconds["link and quotes (plan)"] = time.process_time() - started
        started = time.process_time()
        out.classes = [
            classification(item.request, tax, _cited(cits, plan, catalog), rules)
            for item, cits, plan in zip(parsed.items, citations, out.plans or [None] * len(parsed.items))
        ]
        out.seconds["classify"] = time.process_time() - started
    return out


def _cited(citations: list, plan, catalog) -> list:
    """The sections the item's reviewer relies on: the catalog sections its planned links name
    (the plan's links follow the citations' order), else the sections as cited."""
    linked = {}
    if plan is not None:
        for n, (_values, section_ids) in enumerate(plan.links):
            # In id order, as classify_items reads them from the database: the same input
            # whether an item is classified at ingest or by `reclassify`.
            sections = [catalog.sections[pk] for pk in sorted(set(section_ids)) if pk in catalog.sections]
            linked[n] = [(f"{catalog.docs[s.document_id].slug}/{s.anchor}", s.title) for s in sections]
    return cited_sections(citations, linked)


def parse_file_bytes(name: str, data: bytes) -> ParsedFile:
    """Extract the text of a letter file's bytes, then parse and classify it."""
    started = time.process_time()
    try:
        text = extract_bytes(data, name, PurePath(name).suffix)
    except ExtractionError as exc:
        return ParsedFile(errors=_unprefixed([str(exc) or "text extraction failed"], name))
    except Exception as exc:  # noqa: BLE001 - a library failing on a hostile file fails that file
        log.exception("text extraction crashed on %s", name)
        return ParsedFile(errors=[f"could not extract text ({type(exc).__name__}: {exc})"])
    seconds = {"extract": time.process_time() - started}
    if not text.strip():
        return ParsedFile(errors=["no text found in the file"], seconds=seconds)
    return parse_stored_text(name, text, seconds)


def parse_many(work: list[tuple[str, str, bytes | str]]) -> list[ParsedFile]:
    """One worker-process task: several files, so the cost of a round trip is shared.
    work: (kind "bytes" | "text", name, data)."""
    return [
        parse_file_bytes(name, data) if kind == "bytes" else parse_stored_text(name, data) for kind, name, data in work
    ]
