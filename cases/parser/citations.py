"""Guideline clauses -> Citation objects.

"Decision based on MTUS Low Back Complaints 2004, Section(s): Summary, and Chronic Pain Medical
Treatment 2016, Section(s): Facet blocks.  Decision based on Non-MTUS Citation ACOEM ..., pg. 607."
gives three citations: two MTUS documents and one Non-MTUS clause.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .result import Citation

_DATA = Path(__file__).resolve().parent / "data"

_NONE = re.compile(r"did\s+not\s+cite\s+any\s+medical\s+evidence", re.IGNORECASE)
_CLAUSE_START = re.compile(r"Decision\s+based\s+on\s+", re.IGNORECASE)
_NON_MTUS_HEAD = re.compile(r"^Non-?\s?MTUS(?:\s+Citations?)?\s*[:,]?\s*", re.IGNORECASE)
_MTUS_HEAD = re.compile(r"^(?:the\s+)?(?:California\s+)?MTUS\b\s*(?:\(\s*[^)]*\))?\s*[:,-]?\s*", re.IGNORECASE)
_YEAR = r"(?:19|20)\d{2}"
_PAGES = re.compile(
    r"\b(?:pages?|pgs?\.?|pp?\.?)\s*(\d+(?:\s*(?:-|\u2013|to)\s*\d+)?(?:\s*(?:,|and)\s*\d+(?:\s*(?:-|\u2013)\s*\d+)?)*)",
    re.IGNORECASE,
)
_SECTIONS_LABEL = re.compile(r",?\s*Sections?\s*\(?s?\)?\s*:\s*", re.IGNORECASE)
_TRAILING_GUIDELINES = re.compile(r"\s+Guidelines?$", re.IGNORECASE)
_PART_OF_MTUS = re.compile(r",?\s*which\s+(?:is|are)\s+(?:a\s+)?part\s+of\s+(?:the\s+)?MTUS\b\.?", re.IGNORECASE)
_NUMBERED_SECTION = re.compile(r"^\d+(?:\.\d+)+\s")


@lru_cache(maxsize=1)
def known_titles() -> tuple[str, ...]:
    return _load_list("mtus_documents.txt")


@lru_cache(maxsize=1)
def known_sections() -> frozenset:
    return frozenset(s.lower() for s in _load_list("known_sections.txt"))


@lru_cache(maxsize=1)
def _max_known_pieces() -> int:
    """Most comma-separated pieces in one known title: bounds the look-ahead when merging."""
    return max((t.count(",") + 1 for t in known_sections()), default=1)


def _load_list(name: str) -> tuple[str, ...]:
    path = _DATA / name
    if not path.exists():
        return ()
    lines = (line.strip() for line in path.read_text(encoding="utf-8").split("\n"))
    return tuple(line for line in lines if line and not line.startswith("#"))


@lru_cache(maxsize=1)
def _doc_boundary() -> re.Pattern:
    """Candidate places where one MTUS document ends and the next begins: ", and <Title> <year>"."""
    titles = sorted(known_titles(), key=len, reverse=True)
    known = "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in titles) or "(?!)"
    # bounded repetition: a title has a handful of words, and unbounded nesting backtracks badly
    generic = r"[A-Z][A-Za-z/&'-]*(?:,?\s+(?:and|of|for|the|&|[A-Z][A-Za-z/&'-]*)){0,10}"
    return re.compile(r",?\s+and\s+(?=(?:MTUS\s+)?(?:" + known + r"|" + generic + r")\s+" + _YEAR + r"\b)")


_HAS_YEAR = re.compile(r"\b" + _YEAR + r"\b")


def split_documents(body: str) -> list[str]:
    """Split an MTUS clause into documents. A boundary is only accepted once the current
    document has had its year, so "Neck and Upper Back Complaints 2004" and "Forearm, Wrist,
    and Hand Complaints 2004" stay whole."""
    parts: list[str] = []
    start = 0
    for m in _doc_boundary().finditer(body):
        if m.start() < start:
            continue
        if _HAS_YEAR.search(body, start, m.start()):
            parts.append(body[start : m.start()])
            start = m.end()
    parts.append(body[start:])
    return parts


_DOC = re.compile(r"^(?P<title>.+?)\s*,?\s+(?P<year>" + _YEAR + r")\b(?:\s+Guidelines?)?\s*(?P<rest>.*)$", re.S)


