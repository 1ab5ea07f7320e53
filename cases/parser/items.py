"""Disputed items: "<request>: Upheld|Overturned", the two guideline paragraphs, the rationale.

Items are found by their decision line, which is unambiguous. The request that precedes it is
recovered by walking back from the decision line to the end of the previous rationale (a line
ending a sentence, or a short line). Partly authorised requests contain sentences of their own
("X was the original request. Y was authorized ..."), so for those the walk continues to the
sentence that opens the request.

That splitting is the same for every layout; the wording it looks for (decision line, the three
labels, partial authorisation) is the layout's: `Layout.items`, an ItemMarks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .citations import parse_guideline
from .clean import ends_sentence, join_lines, join_paragraphs
from .result import Item

_MAX_PARTIAL_LINES = 12


@dataclass(frozen=True)
class PartialWording:
    """How a layout words a partly authorised request ("X was the original request. The Claims
    Administrator authorized Y, leaving the original request IMR eligible. The remaining IMR
    eligible portion of the original request, Z, is: Upheld")."""

    mark: re.Pattern  # searched in a request: it is a partly authorised one
    opening: re.Pattern  # searched: the sentence that opens such a request
    disputed: re.Pattern  # searched in the request: group `portion`, the part still disputed
    was_original: re.Pattern  # searched: "X was the original request"
    ends_was_original: re.Pattern  # searched: a line (or lines) ending with that sentence


@dataclass(frozen=True)
class ItemMarks:
    """How a layout writes its disputed items: an item starts at its request (found by walking
    back from the decision line) and ends where the next one starts; its body is split on the
    three labels."""

    decision_line: re.Pattern  # matched: "<request>: Upheld", groups `req` and `dec`
    decision_alone: re.Pattern  # matched: the decision word on a line of its own, group `dec`
    claims_administrator: re.Pattern  # matched: label opening the claims administrator's guideline
    maximus: re.Pattern  # matched: label opening the reviewer's (MAXIMUS) guideline
    rationale: re.Pattern  # matched: label opening the decision rationale
    intro: re.Pattern  # searched: the section's opening boilerplate, never part of a request
    partial: PartialWording
    shape: str  # the decision line as error messages describe it

    def is_label(self, line: str) -> bool:
        return any(r.match(line) for r in (self.claims_administrator, self.maximus, self.rationale))


@dataclass
class _Anchor:
    line: int  # index of the line carrying the decision word
    first: int  # first line of the request
    decision: str
    request_tail: str  # request text on the decision line (before ": Upheld")


def _is_break(line: str, width: int, marks: ItemMarks) -> bool:
    """Could `line` be the last line of what precedes a request?"""
    if marks.intro.search(line) or marks.is_label(line):
        return True
    return ends_sentence(line) or len(line) < width * 0.6


def find_items(lines: list[str], marks: ItemMarks, width: int, context: str = "") -> tuple[list[Item], list[str]]:
    """`lines`: the content lines of the issues section (heading excluded); `marks`: the layout's `items`."""
    warnings: list[str] = []
    anchors: list[_Anchor] = []
    floor = 0
    for i, line in enumerate(lines):
        if marks.is_label(line):
            continue
        m = marks.decision_line.match(line)
        alone = marks.decision_alone.match(line)
        if alone and i > floor:
            decision, tail, first = alone.group("dec"), None, i - 1
        elif m and m.group("req"):
            decision, tail, first = m.group("dec"), m.group("req"), i
        else:
            continue
        # A decision line must be followed by the guideline/rationale labels.
        nxt = next(iter(lines[i + 1 : i + 3]), "")
        if not marks.is_label(nxt):
            continue
        first = _walk_back(lines, first, floor, width, marks)
        anchors.append(_Anchor(i, first, decision.capitalize(), tail or ""))
        floor = i + 1
    items = []
    partial = marks.partial
    for k, a in enumerate(anchors):
        end = anchors[k + 1].first if k + 1 < len(anchors) else len(lines)
        req_lines = lines[a.first : a.line]
        if a.request_tail:
            req_lines = req_lines + [a.request_tail]
        else:
            req_lines = req_lines[:]
            if req_lines:
                req_lines[-1] = re.sub(r"\s*:\s*$", "", req_lines[-1])
        request = join_lines(req_lines, context).strip()
        item = Item(request=request, decision=a.decision)  # type: ignore[arg-type]
        dm = partial.disputed.search(request) if partial.mark.search(request) else None
        if dm:
            item.disputed_portion = dm.group("portion").strip(" ,")
        _fill_body(item, lines[a.line + 1 : end], marks, width, context, warnings)
        items.append(item)
    return items, warnings


def _walk_back(lines: list[str], first: int, floor: int, width: int, marks: ItemMarks) -> int:
    """Index of the first line of the request whose last line is lines[first]."""
    partial = marks.partial
    start = first
    while start - 1 >= floor and not _is_break(lines[start - 1], width, marks):
        start -= 1
    text = " ".join(lines[start : first + 1])
    if partial.mark.search(text) and not partial.opening.search(text):
        # partly authorised: extend to the sentence that opens the request
        probe = start
        # a partly authorised request is a few lines long; do not scan further back than that
        limit = max(floor, start - _MAX_PARTIAL_LINES)
        while probe - 1 >= limit:
            probe -= 1
            text = " ".join(lines[probe : first + 1])
            if partial.opening.search(text):
                while probe - 1 >= floor and not _is_break(lines[probe - 1], width, marks):
                    probe -= 1
                return probe
        return start
    if partial.mark.search(text) and not partial.was_original.search(text):
        # "X was the original request." may stand on lines of its own, ending in a period, before
        # "The Claims Administrator authorized Y, leaving the original request IMR eligible. ..."
        for k in range(1, 4):
            if start - k < floor:
                break
            if partial.ends_was_original.search(" ".join(lines[start - k : start])):
                probe = start - k
                while probe - 1 >= floor and not _is_break(lines[probe - 1], width, marks):
                    probe -= 1
                return probe
    return start


def _fill_body(item: Item, body: list[str], marks: ItemMarks, width: int, context: str, warnings: list[str]) -> None:
    """Split the lines after the decision into the three labelled paragraphs."""
    blocks: dict[str, list[str]] = {}
    current = None
    for line in body:
        for key, regex in (("ca", marks.claims_administrator), ("max", marks.maximus), ("rat", marks.rationale)):
            m = regex.match(line)
            if m and key not in blocks:
                current = key
                blocks[key] = []
                line = line[m.end() :]
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
