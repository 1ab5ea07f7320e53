"""Text clean-up shared by every field: control characters, page-break residue, line joining.

The parser never relies on blank lines: pypdf emits them for empty PDF paragraphs and at page
breaks, pypdfium2 emits none, and the 2013 layout is double spaced. So blank lines are dropped
and structure is recovered from the text itself.
"""

from __future__ import annotations

import re

from .hyphens import join_hyphenated

# Control characters other than newline/tab; the PDF extractors occasionally leak them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u3000]+")
# Lines that are page furniture rather than letter text: page numbers, "Page 2 of 5".
_PAGE_RESIDUE = re.compile(
    r"^(?:(?:[A-Z]{2}\d{2}-\d{5,8}\s*[-|]?\s*)?page\s+\d+(?:\s+of\s+\d+)?(?:\s*[-|]?\s*[A-Z]{2}\d{2}-\d{5,8})?"
    r"|\d{1,3}|-\s*\d{1,3}\s*-|\d{1,3}\s*/\s*\d{1,3})$",
    re.IGNORECASE,
)
# A lone case number is a page footer below the header block; inside the header block (the
# first lines) it can be the value of "Case Number:" printed on a line of its own.
_CASE_FOOTER = re.compile(r"^[A-Z]{2}\d{2}-\d{5,8}$")
_HEADER_LINES = 15


def normalise(text: str) -> str:
    """Unify newlines and characters that differ between extraction libraries."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # pypdfium2 marks a hyphen that ends a line as U+FFFE and glues the next line on.
    text = text.replace("\ufffe", "-\n").replace("\u00ad", "-\n").replace("\u2010", "-")
    text = text.replace("\f", "\n")
    text = _CONTROL.sub("", text)
    return text


def content_lines(text: str) -> list[str]:
    """Non-blank lines with whitespace collapsed and page residue removed."""
    out = []
    for line in _SPACES.sub(" ", text).split("\n"):
        line = line.strip()
        if not line or (len(line) < 40 and _PAGE_RESIDUE.match(line)):
            continue
        if len(out) >= _HEADER_LINES and _CASE_FOOTER.match(line):
            continue
        out.append(line)
    return out


def collapse(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


_CLOSERS = "\"'\u201d\u2019)]"


def ends_sentence(line: str) -> bool:
    """Ends with . ! or ?, possibly followed by closing quotes or brackets."""
    stripped = line.rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in ".!?"


def line_width(lines: list[str]) -> int:
    """Typical full line length of the letter (90th percentile), for paragraph detection."""
    if not lines:
        return 100
    lengths = sorted(len(line) for line in lines)
    return max(lengths[int(len(lengths) * 0.9)], 40)


def join_lines(lines: list[str], context: str = "") -> str:
    """Join wrapped lines into one string, repairing line-wrap hyphens."""
    out = ""
    for line in lines:
        if not out:
            out = line
        elif out.endswith("-") and len(out) > 1:
            out = join_hyphenated(out, line, context)
        else:
            out = out + " " + line
    return out


def join_paragraphs(lines: list[str], width: int, context: str = "") -> str:
    """Join lines into paragraphs: a line ending a sentence well short of the margin ends one."""
    paragraphs: list[list[str]] = [[]]
    limit = int(width * 0.75)
    for i, line in enumerate(lines):
        paragraphs[-1].append(line)
        if i + 1 < len(lines) and ends_sentence(line) and len(line) < limit:
            paragraphs.append([])
    return "\n\n".join(join_lines(p, context) for p in paragraphs if p)
