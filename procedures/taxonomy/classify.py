"""Classifying one disputed request: procedure, category, body region and laterality."""

from __future__ import annotations

import re
from typing import Optional

from .loader import default_taxonomy
from .matching import normalise_space
from .model import Classification, Procedure, Taxonomy

_LEFT = re.compile(r"\bleft\b|\blt\.?(?=\s)", re.IGNORECASE)
_RIGHT = re.compile(r"\bright\b|\brt\.?(?=\s)", re.IGNORECASE)
_BILATERAL = re.compile(r"\bbilateral(ly)?\b|\bboth\b|\bb/l\b", re.IGNORECASE)


def _first_match(proc: Procedure, text: str) -> Optional[tuple[int, int]]:
    """(start, length) of the earliest (then longest) match of any of proc's matchers."""
    best = None
    for rx in proc.matchers:
        m = rx.search(text)
        if m:
            key = (m.start(), -(m.end() - m.start()))
            if best is None or key < best:
                best = key
    return None if best is None else (best[0], -best[1])


def _distinct_mentions(hits: list[tuple[int, int]]) -> int:
    """Number of separate drug mentions: "Voltaren gel" matches diclofenac and topical NSAID at
    one place (one drug); "Flurbiprofen 10%/.../Lidocaine 5%" names two (a compound)."""
    clusters, end = 0, -1
    for start, length in sorted(hits):
        if start >= end:
            clusters += 1
        end = max(end, start + length)
    return clusters


def request_text(request: str, tax: Taxonomy) -> str:
    text = normalise_space(request)
    for rx in tax.cut_markers:
        m = rx.search(text)
        if m and m.start() > 0:
            text = text[: m.start()]
    return text


def _procedure(text: str, tax: Taxonomy) -> Optional[Procedure]:
    matches = []
    for proc in tax.procedures:
        hit = _first_match(proc, text)
        if hit:
            matches.append((proc, hit))
    if not matches:
        return None
    # Highest priority wins, then the earliest mention, then the longest.
    matches.sort(key=lambda m: (-m[0].priority, m[1][0], -m[1][1]))
    winner = matches[0][0]
    if winner.is_medication and any(rx.search(text) for rx in tax.topical_forms):
        drugs = _distinct_mentions([hit for p, hit in matches if p.is_medication])
        if drugs >= 2 or tax.compound_marker.search(text):
            return tax.procedure("compounded topical analgesic")
        if winner.topical:
            return tax.procedure(winner.topical)
    return winner


def body_regions(text: str, tax: Taxonomy) -> list[str]:
    found = [r.name for r in tax.regions if any(rx.search(text) for rx in r.matchers)]
    # "cervical spine" also says "spine"; "left upper extremity ... shoulder" names the joint.
    for general, specifics in tax.region_implied_by.items():
        if general in found and any(s in found for s in specifics):
            found.remove(general)
    return found


def laterality(text: str) -> str:
    if _BILATERAL.search(text):
        return "bilateral"
    left, right = bool(_LEFT.search(text)), bool(_RIGHT.search(text))
    if left and right:
        return "bilateral"
    return "left" if left else "right" if right else ""


def classify(request: str, taxonomy: Optional[Taxonomy] = None) -> Classification:
    tax = taxonomy or default_taxonomy()
    text = request_text(request, tax)
    proc = _procedure(text, tax)
    regions = body_regions(text, tax)
    if len(regions) > 1:
        region = tax.multiple_region
    elif regions:
        region = regions[0]
    elif proc and proc.body_region:
        region = proc.body_region
    else:
        region = tax.unspecified_region
    return Classification(
        procedure=proc.name if proc else tax.other_procedure,
        category=proc.category if proc else tax.other_category,
        body_region=region,
        laterality=laterality(text),
    )
