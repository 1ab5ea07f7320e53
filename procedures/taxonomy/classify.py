"""Classifying one disputed request: procedure, category, DWC request category, body region,
laterality, and which signal decided with what confidence.

    classify("Shockwave treatments for the left shoulder")
    classify("Retrospective request, DOS 3/1/16", cited=[Cited(title="Urine drug testing (UDT)")])

The signals, in the order they are trusted (docs/classification.md):
1. manual   a clerk's alias found in the request (Rules.aliases), or a clerk's choice for a
            section the reviewer relies on when the request's words say nothing;
2. request  the request's words, normalised (procedures.taxonomy.words), matched against the
            taxonomy's terms; "drug" when what matched is a name of the drug lexicon, which also
            gives the DWC drug class;
3. section  the guideline section the reviewer relies on (procedures.taxonomy.sections), used when
            the words are unclear (only a catch-all, a partial or corrected match) or absent, and to
            confirm or question what the words said;
4. fallback the request's form only (a surgical suffix, a dose);
5. none     procedure "other", no DWC category.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Optional

from .loader import default_taxonomy
from .matching import normalise_space
from .model import DRUG, FALLBACK, MANUAL, NONE, REQUEST, SECTION, Classification, Procedure, Signal, Taxonomy
from .sections import Cited
from .terms import Hit, TermIndex
from .words import Normaliser, raw_tokens

_LEFT = re.compile(r"\bleft\b|\blt\.?(?=\s)", re.IGNORECASE)
_RIGHT = re.compile(r"\bright\b|\brt\.?(?=\s)", re.IGNORECASE)
_BILATERAL = re.compile(r"\bbilateral(ly)?\b|\bbilat\b|\bboth\b|\bb/l\b", re.IGNORECASE)


@dataclass
class Rules:
    """A clerk's choices (procedures.models), in plain data: aliases found in requests, and
    procedures chosen for catalog sections ("<document slug>/<anchor>" -> procedure)."""

    aliases: Optional[TermIndex] = None
    sections: dict[str, str] = field(default_factory=dict)
    version: tuple = ()


def alias_index(tax: Taxonomy, aliases: Iterable[tuple[str, str]]) -> TermIndex:
    """A term index of a clerk's aliases ((phrase, procedure) pairs), normalised as the
    taxonomy's terms are and knowing the aliases' own words (so "Keratek" is "Kera-Tek")."""
    aliases = [(phrase, procedure) for phrase, procedure in aliases if phrase.strip()]
    base = tax.index.normaliser
    words, pairs = set(base.words), set(base.pairs)
    for phrase, _ in aliases:
        tokens = [w.lower() for w, _, _ in raw_tokens(phrase)]
        words.update(tokens)
        pairs.update(zip(tokens, tokens[1:]))
    normaliser = Normaliser(base.clipped, words, pairs)
    normaliser.speller = base.speller
    index = TermIndex(normaliser, tax.index.generic, tax.index.ambiguous, tax.index.regions)
    for phrase, procedure in aliases:
        index.add(phrase, procedure, "alias")
    return index


def request_text(request: str, tax: Taxonomy) -> str:
    text = normalise_space(request)
    for rx in tax.cut_markers:
        m = rx.search(text)
        if m and m.start() > 0:
            text = text[: m.start()]
    return text


def is_catch_all(proc: Procedure) -> bool:
    """A catch-all (generic words: "surgery", "consultation", "lab tests"; the data file marks it
    `expandable: false`) is no more than a hint: a specific procedure from a weaker match or
    from the section goes before it."""
    return not proc.expandable


# --- the request's words -----------------------------------------------------------------------


def find_terms(text: str, tax: Taxonomy, capitals_needed: bool = True, index: TermIndex | None = None) -> list[Hit]:
    """Hits of the taxonomy's terms (or of `index`'s) in a text, misspelt words corrected. Hits
    made with a corrected word have their places in `text` as written."""
    index = index or tax.index
    tokens = index.normaliser.tokens(text)
    hits = index.find(tokens, capitals_needed)
    speller = tax.speller
    fixes = []  # (start, end, corrected word) in the text as written
    for token in tokens:
        if token.low.isalpha() and token.norm not in index.by_word and ("#" + token.low) not in index.by_word:
            fixed = speller.correct(token.low) if speller is not None else None
            if fixed:
                fixes.append((token.start, token.end, fixed))
    if not fixes:
        return hits
    # The text again with the corrections written in (a corrected word may be a compound the
    # vocabulary splits: "radiofrequency"), and a map from its offsets back to the text's.
    parts, pos, moved = [], 0, []
    for start, end, word in fixes:
        parts.append(text[pos:start])
        new_start = sum(len(p) for p in parts)
        parts.append(word)
        moved.append((new_start, new_start + len(word), start, end))
        pos = end
    parts.append(text[pos:])
    fixed_text = "".join(parts)

    def original(offset: int, end: bool) -> int:
        shift = 0
        for new_start, new_end, start, stop in moved:
            if new_start <= offset <= new_end and (offset < new_end or end):
                return stop if end else start
            if offset > new_end or (offset == new_end and not end):
                shift = stop - new_end
        return offset + shift

    fixed_tokens = index.normaliser.tokens(fixed_text)
    corrected = {n for n, t in enumerate(fixed_tokens) if any(a <= t.start < b for a, b, _, _ in moved)}
    for hit in index.find(fixed_tokens, capitals_needed, corrected=corrected):
        if "corrected" in hit.how:
            hit.char_start, hit.char_end = original(hit.char_start, False), original(hit.char_end, True)
            if (hit.term.procedure, hit.char_start) not in {(h.term.procedure, h.char_start) for h in hits}:
                hits.append(hit)
    return hits


def _best_per_procedure(hits: list[Hit]) -> dict[str, Hit]:
    best: dict[str, Hit] = {}
    for hit in hits:
        # The hit saying most: the term of more words ("epidural steroid injection" found in any
        # order before "epidural steroid" as written), then the stronger, earlier, longer.
        key = (hit.tier, -len(hit.term.words), -hit.strength, hit.start, -hit.length)
        old = best.get(hit.term.procedure)
        if old is None or key < (old.tier, -len(old.term.words), -old.strength, old.start, -old.length):
            best[hit.term.procedure] = hit
    return best


def _distinct_mentions(spans: list[tuple[int, int]]) -> int:
    """Separate drug mentions: "Voltaren gel" is one drug named twice over; "Flurbiprofen
    10%/.../Lidocaine 5%" names two (a compound)."""
    clusters, end = 0, -1
    for start, stop in sorted(spans):
        if start >= end:
            clusters += 1
        end = max(end, stop)
    return clusters


