"""Loading and validating the taxonomy data file (procedures/data/procedures.yaml)."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

import yaml

from .matching import compile_phrase
from .model import Procedure, Region, Taxonomy

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "procedures.yaml"


class TaxonomyError(ValueError):
    """The data file is malformed; the message names the file and the problem."""


def _version(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def taxonomy_version(path: Path | str | None = None) -> str:
    """SHA-256 of the data file: the version stored on every classified item."""
    if path is None:
        return default_taxonomy().version
    return _version(Path(path).read_bytes())


def load_taxonomy(path: Path | str = DEFAULT_PATH) -> Taxonomy:
    path = Path(path)
    raw = path.read_bytes()
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise TaxonomyError(f"{path}: expected a mapping at the top level")

    categories = {str(k): int(v) for k, v in (data.get("categories") or {}).items()}
    families = {str(k): str((v or {}).get("description", "")) for k, v in (data.get("families") or {}).items()}

    procedures: list[Procedure] = []
    seen: set[str] = set()
    for index, entry in enumerate(data.get("procedures") or []):
        name = entry.get("name")
        where = f"{path}: procedures[{index}]"
        if not name:
            raise TaxonomyError(f"{where}: missing name")
        if name in seen:
            raise TaxonomyError(f"{where}: duplicate procedure {name!r}")
        seen.add(name)
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
            terms=[str(t) for t in entry.get("terms") or []],
            abbrevs=[str(t) for t in entry.get("abbrevs") or []],
            expand=[str(t) for t in entry.get("expand") or []],
        )
        try:
            proc.matchers = (
                [compile_phrase(t) for t in proc.terms]
                + [compile_phrase(a, case_sensitive=True) for a in proc.abbrevs]
                + [re.compile(p, re.IGNORECASE) for p in entry.get("patterns") or []]
            )
        except re.error as exc:
            raise TaxonomyError(f"{where} ({name}): bad pattern: {exc}") from exc
        proc.query_matchers = [compile_phrase(t) for t in proc.terms + proc.abbrevs]
        if not proc.matchers:
            raise TaxonomyError(f"{where} ({name}): no terms, abbrevs or patterns")
        procedures.append(proc)

    names = {p.name for p in procedures}
    for p in procedures:
        if p.topical and p.topical not in names:
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

    return Taxonomy(
        version=_version(raw),
        categories=categories,
        procedures=procedures,
        regions=regions,
        families=families,
        topical_forms=[re.compile(p, re.IGNORECASE) for p in data.get("topical_forms") or []],
        cut_markers=[re.compile(p, re.IGNORECASE) for p in data.get("request_cut_markers") or []],
        compound_marker=re.compile(r"\bcompound(ed)?\b", re.IGNORECASE),
        multiple_region=data.get("multiple_region", "multiple"),
        unspecified_region=data.get("unspecified_region", "unspecified"),
        region_implied_by={k: list(v) for k, v in (data.get("region_implied_by") or {}).items()},
    )


@lru_cache(maxsize=1)
def default_taxonomy() -> Taxonomy:
    return load_taxonomy(DEFAULT_PATH)
