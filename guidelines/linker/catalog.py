"""The guideline catalog as plain data: documents with flattened, keyed sections.

Built from guidelines/data/catalog.yaml (`load_catalog_file`) or, in the Django app, from the
database rows (same dict shape), so the linker never imports Django.

Document dict: slug, family, title, short_title, year, regulation, edition, page_start, page_end,
aliases, sections. Section dict: anchor, number, title, aliases, page_start, page_end, parent
(anchor of the parent or None), order.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from .normalize import slugify

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CATALOG_FILE = DATA_DIR / "catalog.yaml"
ALIASES_FILE = DATA_DIR / "aliases.yaml"


class CatalogError(ValueError):
    """The catalog file is malformed; the message names the file and the entry."""


def section_anchor(number: str, title: str) -> str:
    return slugify(f"{number} {title}" if number else title)


def _pages(value, where: str):
    if value in (None, "", []):
        return None, None
    if isinstance(value, int):
        return value, value
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return value[0], value[1]
    raise CatalogError(f"{where}: pages must be N or [start, end], got {value!r}")


def _flatten(entries, parent, out: list, where: str) -> None:
    for entry in entries or []:
        if isinstance(entry, str):
            entry = {"title": entry}
        if not isinstance(entry, dict) or not str(entry.get("title", "")).strip():
            raise CatalogError(f"{where}: a section needs a title, got {entry!r}")
        title = str(entry["title"]).strip()
        number = str(entry.get("number", "") or "").strip()
        anchor = section_anchor(number, title)
        base, n = anchor, 2
        while any(s["anchor"] == anchor for s in out):
            anchor, n = f"{base}-{n}", n + 1
        start, end = _pages(entry.get("pages"), f"{where} / {title}")
        out.append(
            {
                "anchor": anchor,
                "number": number,
                "title": title,
                "aliases": [str(a) for a in entry.get("aliases", []) or []],
                "page_start": start,
                "page_end": end,
                "parent": parent,
                "order": len(out),
            }
        )
        _flatten(entry.get("sections"), anchor, out, where)


def parse_catalog(data: dict, source: str = "catalog") -> list[dict]:
    if not isinstance(data, dict) or not isinstance(data.get("documents"), list):
        raise CatalogError(f"{source}: expected a mapping with a 'documents' list")
    documents, slugs = [], set()
    for n, entry in enumerate(data["documents"]):
        where = f"{source}: document #{n + 1}"
        if not isinstance(entry, dict):
            raise CatalogError(f"{where}: expected a mapping")
        for key in ("slug", "family", "title"):
            if not str(entry.get(key, "") or "").strip():
                raise CatalogError(f"{where}: missing {key}")
        slug = str(entry["slug"]).strip()
        if slug in slugs:
            raise CatalogError(f"{where}: duplicate slug {slug!r}")
        slugs.add(slug)
        family = str(entry["family"]).strip().upper()
        if family not in ("MTUS", "ACOEM", "ODG", "OTHER"):
            raise CatalogError(f"{where} ({slug}): unknown family {family!r}")
        start, end = _pages(entry.get("pages"), f"{where} ({slug})")
        sections: list = []
        _flatten(entry.get("sections"), None, sections, f"{where} ({slug})")
        documents.append(
            {
                "slug": slug,
                "family": family,
                "title": str(entry["title"]).strip(),
                "short_title": str(entry.get("short_title", "") or "").strip(),
                "year": entry.get("year"),
                "regulation": str(entry.get("regulation", "") or "").strip(),
                "edition": str(entry.get("edition", "") or "").strip(),
                "page_start": start,
                "page_end": end,
                "aliases": [str(a) for a in entry.get("aliases", []) or []],
                "sections": sections,
                "order": n,
            }
        )
    return documents


def load_catalog_file(path: str | Path = CATALOG_FILE) -> list[dict]:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: not valid YAML ({exc})") from exc
    return parse_catalog(data, source=str(path))


def load_alias_tables(path: str | Path = ALIASES_FILE) -> dict:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"{path}: cannot load alias tables ({exc})") from exc
    return data
