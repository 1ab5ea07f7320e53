"""Split a guideline document's text into the catalog's sections (pure Python; used by
`manage.py import_guideline`).

    result = split_sections(pages, sections)
    result.sections   {anchor: SectionText(text, page_start, page_end)}
    result.unplaced   [(page, line)]  lines that look like headings but match no section

`pages` is a list of (page_number or None, text). A heading line matches a section by its title,
an alias or its number ("3.3", "3.3 Initiating ..."), ignoring case, spacing, hyphens and
punctuation. "Page N" lines (and "Page N of M") set the printed page number and are dropped.
A heading met twice (a table of contents, then the body) keeps the occurrence with the most text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from .normalize import norm, strip_parens

_PAGE_MARKER = re.compile(r"^\s*(?:-\s*)?page\s+(\d+)(?:\s+of\s+\d+)?\s*(?:-\s*)?$", re.I)
# A running footer ending "... Page 111 of 127" (only with "of N": a sentence may end "page 82").
_FOOTER_MARKER = re.compile(r"\bpage\s+(\d+)\s+of\s+\d+\s*$", re.I)
_BARE_NUMBER = re.compile(r"^\s*(\d{1,4})\s*$")
_NUMBERED = re.compile(r"^\s*(\d+(?:\.\d+)*)\.?\s+(.+?)\s*$")
_TOC_LEADER = re.compile(r"\s*\.{3,}\s*\d+\s*$|\s+\d+\s*$")
MAX_HEADING_WORDS = 14


@dataclass
class SectionText:
    text: str
    page_start: Optional[int]
    page_end: Optional[int]


@dataclass
class SplitResult:
    sections: dict = field(default_factory=dict)  # anchor -> SectionText
    unplaced: list = field(default_factory=list)  # (page, heading line)
    preamble: str = ""  # text before the first heading
    pages_seen: int = 0


def _heading_keys(sections: list[dict]) -> tuple[dict, dict]:
    by_title: dict[str, str] = {}
    by_number: dict[str, str] = {}
    for s in sections:
        for name in (s["title"], strip_parens(s["title"]), *s.get("aliases", [])):
            key = norm(name)
            if key:
                by_title.setdefault(key, s["anchor"])
        if s.get("number"):
            by_number[s["number"].rstrip(".")] = s["anchor"]
            by_title.setdefault(norm(f"{s['number']} {s['title']}"), s["anchor"])
    return by_title, by_number


def looks_like_heading(line: str) -> bool:
    text = line.strip()
    if not text or len(text.split()) > MAX_HEADING_WORDS or len(text) > 120:
        return False
    if text[-1] in ".,;" or not (text[0].isupper() or text[0].isdigit()):
        return False
    if _NUMBERED.match(text) and not text.replace(".", "").replace(" ", "").isdigit():
        return True
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z'\-]*", text)]
    if not words:
        return False
    if text.isupper() and len(text) > 3:
        return True
    small = {"and", "or", "of", "the", "for", "to", "in", "on", "a", "an", "with", "by", "vs", "at"}
    capitalised = sum(1 for w in words if w[0].isupper() or w.lower() in small)
    return capitalised == len(words) and len(words) >= 1


def match_heading(line: str, by_title: dict, by_number: dict) -> Optional[str]:
    text = _TOC_LEADER.sub("", line.strip()) if not _NUMBERED.fullmatch(line.strip() or "x") else line.strip()
    key = norm(text)
    if key in by_title:
        return by_title[key]
    numbered = _NUMBERED.match(text)
    if numbered:
        number, rest = numbered.group(1), numbered.group(2)
        if number in by_number:
            # "3.3 Initiating and Monitoring ..." - the number decides; the title must agree
            # loosely (a page number like "12 Low back" must not claim section 12).
            anchor = by_number[number]
            if norm(rest) in by_title and by_title[norm(rest)] == anchor:
                return anchor
            if "." in number:
                return anchor
        if norm(rest) in by_title:
            return by_title[norm(rest)]
    return None


def split_sections(
    pages: list[tuple[Optional[int], str]], sections: list[dict], heading_hints: Optional[set] = None
) -> SplitResult:
    """heading_hints: lines known to be headings (HTML <h1>-<h6>), reported when unplaced."""
    by_title, by_number = _heading_keys(sections)
    result = SplitResult()
    current: Optional[str] = None
    chunks: list[tuple[Optional[str], list[str], Optional[int], Optional[int]]] = []
    lines_now: list[str] = []
    start_page: Optional[int] = None
    last_page: Optional[int] = None
    page_offset = None  # printed page - physical page, once a "Page N" marker is seen

    def close():
        chunks.append((current, list(lines_now), start_page, last_page))

    for physical, text in pages:
        result.pages_seen += 1
        page = physical
        if page_offset is not None and physical is not None:
            page = physical + page_offset
        raw_lines = text.splitlines()
        if physical is not None:
            # A PDF page whose first or last line is a bare number: the printed page number.
            filled = [i for i, line in enumerate(raw_lines) if line.strip()]
            for i in (filled[:1] + filled[-1:]) if filled else []:
                bare = _BARE_NUMBER.match(raw_lines[i])
                if bare:
                    page_offset = int(bare.group(1)) - physical
                    page = int(bare.group(1))
                    raw_lines[i] = ""
        for raw in raw_lines:
            line = raw.strip()
            if not line:
                if lines_now and lines_now[-1] != "":
                    lines_now.append("")
                continue
            marker = _PAGE_MARKER.match(line) or (_FOOTER_MARKER.search(line) if len(line) < 160 else None)
            if marker:
                printed = int(marker.group(1))
                if physical is not None:
                    page_offset = printed - physical
                page = printed
                continue
            anchor = match_heading(line, by_title, by_number) if len(line) <= 200 else None
            if anchor:
                close()
                current, lines_now, start_page, last_page = anchor, [], page, page
                continue
            if (line in (heading_hints or ()) or looks_like_heading(line)) and not re.fullmatch(r"[\d\s.\-]+", line):
                result.unplaced.append((page, line))
            lines_now.append(line)
            if page is not None:
                last_page = page
                if start_page is None:
                    start_page = page
    close()
    best: dict[str, SectionText] = {}
    for anchor, lines, first, last in chunks:
        body = "\n".join(lines).strip()
        if anchor is None:
            result.preamble += body
            continue
        if anchor not in best or len(body) > len(best[anchor].text):
            best[anchor] = SectionText(text=_paragraphs(body), page_start=first, page_end=last)
    result.sections = best
    # A heading line inside the table of contents and the body is placed; unplaced lines are
    # reported once each.
    seen, unique = set(), []
    for page, line in result.unplaced:
        if line not in seen:
            seen.add(line)
            unique.append((page, line))
    result.unplaced = unique
    return result


def _paragraphs(body: str) -> str:
    """Join wrapped lines into paragraphs; blank lines separate paragraphs."""
    paragraphs, current = [], []
    for line in body.split("\n"):
        if not line.strip():
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        if current and current[-1].endswith("-") and not current[-1].endswith(" -"):
            current[-1] = current[-1][:-1] + line
        else:
            current.append(line)
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)