@dataclass
class Choice:
    procedure: Procedure
    strength: float
    evidence: str
    signal: str
    drug: str = ""


def _words_choice(text: str, tax: Taxonomy) -> tuple[Optional[Choice], Optional[Choice]]:
    """(the words' choice among tier-0 hits, among tier-1 hits): each the highest priority, then
    the earliest mention, then the longest."""
    hits = find_terms(text, tax)
    patterns = []
    for proc in tax.procedures:
        for rx in proc.patterns:
            m = rx.search(text)
            if m:
                patterns.append((proc, m.start(), m.end() - m.start(), m.group()))
                break
    choices = []
    for tier in (0, 1):
        best = _best_per_procedure([h for h in hits if h.tier == tier])
        # Then the term of more words ("epidural steroid injection" over "steroid injection").
        ranked = [
            (-tax.procedure(name).priority, h.char_start, -len(h.term.words), -(h.char_end - h.char_start), name, h)
            for name, h in best.items()
        ]
        if tier == 0:
            ranked += [(-p.priority, start, -1, -length, p.name, (p, m)) for p, start, length, m in patterns]
        if not ranked:
            choices.append(None)
            continue
        ranked.sort(key=lambda r: r[:5])
        winner = ranked[0][5]
        if isinstance(winner, Hit):
            proc = tax.procedure(winner.term.procedure)
            choice = Choice(
                proc,
                winner.strength,
                text[winner.char_start : winner.char_end],
                DRUG if winner.term.kind == "drug" else REQUEST,
                winner.term.drug,
            )
        else:
            proc, matched = winner
            choice = Choice(proc, 0.9, matched, REQUEST)
        if proc.is_medication:
            choice = _medication_form(choice, text, tax, [h for h in hits if h.tier == tier])
        choices.append(choice)
    return choices[0], choices[1]


