"""Disputed items: "<request>: Upheld|Overturned", the two guideline paragraphs, the rationale.

Items are found by their decision line, which is unambiguous. The request that precedes it is
recovered by walking back from the decision line to the end of the previous rationale (a line
ending a sentence, or a short line). Partly authorised requests contain sentences of their own
("X was the original request. Y was authorized ..."), so for those the walk continues to the
sentence that opens the request.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .citations import parse_guideline
from .clean import ends_sentence, join_lines, join_paragraphs
from .result import Item

# "<request>: Upheld"; the colon is occasionally lost in extraction ("<request>  Upheld"), which
# is safe to accept because a decision line must be followed by a guideline/rationale label.
_DECISION_LINE = re.compile(r"^(?P<req>.*?)(?:\s*:|\s)\s*(?P<dec>Upheld|Overturned)\s*\.?$", re.IGNORECASE)
_DECISION_ALONE = re.compile(r"^(?P<dec>Upheld|Overturned)\s*\.?$", re.IGNORECASE)
_CA_LABEL = re.compile(r"^Claims\s+Administrator\s+guidelines?\s*:\s*", re.IGNORECASE)
_MAX_LABEL = re.compile(r"^MAXIMUS\s+guidelines?\s*:\s*", re.IGNORECASE)
_RAT_LABEL = re.compile(r"^Decision\s+rationale\s*:\s*", re.IGNORECASE)
_ANY_LABEL = re.compile(r"^(?:Claims\s+Administrator\s+guidelines?|MAXIMUS\s+guidelines?|Decision\s+rationale)\s*:", re.I)
_PARTIAL_MARK = re.compile(r"IMR\s+eligible|original\s+request", re.IGNORECASE)
_PARTIAL_OPENING = re.compile(
    r"\bwas\s+the\s+original\s+request\b|\bThe\s+Claims\s+Administrator\s+authorized\b", re.IGNORECASE
)
_DISPUTED = re.compile(
    r"(?:^|(?<=[.!?]\s))(?:(?:Retrospective\s*:\s*)?The\s+remaining\s+IMR\s+eligible\s+portion\s+of\s+the\s+original\s+request|"
    r"The\s+original\s+request)\s*,?\s*(?P<portion>.+?)\s*,?(?:\s+is)?\s*$",
    re.IGNORECASE | re.S,
)
_WAS_ORIGINAL = re.compile(r"\bwas\s+the\s+original\s+request\b", re.IGNORECASE)
_ENDS_WAS_ORIGINAL = re.compile(r"\bwas\s+the\s+original\s+request\s*\.?$", re.IGNORECASE)
_MAX_PARTIAL_LINES = 12
_INTRO = re.compile(r"The\s+Final\s+Determination\s+was\s+based\s+on\s+decisions", re.IGNORECASE)


@dataclass
class _Anchor:
    line: int          # index of the line carrying the decision word
    first: int         # first line of the request
    decision: str
    request_tail: str  # request text on the decision line (before ": Upheld")


def _is_break(line: str, width: int) -> bool:
    """Could `line` be the last line of what precedes a request?"""
    if _INTRO.search(line) or _ANY_LABEL.match(line):
        return True
    return ends_sentence(line) or len(line) < width * 0.6


def find_items(lines: list[str], width: int, context: str = "") -> tuple[list[Item], list[str]]:
    """`lines`: the content lines of the IMR ISSUES section (heading excluded)."""
    warnings: list[str] = []
    anchors: list[_Anchor] = []
    floor = 0
    for i, line in enumerate(lines):
        if _ANY_LABEL.match(line):
            continue
        m = _DECISION_LINE.match(line)
        alone = _DECISION_ALONE.match(line)
        if alone and i > floor:
            decision, tail, first = alone.group("dec"), None, i - 1
        elif m and m.group("req"):
            decision, tail, first = m.group("dec"), m.group("req"), i
        else:
            continue
        # A decision line must be followed by the guideline/rationale labels.
        nxt = next((l for l in lines[i + 1:i + 3]), "")
        if not _ANY_LABEL.match(nxt):
            continue
        first = _walk_back(lines, first, floor, width)
        anchors.append(_Anchor(i, first, decision.capitalize(), tail or ""))
        floor = i + 1
    items = []
    for k, a in enumerate(anchors):
        end = anchors[k + 1].first if k + 1 < len(anchors) else len(lines)
        req_lines = lines[a.first:a.line]
        if a.request_tail:
            req_lines = req_lines + [a.request_tail]
        else:
            req_lines = req_lines[:]
            if req_lines:
                req_lines[-1] = re.sub(r"\s*:\s*$", "", req_lines[-1])
        request = join_lines(req_lines, context).strip()
        item = Item(request=request, decision=a.decision)  # type: ignore[arg-type]
        dm = _DISPUTED.search(request) if _PARTIAL_MARK.search(request) else None
        if dm:
            item.disputed_portion = dm.group("portion").strip(" ,")
        _fill_body(item, lines[a.line + 1:end], width, context, warnings)
        items.append(item)
    return items, warnings


def _walk_back(lines: list[str], first: int, floor: int, width: int) -> int:
    """Index of the first line of the request whose last line is lines[first]."""
    start = first
    while start - 1 >= floor and not _is_break(lines[start - 1], width):
        start -= 1
    text = " ".join(lines[start:first + 1])
    if _PARTIAL_MARK.search(text) and not _PARTIAL_OPENING.search(text):
        # partly authorised: extend to the sentence that opens the request
        probe = start
        # a partly authorised request is a few lines long; do not scan further back than that
        limit = max(floor, start - _MAX_PARTIAL_LINES)
        while probe - 1 >= limit:
            probe -= 1
            text = " ".join(lines[probe:first + 1])
            if _PARTIAL_OPENING.search(text):
                while probe - 1 >= floor and not _is_break(lines[probe - 1], width):
                    probe -= 1
                return probe
        return start
    if _PARTIAL_MARK.search(text) and not _WAS_ORIGINAL.search(text):
        # "X was the original request." may stand on lines of its own, ending in a period, before
        # "The Claims Administrator authorized Y, leaving the original request IMR eligible. ..."
        for k in range(1, 4):
            if start - k < floor:
                break
            if _ENDS_WAS_ORIGINAL.search(" ".join(lines[start - k:start])):
                probe = start - k
                while probe - 1 >= floor and not _is_break(lines[probe - 1], width):
                    probe -= 1
                return probe
    return start


def _fill_body(item: Item, body: list[str], width: int, context: str, warnings: list[str]) -> None:
    """Split the lines after the decision into the three labelled paragraphs."""
    blocks: dict[str, list[str]] = {}
    current = None
    for line in body:
        for key, regex in (("ca", _CA_LABEL), ("max", _MAX_LABEL), ("rat", _RAT_LABEL)):
            m = regex.match(line)
            if m and key not in blocks:
                current = key
                blocks[key] = []
                line = line[m.end():]
                break
        if current is None:
            continue
        if line:
            blocks[current].append(line)
    label = item.request[:60]
    if "ca" in blocks:
        item.claims_administrator, w = parse_guideline(join_lines(blocks["ca"], context))
        warnings.extend(f"item {label!r}: claims administrator {x}" for x in w)
    else:
        warnings.append(f"item {label!r}: no Claims Administrator guideline")
    if "max" in blocks:
        item.maximus, w = parse_guideline(join_lines(blocks["max"], context))
        warnings.extend(f"item {label!r}: MAXIMUS {x}" for x in w)
    else:
        warnings.append(f"item {label!r}: no MAXIMUS guideline")
    if blocks.get("rat"):
        item.rationale = join_paragraphs(blocks["rat"], width, context)
    else:
        warnings.append(f"item {label!r}: no decision rationale")
