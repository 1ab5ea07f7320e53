"""The reading steps every layout goes through, run with one layout's declarations.

    header     the lines before the first section heading, with the layout's header labels
    reviewer   the reviewer section, with the layout's credential styles
    summary    the clinical case summary without the layout's boilerplate; patient age and sex
    items      the issues section, with the layout's item wording
    checks     the layout's own warnings (a 2016 letter's missing header fields)
Missing sections become warnings (errors for the issues section), named by the layout's headings.
"""

from __future__ import annotations

from .clean import join_lines, join_paragraphs
from .header import FIELDS, parse_header
from .items import find_items
from .layouts import Layout, LetterText
from .result import ParsedLetter
from .reviewer import parse_credentials
from .summary import find_patient, strip_preamble

# The boilerplate that opens a summary ends within its first lines.
_SUMMARY_INTRO_LINES = 4


def read_letter(layout: Layout, text: LetterText, letter: ParsedLetter) -> None:
    """Fill `letter` from `text` with `layout`'s declarations."""
    sections = layout.sections(text)
    header = parse_header(text.flat(0, sections.first), layout.header_labels)
    for name in FIELDS:
        setattr(letter, name, header[name])
    letter.layout = layout.name
    _reviewer(layout, text, sections.reviewer, (sections.summary, sections.issues), letter)
    _summary(layout, text, sections.summary, sections.issues, letter)
    if _items(layout, text, sections.issues, letter):
        letter.warnings.extend(layout.checks(letter))


def _reviewer(layout: Layout, text: LetterText, start: int, nexts: tuple[int, int], letter: ParsedLetter) -> None:
    if start >= 0:
        # the section ends at the summary heading if that follows it, else at the issues heading
        end = next((i for i in nexts if i > start), len(text.lines))
        block = join_lines(text.lines[start + 1 : end], text.context)
        letter.reviewer = parse_credentials(block, layout.credentials)
    else:
        letter.warnings.append(f"no {layout.reviewer.title} section found")
    if not letter.reviewer.specialty:
        letter.warnings.append("reviewer specialty not found")


def _summary(layout: Layout, text: LetterText, start: int, issues: int, letter: ParsedLetter) -> None:
    if start < 0:
        letter.warnings.append(f"no {layout.summary.title} section found")
        return
    end = issues if issues > start else len(text.lines)
    body = text.lines[start + 1 : end]
    for k, line in enumerate(body[:_SUMMARY_INTRO_LINES]):
        if layout.summary_intro_end.search(line):
            body = body[k + 1 :]
            break
    summary = join_paragraphs(body, text.width, text.context)
    letter.clinical_summary = strip_preamble(summary, layout.summary_preamble)
    letter.patient = find_patient(letter.clinical_summary)
    if letter.patient.age is None:
        letter.warnings.append("patient age not found in the clinical summary")
    if letter.patient.sex is None:
        letter.warnings.append("patient sex not found in the clinical summary")


def _items(layout: Layout, text: LetterText, heading: int, letter: ParsedLetter) -> bool:
    """Read the items; False when there is no issues section to read them from."""
    if heading < 0:
        letter.errors.append(f"no {layout.issues.title} section found")
        return False
    start = heading + 1
    if start < len(text.lines) and layout.issues_intro.match(text.lines[start]):
        start += 1
    letter.items, warnings = find_items(text.lines[start:], layout.items, text.width, text.context)
    letter.warnings.extend(warnings)
    if not letter.items:
        letter.errors.append(
            f"no disputed items found in the {layout.issues.name} section (expected {layout.items.shape})"
        )
    return True