def _medication_form(choice: Choice, text: str, tax: Taxonomy, hits: list[Hit]) -> Choice:
    """A drug in a topical form is a topical analgesic; two drugs in one, or "compound", are a
    compounded topical."""
    if not any(rx.search(text) for rx in tax.topical_forms):
        return choice
    spans = [(h.char_start, h.char_end) for h in hits if tax.procedure(h.term.procedure).is_medication]
    if _distinct_mentions(spans) >= 2 or tax.compound_marker.search(text):
        target = "compounded topical analgesic"
    else:
        target = choice.procedure.topical or (tax.drugs[choice.drug].topical if choice.drug in tax.drugs else None)
    if target and target != choice.procedure.name:
        return Choice(tax.procedure(target), choice.strength, choice.evidence, choice.signal, choice.drug)
    return choice


# --- the sections the reviewer relies on -------------------------------------------------------


def _section_choice(cited: Iterable[Cited], tax: Taxonomy, rules: Rules) -> Optional[tuple[str, str, float, str]]:
    """(procedure, dwc, strength, evidence) the cited sections say, or None. A clerk's choice
    for a section, then the section map (a procedure before a DWC category alone), then the
    recogniser reading an unmapped section title."""
    sections = tax.sections
    canonical = tax.index.normaliser.canonical
    specific, categories, read = [], [], []
    for c in cited:
        if c.key and c.key in rules.sections:
            return rules.sections[c.key], "", 1.0, f"{c.title or c.key} (clerk's choice)"
        found = []
        if sections is not None:
            if c.key and c.key in sections.by_key:
                found.append(sections.by_key[c.key])
            elif c.title:
                rule = sections.rule_for_title(c.title, canonical)
                if rule is not None:
                    found.append(rule)
            if c.text:
                found += sections.rules_in_text(c.text, canonical)
        name = c.title or c.text
        for rule in found:
            if rule.ignore:
                continue
            (specific if rule.procedure else categories).append((rule, name))
        if not found and (c.title or c.text):
            hit = _read_title(c.title or c.text, tax)
            if hit is not None:
                read.append((hit, name))
    if specific:
        procs = {r.procedure for r, _ in specific}
        rule, name = specific[0]
        return rule.procedure, rule.dwc, 0.8 if len(procs) == 1 else 0.6, name
    if read:
        proc, name = read[0]
        return proc, "", 0.6, name
    if categories:
        values = {r.dwc for r, _ in categories}
        rule, name = categories[0]
        return "", rule.dwc, 0.6 if len(values) == 1 else 0.4, name
    return None


def _read_title(title: str, tax: Taxonomy) -> Optional[str]:
    hits = [h for h in find_terms(title, tax, capitals_needed=False) if h.tier == 0]
    procs = [tax.procedure(h.term.procedure) for h in hits]
    procs = [p for p in procs if not is_catch_all(p)]
    if not procs:
        return None
    return max(procs, key=lambda p: p.priority).name


# --- together ----------------------------------------------------------------------------------


def _dwc(proc: Procedure, drug: str, text: str, tax: Taxonomy) -> str:
    value = tax.dwc_for(proc, tax.drugs.get(drug))
    if proc.is_medication and not proc.dwc and tax.injection_dwc and any(rx.search(text) for rx in tax.injection_forms):
        return tax.injection_dwc
    return value


