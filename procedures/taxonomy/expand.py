"""Query expansion: what users type (MBB, ESI, Norco, EMG/NCS, shockwave, chiro) -> the
procedures it names and the phrases to OR in.

A query is read by the same recogniser as a request (procedures.taxonomy.terms over normalised
words): any case, inflections, hyphens and compounds, clipped forms, close misspellings, a term's
distinctive words without its generic ones ("shockwave" for "shock wave therapy"), brands of the
drug lexicon. Catch-all procedures (generic words such as "surgery") are not recognised.
Synonyms are expanded here, in our code, rather than by the search engine: the Elasticsearch
stand-in applies search-time synonyms poorly, and one expansion serves both backends.
"""

from __future__ import annotations

from typing import Optional

from .classify import find_terms
from .loader import default_taxonomy
from .matching import normalise_space
from .model import Expansion, Procedure, Taxonomy


def _plural(phrase: str) -> Optional[str]:
    """English plural of a multi-word phrase's last word, or None when it has none worth adding.

    Letters write "Facet joint injections"; a phrase query for the singular misses them on an
    engine without stemming. Abbreviations (MRI), gerunds (imaging) and words already ending
    in s/x/ch/sh are left alone."""
    head, _, last = phrase.rpartition(" ")
    if not head or not last.isalpha() or not last.islower() or last.endswith(("ing", "s", "x", "ch", "sh")):
        return None
    if last.endswith("y") and last[-2:-1] not in "aeiou":
        return f"{head} {last[:-1]}ies"
    return f"{head} {last}s"


def expand_query(text: str, taxonomy: Optional[Taxonomy] = None) -> Expansion:
    tax = taxonomy or default_taxonomy()
    query = normalise_space(text)
    if not query:
        return Expansion(phrases=[], procedures=[], body_regions=[], query=query)

    matched: list[Procedure] = []
    procedure_spans: list[tuple[int, int]] = []
    hits = sorted(find_terms(query, tax, capitals_needed=False), key=lambda h: (h.char_start, h.tier))
    for hit in hits:
        proc = tax.procedure(hit.term.procedure)
        if not proc.expandable:
            continue
        if any(s <= hit.char_start and hit.char_end <= e for s, e in procedure_spans) and hit.tier:
            continue  # a weaker reading of words another procedure's term already took
        if proc not in matched:
            matched.append(proc)
        procedure_spans.append((hit.char_start, hit.char_end))
    # Family members are siblings ("MBB" -> facet joint injections too); a class word
    # ("opioids") stands for its whole category, while a drug name ("Norco") stays itself.
    selected: list[Procedure] = []
    for proc in matched:
        if proc.class_term:
            members = [proc] + [p for p in tax.procedures if p.category == proc.category and p is not proc]
        elif proc.family:
            members = tax.family_members(proc.family)
        else:
            members = [proc]
        for member in members:
            if member not in selected:
                selected.append(member)

    phrases: list[str] = []
    seen = {query.lower()}

    def add(phrase: str) -> None:
        key = phrase.lower()
        if key not in seen:
            seen.add(key)
            phrases.append(phrase)

    for proc in selected:
        for phrase in proc.terms + proc.abbrevs + proc.expand + proc.drug_names:
            add(phrase)
            plural = _plural(phrase)
            if plural:
                add(plural)

    # Regions are reported, not OR-ed in: "lumbar" alone as an alternative would match every
    # letter that mentions the low back. The caller ranks letters whose item has the region first.
    regions, region_spans = [], []
    for region in tax.regions:
        spans = [m.span() for rx in region.query_matchers for m in rx.finditer(query)]
        if spans:
            regions.append(region)
            region_spans += spans

    return Expansion(
        phrases=phrases,
        procedures=[p.name for p in selected],
        abbreviations=list(dict.fromkeys(a for proc in selected for a in proc.abbrevs)),
        body_regions=[r.name for r in regions],
        query=query,
        procedure_spans=_merged(procedure_spans),
        region_spans=_merged(region_spans),
    )


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping spans joined ("medial branch block" and "branch block" are one mention)."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out