def normalise_clause(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def find_pages(text: str) -> str | None:
    """'pg. 607' -> '607'; 'pages 74 to 96' -> '74-96'; 'page 60 and 61' -> '60, 61'."""
    found: list[str] = []
    for m in _PAGES.finditer(text):
        for r in re.finditer(r"(\d+)(?:\s*(?:-|\u2013|to)\s*(\d+))?", m.group(1)):
            found.append(f"{r.group(1)}-{r.group(2)}" if r.group(2) else r.group(1))
    if not found:
        return None
    return ", ".join(dict.fromkeys(found))


def parse_guideline(text: str) -> tuple[list[Citation], list[str]]:
    """One party's guideline paragraph -> citations, warnings."""
    text = normalise_clause(text)
    citations: list[Citation] = []
    warnings: list[str] = []
    if _NONE.search(text):
        citations.append(Citation(kind="NONE", clause=text))
    starts = [m for m in _CLAUSE_START.finditer(text)]
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        clause = text[m.start() : end].strip()
        body = text[m.end() : end].strip()
        if _NON_MTUS_HEAD.match(body):
            doc = _NON_MTUS_HEAD.sub("", body, count=1).strip()
            doc = re.sub(r"[\s.]+$", "", doc)
            if not doc:
                warnings.append(f"empty Non-MTUS citation: {clause!r}")
                continue
            citations.append(Citation(kind="NON_MTUS", document=doc, pages=find_pages(doc), clause=clause.rstrip()))
        elif _MTUS_HEAD.match(body):
            docs = parse_mtus(_MTUS_HEAD.sub("", body, count=1))
            if not docs:
                warnings.append(f"unrecognised MTUS citation: {clause!r}")
            citations.extend(docs)
        else:
            # "Decision based on ODG ..." without the Non-MTUS marker: keep it as Non-MTUS.
            doc = re.sub(r"[\s.]+$", "", body)
            if doc:
                warnings.append(f"citation without MTUS/Non-MTUS marker: {clause!r}")
                citations.append(Citation(kind="NON_MTUS", document=doc, pages=find_pages(doc), clause=clause))
    if not citations and text:
        if not re.search(r"outside\s+of\s+the\s+MTUS|did\s+not\s+base\s+(?:their|its)\s+decision", text, re.I):
            warnings.append(f"guideline text with no citation: {text[:80]!r}")
        else:
            warnings.append(f"guideline preamble with no citation: {text[:80]!r}")
    return citations, warnings


def parse_mtus(body: str) -> list[Citation]:
    """'Low Back Complaints 2004, Section(s): Summary, and Chronic Pain ... 2016, Section(s): X.'"""
    body = re.sub(r"[\s.]+$", "", body.strip())
    # 2013-14 wording: "..., Opioids, pages 74-96, which is part of the MTUS"
    body = _PART_OF_MTUS.sub("", body).strip(" ,")
    parts = split_documents(body)
    out: list[Citation] = []
    for part in parts:
        part = part.strip(" ,")
        if not part:
            continue
        m = _DOC.match(part)
        if m:
            title, year, rest = m.group("title"), int(m.group("year")), m.group("rest")
        else:
            # no year: "MTUS Chronic Pain Medical Treatment Guidelines, Opioids, page 79"
            sm = _SECTIONS_LABEL.search(part)
            title = part[: sm.start()] if sm else re.split(r",", part, maxsplit=1)[0]
            rest = part[len(title) :]
            year = None
        title = _clean_title(title)
        sections: list[str] = []
        sm = _SECTIONS_LABEL.match(rest)
        if sm:
            sections = split_sections(rest[sm.end() :])
        elif year is None and rest.strip(" ,"):
            # unlabelled topics after the title; drop page references and joining "and"s
            sections = [re.sub(r"^and\s+", "", s) for s in split_sections(rest.strip(" ,"))]
            sections = [s for s in sections if s]
        pages = find_pages(rest)
        out.append(Citation(kind="MTUS", document=title, year=year, sections=sections, pages=pages, clause=part))
    return out


def _clean_title(title: str) -> str:
    title = title.strip(" ,.")
    title = re.sub(r"^(?:MTUS|California\s+MTUS)\s+", "", title, flags=re.I)
    title = _TRAILING_GUIDELINES.sub("", title)
    title = re.sub(r"\s*\((?:MTUS|CA\s+MTUS)\)$", "", title)
    return title.strip(" ,")


def _top_level_split(text: str, sep: str = ",") -> list[str]:
    """Split on `sep` outside parentheses and brackets."""
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]" and depth:
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts]


def split_sections(text: str) -> list[str]:
    """Section titles, split on commas except inside known comma-bearing titles.

    Rules: commas inside parentheses never split; a piece starting in lower case or with "&"
    continues the previous title ("TENS, chronic pain (...)", "Ultrasound, therapeutic"); known
    titles with commas (data/known_sections.txt) are kept whole; numbered Opioid Treatment
    sections ("3.3.9 Opioids for ...: ...") split only before the next number.
    """
    text = re.sub(r"[\s.;]+$", "", text.strip())
    text = _PAGES.sub("", text).strip(" ,")
    if not text:
        return []
    if _NUMBERED_SECTION.match(text):
        return [p.strip(" ,") for p in re.split(r",\s+(?=\d+(?:\.\d+)+\s)", text) if p.strip(" ,")]
    pieces = [p for p in _top_level_split(text) if p]
    known = known_sections()
    merged: list[str] = []
    i = 0
    while i < len(pieces):
        # longest known comma title starting here
        best = None
        for j in range(min(len(pieces), i + _max_known_pieces()), i + 1, -1):
            candidate = ", ".join(pieces[i:j])
            if candidate.lower() in known:
                best = (candidate, j)
                break
        if best:
            merged.append(best[0])
            i = best[1]
            continue
        piece = pieces[i]
        lead = re.match(r"(?:and|&)\s+(?=[A-Z0-9])", piece)
        if lead:
            # ", and Opioids": a list joined by "and", not a continuation
            merged.append(piece[lead.end() :])
        elif merged and (piece[:1].islower() or piece.startswith("&")) and merged[-1].lower() not in known:
            merged[-1] = merged[-1] + ", " + piece
        else:
            merged.append(piece)
        i += 1
    out: list[str] = []
    for piece in merged:
        out.extend(_split_and(piece, known))
    return [p for p in out if p]


def _split_and(piece: str, known: frozenset) -> list[str]:
    """'Special Studies and Diagnostic Criteria' -> two titles, only if both halves are known."""
    if piece.lower() in known or " and " not in piece:
        return [piece.strip()]
    halves = [h.strip() for h in re.split(r"\s+and\s+", piece)]
    if all(h.lower() in known for h in halves):
        return halves
    return [piece.strip()]