def _alias_choice(text: str, tax: Taxonomy, rules: Rules) -> Optional[Choice]:
    if rules.aliases is None or not rules.aliases.terms:
        return None
    hits = [h for h in find_terms(text, tax, index=rules.aliases) if h.tier == 0]
    if not hits:
        return None
    hit = min(hits, key=lambda h: (h.start, -h.length))
    try:
        proc = tax.procedure(hit.term.procedure)
    except KeyError:
        return None
    return Choice(proc, 1.0, f"{hit.term.text} (clerk's alias)", MANUAL)


def classify(
    request: str,
    taxonomy: Optional[Taxonomy] = None,
    cited: Iterable[Cited] = (),
    rules: Optional[Rules] = None,
) -> Classification:
    tax = taxonomy or default_taxonomy()
    rules = rules or Rules()
    text = request_text(request, tax)
    seen: list[Signal] = []

    alias = _alias_choice(text, tax, rules)
    words, weaker = _words_choice(text, tax)
    section = _section_choice(cited, tax, rules)
    for choice in (alias, words, weaker):
        if choice is not None:
            dwc = _dwc(choice.procedure, choice.drug, text, tax)
            seen.append(Signal(choice.signal, choice.procedure.name, dwc, choice.strength, choice.evidence))
    section_proc = None
    if section is not None:
        name, dwc, strength, evidence = section
        section_proc = tax.procedure(name) if name else None
        if section_proc is not None and not dwc:
            dwc = tax.dwc_for(section_proc)
        seen.append(Signal(MANUAL if "clerk's choice" in evidence else SECTION, name, dwc, strength, evidence))

    decided: Optional[Choice] = alias
    if decided is None:
        # The words as written; a catch-all or nothing gives way to a specific weaker match, and
        # then to a specific procedure the section names.
        decided = words
        if (decided is None or is_catch_all(decided.procedure)) and weaker and not is_catch_all(weaker.procedure):
            decided = weaker
        if section_proc is not None:
            if decided is None:
                strength = section[2] * (0.6 if is_catch_all(section_proc) else 1.0)
                decided = Choice(section_proc, strength, section[3], seen[-1].signal)
            elif (
                not is_catch_all(section_proc)
                and is_catch_all(decided.procedure)
                and decided.procedure.category == section_proc.category
            ):
                decided = Choice(section_proc, section[2], section[3], seen[-1].signal)
    confidence, signal, evidence, dwc = 0.0, NONE, "", ""
    if decided is not None:
        dwc = _dwc(decided.procedure, decided.drug, text, tax)
        signal, evidence = decided.signal, decided.evidence
        confidence = decided.strength * (0.95 if signal in (REQUEST, DRUG) else 1.0)
        if is_catch_all(decided.procedure):
            confidence = min(confidence, 0.6)
        if section is not None and signal in (REQUEST, DRUG):
            section_dwc = seen[-1].dwc
            same = section[0] == decided.procedure.name or (
                section_dwc and section_dwc.partition(" › ")[0] == dwc.partition(" › ")[0]
            )
            confidence = min(1.0, confidence + 0.05) if same else confidence * 0.8
    elif section is not None and section[1]:
        # Only a DWC category: the section says what kind of service it is, not which.
        dwc, confidence, signal, evidence = section[1], section[2] * 0.8, SECTION, section[3]
    if decided is None:
        for rx, name in tax.fallbacks:
            m = rx.search(text)
            if m:
                proc = tax.procedure(name)
                fallback_dwc = tax.dwc_for(proc)
                if not dwc or dwc.partition(" › ")[0] == fallback_dwc.partition(" › ")[0]:
                    decided = Choice(proc, 0.4, m.group(), FALLBACK)
                    dwc = dwc or fallback_dwc
                    confidence, signal, evidence = 0.4, FALLBACK, m.group()
                    seen.append(Signal(FALLBACK, name, fallback_dwc, 0.4, m.group()))
                break

    proc = decided.procedure if decided is not None else None
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
        dwc=dwc,
        confidence=round(confidence, 3),
        signal=signal,
        evidence=evidence[:200],
        drug=decided.drug if decided is not None else "",
        signals=tuple(seen),
    )


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
