"""Resolve a letter's guideline citation to a catalog document and its sections.

    linker = Linker(load_catalog_file(), load_alias_tables())
    result = linker.link(kind="MTUS", document="Low Back Complaints", year=2004,
                         sections=["Special Studies"], pages=None, clause="...")
    result.document, result.sections, result.method, result.confidence, result.needs_review

MTUS citations name their document and sections separately (the parser splits them); Non-MTUS
citations are one free clause ("Official Disability Guidelines (ODG) Low Back Chapter, MRI"), in
which the family, the chapter and the topics are found by alias. Section matching, in order:
section number, exact title, alias (also without / inside parentheticals), page within a page
range, close spelling. Whatever names a document or section the catalog lacks is flagged
needs_review, with the reason in `problem`.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass, field
from typing import Optional

from .normalize import contains_phrase, norm, paren_contents, strip_parens, tokens

EXACT_TITLE, ALIAS, NUMBER, PAGE_RANGE, FUZZY = "exact_title", "alias", "number", "page_range", "fuzzy"
DOCUMENT_ONLY, MANUAL, UNRESOLVED = "document_only", "manual", "unresolved"

_METHOD_RANK = {EXACT_TITLE: 0, NUMBER: 1, ALIAS: 2, PAGE_RANGE: 3, FUZZY: 4, DOCUMENT_ONLY: 5, UNRESOLVED: 6}
_LEADING_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)*)\.?\s+(.*)$", re.S)
_PAGE_NUMBERS = re.compile(r"\d+")
_SEPARATORS = re.compile(r"[,;/:]|\s[-\u2013]\s|\.\s|\s-(?=\S)|(?<=\S)-\s")
_MTUS_NOISE = re.compile(r"\bMTUS\b|\bguidelines?\b|\bACOEM\b|\bCalifornia\b|\bCA\b|\bchapter\s+\d+\b", re.I)
# A "section" that is only a page reference: "326", "pp. 303-305", "page 309".
_PAGE_ONLY = re.compile(r"(?:pages?|pgs?\.?|pp?\.?)?\s*\d+(?:\s*(?:-|\u2013)\s*\d+)?", re.I)
_CHAPTER_NUMBER = re.compile(r"\bchapter\s+(\d+)\b", re.I)
_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th)?")
_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b")
FUZZY_CUTOFF = 0.88


@dataclass
class LinkResult:
    document: Optional[str]  # slug
    sections: list[str] = field(default_factory=list)  # anchors, in citation order
    method: str = UNRESOLVED
    confidence: float = 0.0
    needs_review: bool = False
    problem: str = ""
    # Sections of other documents the same clause names ((slug, anchor)), e.g. "Knee/DME, Low
    # Back/Mattress selection" links to the Knee chapter and also to Low Back's topic.
    other_sections: list = field(default_factory=list)


def resolution_key(kind: str, document: Optional[str], year: Optional[int], sections) -> str:
    """The normalised text of a citation: equal for the same citation in any letter. Manual
    resolutions are stored under it."""
    parts = [kind or "", norm(document or ""), str(year or ""), "|".join(norm(s) for s in sections or [])]
    key = "#".join(parts)
    if len(key) > 480:
        key = key[:440] + "~" + hashlib.sha1(key.encode()).hexdigest()
    return key


class _DocIndex:
    """Lookup tables over one document's sections."""

    def __init__(self, doc: dict):
        self.doc = doc
        self.sections = doc.get("sections", [])
        self.by_anchor = {s["anchor"]: s for s in self.sections}
        self.by_number: dict[str, str] = {}
        self.levels: list[dict[str, set]] = [{}, {}, {}]  # exact, alias, parenthetical
        for s in self.sections:
            if s.get("number"):
                self.by_number.setdefault(s["number"].rstrip("."), s["anchor"])
            self._add(0, s["title"], s)
            if s.get("number"):
                self._add(0, f"{s['number']} {s['title']}", s)
            self._add(1, strip_parens(s["title"]), s)
            for alias in s.get("aliases", []):
                self._add(1, alias, s)
                self._add(1, strip_parens(alias), s)
            for inner in paren_contents(s["title"]):
                self._add(2, inner, s)
        # Phrases used when scanning free text (Non-MTUS clauses), longest first.
        phrases: dict[str, set] = {}
        for level in self.levels[:2]:
            for key, anchors in level.items():
                phrases.setdefault(key, set()).update(anchors)
        self.phrases = sorted(((k, v) for k, v in phrases.items() if len(v) == 1), key=lambda kv: -len(kv[0]))

    def _add(self, level: int, text: str, section: dict) -> None:
        key = norm(text)
        if key:
            self.levels[level].setdefault(key, set()).add(section["anchor"])

    def lookup(self, text: str) -> tuple[Optional[str], str, float]:
        """(anchor, method, confidence) for one section as cited, or (None, UNRESOLVED, 0)."""
        text = (text or "").strip()
        if not text:
            return None, UNRESOLVED, 0.0
        numbered = _LEADING_NUMBER.match(text)
        if numbered and numbered.group(2).strip():
            number, rest = numbered.group(1), numbered.group(2)
            anchor = self.by_number.get(number)
            if anchor:
                # "3.3 Opioids for Chronic Pain ...: Initiating and Monitoring ..." - the last
                # part after a colon is the section's own title.
                own = norm(rest.split(":")[-1])
                title_ok = own in (
                    norm(self.by_anchor[anchor]["title"]),
                    *(norm(a) for a in self.by_anchor[anchor].get("aliases", [])),
                )
                return anchor, NUMBER, 1.0 if title_ok else 0.9
        if _PAGE_ONLY.fullmatch(text):
            anchors = self.by_page(text)
            if len(anchors) == 1:
                return anchors[0], PAGE_RANGE, 0.8
            return None, UNRESOLVED, 0.0
        candidates = [text]
        if ":" in text:
            candidates.append(text.split(":")[-1])
        for candidate in candidates:
            key = norm(candidate)
            for level, method, confidence in ((0, EXACT_TITLE, 1.0), (1, ALIAS, 0.95)):
                found = self.levels[level].get(key)
                if found and len(found) == 1:
                    return next(iter(found)), method, confidence
            found = self.levels[1].get(norm(strip_parens(candidate)))
            if found and len(found) == 1:
                return next(iter(found)), ALIAS, 0.9
            for inner in paren_contents(candidate):
                found = self.levels[1].get(norm(inner)) or self.levels[0].get(norm(inner))
                if found and len(found) == 1:
                    return next(iter(found)), ALIAS, 0.85
            found = self.levels[2].get(key)
            if found and len(found) == 1:
                return next(iter(found)), ALIAS, 0.85
        anchor, method, confidence = self.fuzzy(text)
        if anchor:
            return anchor, method, confidence
        return self.prefix(text)

    def prefix(self, text: str) -> tuple[Optional[str], str, float]:
        """ "Physical Methods, Table 12-8" -> Physical Methods: the one section whose title (of two
        words or more) opens the cited text."""
        key = norm(text)
        found = {
            next(iter(v))
            for level in self.levels[:2]
            for k, v in level.items()
            if len(v) == 1 and " " in k and key.startswith(k + " ")
        }
        if len(found) == 1:
            return found.pop(), ALIAS, 0.75
        return None, UNRESOLVED, 0.0

    def parent_by_number(self, text: str) -> Optional[str]:
        """The nearest numbered ancestor in the catalog of a section number it lacks ("3.3.10")."""
        numbered = _LEADING_NUMBER.match(text or "")
        if not numbered:
            return None
        parts = numbered.group(1).split(".")
        while len(parts) > 1:
            parts = parts[:-1]
            if ".".join(parts) in self.by_number:
                return self.by_number[".".join(parts)]
        return None

    def fuzzy(self, text: str) -> tuple[Optional[str], str, float]:
        key = norm(text)
        keys = {k: v for level in self.levels[:2] for k, v in level.items() if len(v) == 1}
        close = difflib.get_close_matches(key, list(keys), n=2, cutoff=FUZZY_CUTOFF)
        if not close:
            return None, UNRESOLVED, 0.0
        best = next(iter(keys[close[0]]))
        if len(close) > 1 and next(iter(keys[close[1]])) != best:
            first = difflib.SequenceMatcher(None, key, close[0]).ratio()
            second = difflib.SequenceMatcher(None, key, close[1]).ratio()
            if first - second < 0.03:
                return None, UNRESOLVED, 0.0  # two sections equally close: a person decides
        return best, FUZZY, 0.8

    def by_page(self, pages: str) -> list[str]:
        numbers = [int(n) for n in _PAGE_NUMBERS.findall(pages or "")]
        if not numbers:
            return []
        page = numbers[0]
        found = [
            s
            for s in self.sections
            if s.get("page_start") and s.get("page_end") and s["page_start"] <= page <= s["page_end"]
        ]
        # The most specific (narrowest) range wins.
        found.sort(key=lambda s: s["page_end"] - s["page_start"])
        return [found[0]["anchor"]] if found else []

    def covers_page(self, pages: str) -> bool:
        numbers = [int(n) for n in _PAGE_NUMBERS.findall(pages or "")]
        start, end = self.doc.get("page_start"), self.doc.get("page_end")
        return bool(numbers and start and end and start <= numbers[0] <= end)

    def scan(self, text: str) -> tuple[list[str], str]:
        """Sections named anywhere in a free-text segment (longest phrases first) and what is
        left once they are taken out."""
        rest = f" {norm(text)} "
        found: list[tuple[int, str]] = []
        for phrase, anchors in self.phrases:
            pos = rest.find(f" {phrase} ")
            while pos >= 0:
                found.append((pos, next(iter(anchors))))
                rest = rest[:pos] + " " + "#" * len(phrase) + " " + rest[pos + len(phrase) + 2 :]
                pos = rest.find(f" {phrase} ")
        found.sort()
        anchors: list[str] = []
        for _, anchor in found:
            if anchor not in anchors:
                anchors.append(anchor)
        return anchors, rest.replace("#", " ")


