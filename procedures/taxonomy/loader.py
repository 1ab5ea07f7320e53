"""Loading and validating the taxonomy's data files (procedures/data/):

    procedures.yaml               procedures, categories, regions, how words are normalised
    drugs.yaml                    the drug lexicon: brand -> ingredient -> DWC drug class
    sections.yaml                 guideline sections -> procedures
    dwc-request-categories.txt    the DWC's request categories

Every error names the file and the problem (TaxonomyError). The version stored on classified
items is the SHA-256 of the four files.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

import yaml

from .dwc import VocabularyError, load_vocabulary
from .matching import compile_phrase
from .model import Drug, Procedure, Region, Taxonomy
from .sections import SectionMap, SectionRule
from .spelling import Speller
from .terms import TermIndex, abbreviation_key
from .words import Normaliser, raw_tokens

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_PATH = DATA_DIR / "procedures.yaml"
DRUGS_FILE = "drugs.yaml"
SECTIONS_FILE = "sections.yaml"
VOCABULARY_FILE = "dwc-request-categories.txt"


# libyaml's loader when PyYAML has it: the pure-Python one takes most of a second on these files.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class TaxonomyError(ValueError):
    """A data file is malformed; the message names the file and the problem."""


def _files(path: Path) -> list[Path]:
    """The procedures file and its companions beside it (those that exist)."""
    folder = path.parent
    return [path] + [folder / name for name in (DRUGS_FILE, SECTIONS_FILE, VOCABULARY_FILE) if (folder / name).exists()]


def _version(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for n, file in enumerate(files):
        raw = file.read_bytes()
        if n == 0 and len(files) == 1:
            return hashlib.sha256(raw).hexdigest()
        digest.update(file.name.encode() + b"\0" + hashlib.sha256(raw).digest())
    return digest.hexdigest()


def taxonomy_version(path: Path | str | None = None) -> str:
    """SHA-256 of the data files: the version stored on every classified item."""
    if path is None:
        return default_taxonomy().version
    return _version(_files(Path(path)))


def _yaml(path: Path, required: bool = True) -> dict:
    if not path.exists():
        if required:
            raise TaxonomyError(f"{path}: missing")
        return {}
    try:
        data = yaml.load(path.read_bytes(), Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"{path}: not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise TaxonomyError(f"{path}: expected a mapping at the top level")
    return data


def _strings(value, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise TaxonomyError(f"{where}: expected a list")
    return [str(v) for v in value]


def load_taxonomy(path: Path | str = DEFAULT_PATH) -> Taxonomy:
    path = Path(path)
    files = _files(path)
    data = _yaml(path)
    folder = path.parent
    vocab_path = folder / VOCABULARY_FILE
    vocabulary = None
    if vocab_path.exists():
        try:
            vocabulary = load_vocabulary(vocab_path)
        except VocabularyError as exc:
            raise TaxonomyError(str(exc)) from exc

    def dwc(value, where: str) -> str:
        if not value:
            return ""
        if vocabulary is None:
            return str(value)
        try:
            return vocabulary.check(str(value), where)
        except VocabularyError as exc:
            raise TaxonomyError(str(exc)) from exc

    categories: dict[str, int] = {}
    category_dwc: dict[str, str] = {}
    for name, value in (data.get("categories") or {}).items():
        name = str(name)
        if isinstance(value, dict):
            categories[name] = int(value.get("priority", 50))
            category_dwc[name] = dwc(value.get("dwc"), f"{path}: categories.{name}")
        else:
            categories[name] = int(value)
    families = {str(k): str((v or {}).get("description", "")) for k, v in (data.get("families") or {}).items()}

    procedures: list[Procedure] = []
    by_name: dict[str, Procedure] = {}
    raw_patterns: dict[str, list[str]] = {}
    for index, entry in enumerate(data.get("procedures") or []):
        name = entry.get("name")
        where = f"{path}: procedures[{index}]"
        if not name:
            raise TaxonomyError(f"{where}: missing name")
        if name in by_name:
            raise TaxonomyError(f"{where}: duplicate procedure {name!r}")
        category = entry.get("category")
        if category not in categories:
            raise TaxonomyError(f"{where} ({name}): unknown category {category!r}")
        family = entry.get("family")
        if family is not None and family not in families:
            raise TaxonomyError(f"{where} ({name}): unknown family {family!r}")
        proc = Procedure(
            name=name,
            category=category,
            priority=int(entry.get("priority", categories[category])),
            family=family,
            body_region=entry.get("body_region"),
            topical=entry.get("topical"),
            expandable=bool(entry.get("expandable", True)),
            class_term=bool(entry.get("class_term", False)),
            terms=_strings(entry.get("terms"), f"{where} ({name}): terms"),
            abbrevs=_strings(entry.get("abbrevs"), f"{where} ({name}): abbrevs"),
            expand=_strings(entry.get("expand"), f"{where} ({name}): expand"),
            dwc=dwc(entry.get("dwc"), f"{where} ({name}): dwc") or None,
        )
        try:
            proc.patterns = [re.compile(p, re.IGNORECASE) for p in entry.get("patterns") or []]
        except re.error as exc:
            raise TaxonomyError(f"{where} ({name}): bad pattern: {exc}") from exc
        raw_patterns[name] = list(entry.get("patterns") or [])
        procedures.append(proc)
        by_name[name] = proc

    drugs, drug_terms = _load_drugs(folder / DRUGS_FILE, procedures, by_name, categories, vocabulary, dwc)

    for p in procedures:
        if not (p.terms or p.abbrevs or p.patterns or p.drug_names):
            raise TaxonomyError(f"{path}: procedure {p.name!r}: no terms, abbrevs, patterns or drugs")
        if p.topical and p.topical not in by_name:
            raise TaxonomyError(f"{path}: procedure {p.name!r}: topical target {p.topical!r} is not a procedure")

    regions: list[Region] = []
    for name, entry in (data.get("body_regions") or {}).items():
        entry = entry or {}
        region = Region(name=name, terms=list(entry.get("terms") or []), expand=list(entry.get("expand") or []))
        try:
            region.matchers = [compile_phrase(t) for t in region.terms] + [
                re.compile(p)
                for p in entry.get("patterns") or []  # spine levels: case-sensitive
            ]
        except re.error as exc:
            raise TaxonomyError(f"{path}: body_regions.{name}: bad pattern: {exc}") from exc
        region.query_matchers = [compile_phrase(t) for t in region.terms]
        regions.append(region)
    for p in procedures:
        if p.body_region and p.body_region not in {r.name for r in regions}:
            raise TaxonomyError(f"{path}: procedure {p.name!r}: unknown body_region {p.body_region!r}")

    # --- the normalised vocabulary and the term index ------------------------------------------
    clipped = {str(k): str(v) for k, v in (data.get("clipped") or {}).items()}
    texts = [t for p in procedures for t in p.terms + p.abbrevs] + [t for t, _, _ in drug_terms]
    region_words = [t for r in regions for t in r.terms]
    words: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    for text in texts + region_words + list(clipped.values()):
        tokens = [w.lower() for w, _, _ in raw_tokens(text)]
        words.update(tokens)
        pairs.update(zip(tokens, tokens[1:]))
    normaliser = Normaliser(clipped, words, pairs)
    generic = {
        t.norm for w in _strings(data.get("generic_words"), f"{path}: generic_words") for t in normaliser.tokens(w)
    }
    ambiguous = {
        abbreviation_key(a.lower()) for a in _strings(data.get("ambiguous_abbreviations"), f"{path}: abbreviations")
    }
    index = TermIndex(normaliser, generic, ambiguous, {t.norm for w in region_words for t in normaliser.tokens(w)})
    seen: dict[tuple[str, ...], str] = {}
    for p in procedures:
        for text in p.terms:
            index.add(text, p.name, "term")
        for text in p.abbrevs:
            index.add(text, p.name, "abbrev")
    for text, procedure, drug in drug_terms:
        term = index.add(text, procedure, "drug", drug)
        if term is None:
            continue
        other = seen.get(term.words)
        if other is not None and other != procedure:
            raise TaxonomyError(f"{folder / DRUGS_FILE}: {text!r} names both {other!r} and {procedure!r}")
        seen[term.words] = procedure
    keep = set(_strings(data.get("keep_words"), f"{path}: keep_words")) | {w.lower() for w in region_words}
    groups: dict[str, set[str]] = {}
    for term in index.terms:
        for word, _, _ in raw_tokens(term.text):
            groups.setdefault(word.lower(), set()).add(term.procedure)
    speller = Speller({w for w in words if w.isalpha()}, keep, {w: frozenset(p) for w, p in groups.items()})
    normaliser.speller = speller

    # --- fallbacks, forms ----------------------------------------------------------------------
    fallbacks = []
    for n, entry in enumerate(data.get("fallbacks") or []):
        target = entry.get("procedure")
        if target not in by_name:
            raise TaxonomyError(f"{path}: fallbacks[{n}]: unknown procedure {target!r}")
        try:
            fallbacks.append((re.compile(entry.get("pattern", ""), re.IGNORECASE), target))
        except re.error as exc:
            raise TaxonomyError(f"{path}: fallbacks[{n}]: bad pattern: {exc}") from exc

    def patterns(key: str) -> list[re.Pattern]:
        try:
            return [re.compile(p, re.IGNORECASE) for p in data.get(key) or []]
        except re.error as exc:
            raise TaxonomyError(f"{path}: {key}: bad pattern: {exc}") from exc

    tax = Taxonomy(
        version=_version(files),
        categories=categories,
        procedures=procedures,
        regions=regions,
        families=families,
        topical_forms=patterns("topical_forms"),
        cut_markers=patterns("request_cut_markers"),
        compound_marker=re.compile(r"\bcompound(ed)?\b", re.IGNORECASE),
        multiple_region=data.get("multiple_region", "multiple"),
        unspecified_region=data.get("unspecified_region", "unspecified"),
        region_implied_by={k: list(v) for k, v in (data.get("region_implied_by") or {}).items()},
        category_dwc=category_dwc,
        drugs=drugs,
        injection_forms=patterns("injection_forms"),
        injection_dwc=dwc(data.get("injection_dwc"), f"{path}: injection_dwc"),
        fallbacks=fallbacks,
    )
    tax.vocabulary = vocabulary
    tax.index = index
    tax.speller = speller
    tax.sections = _load_sections(folder / SECTIONS_FILE, by_name, normaliser, dwc)
    return tax


def _load_drugs(file: Path, procedures, by_name, categories, vocabulary, dwc):
    """The lexicon's ingredients (name -> Drug) and its names as (text, procedure, ingredient).
    A procedure the lexicon names and procedures.yaml does not is made here, in the category of
    its drug class."""
    data = _yaml(file, required=False)
    classes = {}
    for name, entry in (data.get("classes") or {}).items():
        entry = entry or {}
        where = f"{file}: classes.{name}"
        category = entry.get("category")
        if category not in categories:
            raise TaxonomyError(f"{where}: unknown category {category!r}")
        value = f"Pharmaceuticals › {name}" if vocabulary is None else vocabulary.pharmaceutical_class(str(name))
        classes[str(name)] = (category, entry.get("procedure"), dwc(value, where))

    def procedure(name: str, category: str) -> Procedure:
        if name not in by_name:
            proc = Procedure(name=name, category=category, priority=categories[category])
            procedures.append(proc)
            by_name[name] = proc
        return by_name[name]

    drugs: dict[str, Drug] = {}
    terms: list[tuple[str, str, str]] = []
    for n, entry in enumerate(data.get("drugs") or []):
        name = entry.get("name")
        where = f"{file}: drugs[{n}]"
        if not name:
            raise TaxonomyError(f"{where}: missing name")
        if name in drugs:
            raise TaxonomyError(f"{where}: duplicate drug {name!r}")
        klass = entry.get("class")
        if klass not in classes:
            raise TaxonomyError(f"{where} ({name}): unknown class {klass!r}")
        category, class_procedure, class_dwc = classes[klass]
        proc = procedure(entry.get("procedure") or class_procedure or name, category)
        topical = entry.get("topical")
        if topical and topical not in by_name:
            raise TaxonomyError(f"{where} ({name}): topical target {topical!r} is not a procedure")
        if topical and not proc.topical:
            proc.topical = topical
        drugs[name] = Drug(name, class_dwc, proc.name, topical)
        for text in [name] + _strings(entry.get("names"), f"{where}: names") + _strings(entry.get("brands"), where):
            terms.append((text, proc.name, name))
            proc.drug_names.append(text)
    for n, entry in enumerate(data.get("products") or []):
        where = f"{file}: products[{n}]"
        brand, ingredients = entry.get("brand"), _strings(entry.get("ingredients"), f"{where}: ingredients")
        if not brand or not ingredients:
            raise TaxonomyError(f"{where}: a product needs a brand and its ingredients")
        unknown = [i for i in ingredients if i not in drugs]
        if unknown:
            raise TaxonomyError(f"{where} ({brand}): unknown ingredient(s) {unknown}")
        first = drugs[ingredients[0]]
        target = entry.get("procedure") or first.procedure
        if target not in by_name:
            raise TaxonomyError(f"{where} ({brand}): unknown procedure {target!r}")
        terms.append((brand, target, first.name))
        by_name[target].drug_names.append(brand)
    for proc in procedures:
        proc.drug_names = list(dict.fromkeys(proc.drug_names))
    return drugs, terms


def _load_sections(file: Path, by_name, normaliser: Normaliser, dwc) -> SectionMap:
    data = _yaml(file, required=False)
    out = SectionMap()
    for n, entry in enumerate(data.get("sections") or []):
        where = f"{file}: sections[{n}]"
        names = _strings(entry.get("names"), f"{where}: names")
        if not names:
            raise TaxonomyError(f"{where}: no names")
        target = entry.get("procedure") or ""
        if target and target not in by_name:
            raise TaxonomyError(f"{where} ({names[0]}): unknown procedure {target!r}")
        rule = SectionRule(
            names=names,
            procedure=target,
            dwc=dwc(entry.get("dwc"), where),
            ignore=bool(entry.get("ignore", False)),
            where=where,
        )
        if not (rule.procedure or rule.dwc or rule.ignore):
            raise TaxonomyError(f"{where} ({names[0]}): needs a procedure, a dwc or ignore: true")
        out.add(rule, normaliser.canonical)
    return out


@lru_cache(maxsize=1)
def default_taxonomy() -> Taxonomy:
    return load_taxonomy(DEFAULT_PATH)
