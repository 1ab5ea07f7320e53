"""Entry points of the parser: parse_text, parse_file, extract_text."""
from __future__ import annotations

import re
from pathlib import Path

from .clean import collapse, content_lines, join_lines, join_paragraphs, line_width, normalise
from .header import parse_header
from .items import find_items
from .pdf import ExtractionError, extract_bytes, extract_text
from .result import ParsedLetter
from .reviewer import parse_credentials
from .summary import find_patient, strip_preamble

__all__ = ["ExtractionError", "extract_bytes", "extract_text", "parse_text", "parse_file"]

_HOW = re.compile(r"^HOW\s+THE\s+IMR\s+FINAL\s+DETERMINATION\s+WAS\s+MADE\b", re.IGNORECASE)
_SUMMARY = re.compile(r"^CLINICAL\s+CASE\s+SUMMARY\b", re.IGNORECASE)
_ISSUES = re.compile(r"^IMR\s+ISSUES,?\s+DECISIONS,?\s+AND\s+RATIONALES?\b", re.IGNORECASE)
_ISSUES_INTRO = re.compile(
    r"^The\s+Final\s+Determination\s+was\s+based\s+on\s+decisions\s+for\s+the\s+disputed\s+items", re.IGNORECASE
)
_SUMMARY_INTRO_END = re.compile(r"including\s+all\s+medical\s+records\s*:\s*$", re.IGNORECASE)
_IMR_MARKERS = re.compile(
    r"Independent\s+Medical\s+Review|IMR\s+ISSUES|MAXIMUS|Claims\s+Administrator\s+guideline|Decision\s+rationale",
    re.IGNORECASE,
)
_LICENSURE = re.compile(r"State\(s\)\s+of\s+Licensure\s*:", re.IGNORECASE)


def _find(lines: list[str], regex: re.Pattern, start: int = 0) -> int:
    for i in range(start, len(lines)):
        if regex.match(lines[i]):
            return i
    return -1


def parse_text(text: str, source_name: str = "") -> ParsedLetter:
    """Parse the text of one IMR letter. Never raises on bad input: problems go to `errors`."""
    letter = ParsedLetter()
    prefix = f"{source_name}: " if source_name else ""
    try:
        _parse(text, letter)
    except Exception as exc:  # a parser bug must not take a batch down; report it plainly
        letter.errors.append(f"internal parser error: {type(exc).__name__}: {exc}")
    if prefix:
        letter.errors = [prefix + e for e in letter.errors]
        letter.warnings = [prefix + w for w in letter.warnings]
    return letter


def _parse(text: str, letter: ParsedLetter) -> None:
    if not isinstance(text, str):
        letter.errors.append(f"expected text, got {type(text).__name__}")
        return
    text = normalise(text)
    lines = content_lines(text)
    letter.text = "\n".join(lines)
    if not lines:
        letter.errors.append("empty text: nothing to parse")
        return
    if "\ufffd" in text[:2000] and text[:2000].count("\ufffd") > 20:
        letter.errors.append("text looks like binary data (many undecodable characters)")
        return
    if not _IMR_MARKERS.search(text):
        letter.errors.append("not an IMR determination letter (no IMR headings or guideline/rationale labels found)")
        return
    context = text.lower()
    width = line_width(lines)

    how = _find(lines, _HOW)
    summ = _find(lines, _SUMMARY)
    issues = _find(lines, _ISSUES)
    first_heading = min((i for i in (how, summ, issues) if i >= 0), default=len(lines))

    header = parse_header(collapse(" ".join(lines[:first_heading])))
    letter.case_number = header["case_number"]
    for name in ("date_assigned", "date_of_injury", "decision_date", "ur_denial_date", "application_received"):
        setattr(letter, name, header[name])
    letter.priority = header["priority"]
    # 2016-17: header table with "Date Assigned" and the "State(s) of Licensure" credentials
    # block; 2013-14: no such table, a "Board Certified in ..." sentence instead.
    if how >= 0 and ("date_assigned" in header["found"] or _LICENSURE.search(text)):
        letter.layout = "2016"
    elif how >= 0:
        letter.layout = "2013"

    # Reviewer credentials
    if how >= 0:
        end = next((i for i in (summ, issues) if i > how), len(lines))
        letter.reviewer = parse_credentials(join_lines(lines[how + 1:end], context))
    else:
        letter.warnings.append("no HOW THE IMR FINAL DETERMINATION WAS MADE section found")
    if not letter.reviewer.specialty:
        letter.warnings.append("reviewer specialty not found")

    # Clinical case summary
    if summ >= 0:
        end = issues if issues > summ else len(lines)
        body = lines[summ + 1:end]
        # drop the two-line boilerplate that opens the summary
        for k, line in enumerate(body[:4]):
            if _SUMMARY_INTRO_END.search(line):
                body = body[k + 1:]
                break
        summary = join_paragraphs(body, width, context)
        letter.clinical_summary = strip_preamble(summary)
        letter.patient = find_patient(letter.clinical_summary)
        if letter.patient.age is None:
            letter.warnings.append("patient age not found in the clinical summary")
        if letter.patient.sex is None:
            letter.warnings.append("patient sex not found in the clinical summary")
    else:
        letter.warnings.append("no CLINICAL CASE SUMMARY section found")

    # Items
    if issues < 0:
        letter.errors.append("no IMR ISSUES, DECISIONS AND RATIONALES section found")
        return
    start = issues + 1
    intro = _find(lines, _ISSUES_INTRO, start)
    if intro == start:
        start = intro + 1
    items, warnings = find_items(lines[start:], width, context)
    letter.items = items
    letter.warnings.extend(warnings)
    if not items:
        letter.errors.append("no disputed items found in the IMR ISSUES section (expected '<request>: Upheld|Overturned')")

    if letter.layout == "2016":
        for name, label in (("case_number", "case number"), ("decision_date", "decision date")):
            if getattr(letter, name) is None:
                letter.warnings.append(f"{label} not found in the header block")
        if letter.priority is None:
            letter.warnings.append("priority not found in the header block")
    elif letter.layout == "unknown":
        letter.warnings.append("unrecognised layout (neither the 2016 header block nor the 2013 layout)")


def parse_file(path: str | Path) -> ParsedLetter:
    """Extract and parse one file; extraction problems come back as errors, never exceptions."""
    name = str(path)
    try:
        text = extract_text(path)
    except ExtractionError as exc:
        letter = ParsedLetter()
        letter.errors.append(str(exc))
        return letter
    except Exception as exc:  # unexpected library failure on a hostile file
        letter = ParsedLetter()
        letter.errors.append(f"{name}: could not extract text ({type(exc).__name__}: {exc})")
        return letter
    return parse_text(text, source_name=Path(path).name)
