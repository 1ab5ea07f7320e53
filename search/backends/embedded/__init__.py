"""Embedded search backend: tantivy indexes on local disk (the default; no server to run).

Two indexes under settings.SEARCH_INDEX_DIR: `decisions` (one document per disputed item,
search.backends.embedded.decisions) and `sections` (guideline sections).
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Iterable, Iterator

from ..base import (
    FACETS,
    SECTION_FACETS,
    AnalyticsResult,
    PrecedentHit,
    PrecedentQuery,
    SearchBackend,
    SearchQuery,
    SearchResult,
)
from . import analytics, decisions, precedents, sections
from .store import Store

BULK_LETTERS = 1000  # past this many letters in one write, use the big multi-threaded writer


class EmbeddedBackend(SearchBackend):
    name = "embedded"

    @classmethod
    def from_settings(cls, settings) -> "EmbeddedBackend":
        """The index directory is settings.SEARCH_INDEX_DIR."""
        return cls(settings.SEARCH_INDEX_DIR)

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self.decisions = Store(self.root, "decisions", decisions.schema, decisions.add_letter, key="letter_id")
        self.sections = Store(self.root, "sections", sections.schema, sections.add_section, key="id")

    def _store(self, kind: str) -> Store:
        if kind == "determination":
            return self.decisions
        if kind == "section":
            return self.sections
        raise ValueError(f"unknown kind {kind!r}")

    # --- writes ------------------------------------------------------------------------------
    def index_determinations(self, docs: Iterable[dict]) -> int:
        docs = list(docs)
        return self.decisions.put(docs, bulk=len(docs) >= BULK_LETTERS)

    def delete_determinations(self, ids: Iterable[int]) -> None:
        self.decisions.delete(ids)

    def index_sections(self, docs: Iterable[dict]) -> int:
        return self.sections.put(docs)

    def delete_sections(self, ids: Iterable[int]) -> None:
        self.sections.delete(ids)

    def clear(self) -> None:
        self.decisions.clear()
        self.sections.clear()

    def refresh(self) -> None:
        self.decisions.reload()
        self.sections.reload()

    def rebuild(self, kind: str, docs: Iterable[dict], progress=None) -> int:
        return self._store(kind).rebuild(docs, progress)

    # --- maintenance ---------------------------------------------------------------------------
    @property
    def target(self) -> str:
        return f"embedded:{os.path.realpath(self.root)}"

    def generation(self, kind: str = "determination") -> str | None:
        return self._store(kind).generation()

    def create(self, kind: str = "determination") -> str:
        return self._store(kind).create()

    # --- reads -------------------------------------------------------------------------------
    def search(self, query: SearchQuery) -> SearchResult:
        return decisions.search(self.decisions.index(), query)

    def count(self, query: SearchQuery) -> int:
        return decisions.count(self.decisions.index(), query)

    def scan(self, query: SearchQuery) -> Iterator[int]:
        return decisions.scan(self.decisions.index(), query)

    def analytics(self, query: SearchQuery) -> AnalyticsResult:
        return analytics.analytics(self.decisions.index(), query)

    def precedents(self, query: PrecedentQuery) -> list[PrecedentHit]:
        return precedents.precedents(self.decisions.index(), query)

    def search_sections(self, query: SearchQuery) -> SearchResult:
        if query.facets == FACETS:
            query = replace(query, facets=list(SECTION_FACETS))
        return sections.search(self.sections.index(), query)

    def ids(self, kind: str = "determination") -> set[int]:
        if kind == "determination":
            return decisions.letter_ids(self.decisions.index())
        return sections.ids(self._store(kind).index())

    def document_count(self, kind: str = "determination") -> int:
        return self._store(kind).searcher().num_docs