class Linker:
    def __init__(self, documents: list[dict], tables: dict | None = None):
        tables = tables or {}
        self.documents = {d["slug"]: d for d in documents}
        self.indexes = {d["slug"]: _DocIndex(d) for d in documents}
        self.families = {fam: [norm(p) for p in phrases] for fam, phrases in (tables.get("families") or {}).items()}
        self.noise = {norm(w) for w in tables.get("noise_words") or []} | {""}
        self.acoem_old = [norm(m) for m in tables.get("acoem_second_edition") or []]
        markers = [r"\s+".join(re.escape(w) for w in m.split()) for m in tables.get("other_source_markers") or []]
        self.other_source = re.compile("|".join(markers), re.I) if markers else None
        # Document aliases per family: normalised phrase -> slugs.
        self.doc_aliases: dict[str, dict[str, list[str]]] = {}
        for d in documents:
            table = self.doc_aliases.setdefault(d["family"], {})
            for name in {d["title"], strip_parens(d["title"]), *d.get("aliases", [])}:
                key = norm(name)
                if key and d["slug"] not in table.setdefault(key, []):
                    table[key].append(d["slug"])

    # --- documents -----------------------------------------------------------------------------

    def _pick_year(self, slugs: list[str], year: Optional[int]) -> tuple[Optional[str], float]:
        if not slugs:
            return None, 0.0
        dated = sorted(slugs, key=lambda s: self.documents[s].get("year") or 0)
        if year:
            exact = [s for s in dated if self.documents[s].get("year") == year]
            if exact:
                return exact[0], 1.0
            earlier = [s for s in dated if (self.documents[s].get("year") or 0) <= year]
            return (earlier[-1] if earlier else dated[0]), 0.85
        return dated[-1], 0.9

    def mtus_document(self, name: str, year: Optional[int]) -> tuple[Optional[str], str, float]:
        table = self.doc_aliases.get("MTUS", {})
        cleaned = _MTUS_NOISE.sub(" ", name or "")
        key = norm(cleaned)
        candidates = table.get(key) or table.get(norm(strip_parens(cleaned)))
        method = EXACT_TITLE
        if not candidates:
            # "ACOEM Chapter 12 Low Back Complaints": one alias of two words or more inside.
            inside = {tuple(v) for k, v in table.items() if " " in k and contains_phrase(key, k) >= 0}
            if len(inside) == 1:
                candidates, method = list(inside.pop()), ALIAS
        if not candidates:
            close = difflib.get_close_matches(key, list(table), n=1, cutoff=FUZZY_CUTOFF)
            if not close:
                return None, UNRESOLVED, 0.0
            candidates, method = table[close[0]], FUZZY
        slug, confidence = self._pick_year(candidates, year)
        if method == EXACT_TITLE and norm(self.documents[slug]["title"]) != key:
            method = ALIAS
        return slug, method, confidence * (0.8 if method == FUZZY else 1.0)

    def family_of(self, text_norm: str) -> list[str]:
        return [
            fam for fam, phrases in self.families.items() if any(contains_phrase(text_norm, p) >= 0 for p in phrases)
        ]

    def _chapters(self, family: str, text_norm: str) -> list[tuple[int, int, str]]:
        """(position, -length, slug) of every chapter alias of `family` found in the text."""
        hits = []
        for phrase, slugs in self.doc_aliases.get(family, {}).items():
            padded = f" {text_norm} "
            start = padded.find(f" {phrase} ")
            while start >= 0:
                for slug in slugs:
                    hits.append((start, -len(phrase), slug, phrase))
                start = padded.find(f" {phrase} ", start + 1)
        hits.sort()
        return hits

    # --- sections ------------------------------------------------------------------------------

    def _sections_from_clause(self, slug: str, clause: str, chapter_phrases: list[str]) -> tuple[list[str], list[str]]:
        """Topics named in a free clause: (anchors in clause order, unmatched segments).

        Works on the clause's tokens, so a topic may span a comma ("Adhesiolysis, percutaneous").
        Topics are taken first (longest first), then chapter and family names, so a topic that
        contains a chapter word ("Antidepressants for chronic pain") stays whole. A segment
        (between , ; / : or " - ") with words left that are neither topic, chapter nor noise is
        an unmatched topic.
        """
        index = self.indexes[slug]
        text = _DATE.sub(" ", clause)
        cut = self.other_source.search(text) if self.other_source else None
        if cut:
            text = text[: cut.start()]
        segments = _SEPARATORS.split(text)
        toks: list[str] = []
        seg_of: list[int] = []
        for i, segment in enumerate(segments):
            for token in tokens(segment):
                toks.append(token)
                seg_of.append(i)
        covered: list[Optional[str]] = [None] * len(toks)
        hits: list[tuple[int, str]] = []

        def mark(phrase: str, label: str) -> list[int]:
            words = phrase.split()
            n, found = len(words), []
            for j in range(len(toks) - n + 1):
                if toks[j : j + n] == words and all(c is None for c in covered[j : j + n]):
                    covered[j : j + n] = [label] * n
                    found.append(j)
            return found

        for phrase, anchors in index.phrases:
            for j in mark(phrase, "topic"):
                hits.append((j, next(iter(anchors))))
        for phrase in chapter_phrases:
            mark(phrase, "chapter")
        hits.sort()
        anchors: list[str] = []
        for _, anchor in hits:
            if anchor not in anchors:
                anchors.append(anchor)
        unmatched: list[str] = []
        for i, segment in enumerate(segments):
            idx = [j for j in range(len(toks)) if seg_of[j] == i]
            if any(covered[j] == "topic" for j in idx):
                continue
            residue = [
                toks[j]
                for j in idx
                if covered[j] is None and toks[j] not in self.noise and not _ORDINAL.fullmatch(toks[j])
            ]
            if not residue:
                continue
            anchor, method, _ = index.lookup(" ".join(residue))
            if anchor and method != UNRESOLVED:
                if anchor not in anchors:
                    anchors.append(anchor)
                continue
            unmatched.append(" ".join(segment.split()))
        return anchors, unmatched

    @staticmethod
    def _chapter_segments(text_norm: str, hits: list) -> list[tuple[str, str]]:
        """(slug, text from the chapter's name to the next chapter's name) for each chapter named
        in `text_norm`, in order; `hits` as `_chapters` returns them (positions in " text ")."""
        spans: list[tuple[int, int, str]] = []
        for start, neg_len, slug, _ in hits:
            end = start - neg_len
            if any(s <= start < e for s, e, _ in spans):
                continue  # inside a longer name already taken ("Knee" in "Knee and Leg")
            spans.append((start, end, slug))
        padded = f" {text_norm} "
        out = []
        for k, (_start, end, slug) in enumerate(spans):
            stop = spans[k + 1][0] if k + 1 < len(spans) else len(padded)
            out.append((slug, padded[end + 1 : stop].strip()))
        return out

    @staticmethod
    def _without(text: str, phrases: list[str]) -> str:
        rest = f" {' '.join(text.split())} "
        for phrase in phrases:
            while f" {phrase} " in rest:
                rest = rest.replace(f" {phrase} ", " ")
        return " ".join(rest.split())

    # --- entry point ---------------------------------------------------------------------------

    def link(
        self,
        kind: str,
        document: Optional[str] = None,
        year: Optional[int] = None,
        sections=None,
        pages: Optional[str] = None,
        clause: str = "",
    ) -> LinkResult:
        sections = [s for s in (sections or []) if s and s.strip()]
        if kind == "NONE":
            return LinkResult(
                None, method=UNRESOLVED, confidence=0.0, needs_review=False, problem="no medical evidence cited"
            )
        if kind == "MTUS":
            return self._link_mtus(document or "", year, sections, pages)
        return self._link_free(document or clause or "", pages)

    @staticmethod
    def _rejoin(index: "_DocIndex", sections: list[str]) -> list[str]:
        """Undo a split at commas inside one title: ["Pain", "Suffering", "and the Restoration
        of Function"] -> ["Pain, Suffering, and the Restoration of Function"] when the joined
        text is a catalog title or alias (and the pieces alone are not all titles)."""
        out, i = [], 0
        while i < len(sections):
            for n in range(min(4, len(sections) - i), 1, -1):
                joined = ", ".join(s.strip() for s in sections[i : i + n])
                anchor, method, confidence = index.lookup(joined)
                if (
                    anchor
                    and method in (EXACT_TITLE, ALIAS)
                    and confidence >= 0.85
                    and not all(index.lookup(s)[1] in (EXACT_TITLE, ALIAS, NUMBER) for s in sections[i : i + n])
                ):
                    out.append(joined)
                    i += n
                    break
            else:
                out.append(sections[i])
                i += 1
        return out

    def _link_mtus(self, name: str, year, sections: list[str], pages) -> LinkResult:
        slug, method, confidence = self.mtus_document(name, year)
        if slug is None:
            return LinkResult(
                None, method=UNRESOLVED, needs_review=True, problem=f"MTUS document not in the catalog: {name!r}"
            )
        index = self.indexes[slug]
        anchors, methods, confidences, missing = [], [], [], []
        for cited in self._rejoin(index, sections):
            anchor, how, conf = index.lookup(cited)
            if anchor is None and _PAGE_ONLY.fullmatch(cited.strip()) and index.covers_page(cited):
                # A page inside the document's known page range: the document is right, and
                # no section range is known to narrow it.
                methods.append(PAGE_RANGE)
                confidences.append(0.8)
                continue
            if anchor is None:
                missing.append(cited)
                # A numbered section the catalog lacks links to its numbered parent, for review.
                parent = index.parent_by_number(cited)
                if parent and parent not in anchors:
                    anchors.append(parent)
                    methods.append(NUMBER)
                    confidences.append(0.5)
                continue
            if anchor not in anchors:
                anchors.append(anchor)
            methods.append(how)
            confidences.append(conf)
        if pages and not sections:
            found = index.by_page(pages)
            if found:
                anchors, methods, confidences = found, [PAGE_RANGE], [0.8]
        if anchors or methods:
            worst = max(methods, key=lambda m: _METHOD_RANK[m])
            conf = round(min(confidences) * confidence, 3)
        else:
            worst, conf = DOCUMENT_ONLY, round(confidence * (0.9 if not sections else 0.5), 3)
        result = LinkResult(slug, anchors, worst, conf)
        if missing:
            result.needs_review = True
            result.problem = "section not found in " + self.documents[slug]["title"] + ": " + "; ".join(missing)
        elif method == FUZZY:
            result.needs_review = True
            result.problem = f"document matched by close spelling: {name!r}"
        return result

    def _link_free(self, clause: str, pages) -> LinkResult:
        text_norm = norm(_DATE.sub(" ", clause))
        families = self.family_of(text_norm)
        family_phrases = [p for f in families for p in self.families[f]]
        # Family names removed before looking for chapters ("ODG" is not a chapter).
        stripped = self._without(text_norm, sorted(family_phrases, key=len, reverse=True))
        guessed = not families
        # The first family named leads ("ACOEM guidelines and the ODG ...").
        order = (
            sorted(
                families,
                key=lambda f: min(p for p in (contains_phrase(text_norm, q) for q in self.families[f]) if p >= 0),
            )
            if families
            else ["ODG"]
        )
        second_edition = any(contains_phrase(text_norm, m) >= 0 for m in self.acoem_old)
        for family in order:
            hits = self._chapters(family, stripped)
            if guessed:
                # "Low Back (Hyperstimulation analgesia)": an ODG chapter title opening a clause
                # that names no family.
                hits = [h for h in hits if h[0] == 0]
            if family == "ACOEM" and second_edition:
                # ACOEM 2nd edition (2004) chapters are the MTUS 2004 documents: by name
                # ("Low Back Complaints") or by chapter number ("Chapter 12").
                hits = self._chapters("MTUS", stripped)
                chapter = _CHAPTER_NUMBER.search(clause)
                if not hits and chapter:
                    hits = [
                        (0, 0, d["slug"], "")
                        for d in self.documents.values()
                        if d["family"] == "MTUS"
                        and re.search(rf"\bchapters? (?:\d+-)?{chapter.group(1)}\b", d.get("edition", ""))
                    ]
                if hits:
                    slug = hits[0][2]
                    anchors = self.indexes[slug].by_page(pages or "") if pages else []
                    return LinkResult(slug, anchors, PAGE_RANGE if anchors else ALIAS if hits[0][3] else NUMBER, 0.8)
                continue
            if not hits:
                continue
            slug = hits[0][2]
            chapter_phrases = sorted(set(self.doc_aliases.get(family, {})) | set(family_phrases), key=len, reverse=True)
            anchors, unmatched = self._sections_from_clause(slug, clause, chapter_phrases)
            # "Knee/DME, Low Back/Mattress selection": topics left over may belong to another
            # chapter the clause names.
            extra: list[tuple[str, str]] = []
            for other in dict.fromkeys(h[2] for h in hits if h[2] != slug):
                if not unmatched:
                    break
                found, unmatched = self._sections_from_clause(other, " ; ".join(unmatched), chapter_phrases)
                extra.extend((other, a) for a in found)
            # "Low back, Manipulation; Neck and Upper back, Manipulation": the same topic under a
            # second chapter. Topics named after another chapter (and before the next one) are
            # that chapter's too.
            for other, segment in self._chapter_segments(stripped, hits):
                if other == slug:
                    continue
                found, _ = self._sections_from_clause(other, segment, chapter_phrases)
                extra.extend((other, a) for a in found if (other, a) not in extra)
            if not anchors and pages:
                anchors = self.indexes[slug].by_page(pages)
            confidence = 0.7 if guessed else 0.9
            if anchors or extra:
                result = LinkResult(slug, anchors, ALIAS, confidence)
            else:
                result = LinkResult(slug, [], DOCUMENT_ONLY, round(confidence * 0.9, 3))
            result.other_sections = extra
            others = {self.documents[h[2]]["title"] for h in hits} - {self.documents[slug]["title"]}
            if unmatched:
                result.needs_review = True
                result.problem = "topic not found in " + self.documents[slug]["title"] + ": " + "; ".join(unmatched)
            elif others:
                result.problem = "clause also names " + "; ".join(sorted(others)) + "; linked to the first chapter"
            return result
        if families:
            problem = f"no {'/'.join(families)} chapter named in the clause"
        else:
            problem = "not a guideline in the catalog"
        return LinkResult(None, method=UNRESOLVED, needs_review=True, problem=problem)
