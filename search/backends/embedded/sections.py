"""Guideline sections in tantivy: one document per section, searched by title, text and quotes."""

from __future__ import annotations

import json

import tantivy

from ..base import SECTION_FACETS, SearchQuery, SearchResult, SectionHit
from .decisions import WORD_RE
from .facets import add_facet_fields, count_facets, facet_values
from .store import call

TEXT_FIELDS = {"title": 3.0, "quotes": 1.5, "text": 1.0}


def schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("id", indexed=True, fast=True)
    for name in TEXT_FIELDS:
        sb.add_text_field(name, tokenizer_name="en_stem")
    for name in SECTION_FACETS:
        add_facet_fields(sb, name)
    sb.add_bytes_field("source", stored=True)
    return sb.build()


def add_section(writer, doc: dict) -> None:
    fields = {
        "id": int(doc["id"]),
        "title": doc.get("title") or "",
        "text": doc.get("text") or "",
        "quotes": doc.get("quotes") or "",
        "source": json.dumps(doc, separators=(",", ":")).encode(),
    }
    facet_values(fields, "guideline_document", doc.get("document"))
    facet_values(fields, "family", doc.get("family"))
    writer.add_document(tantivy.Document(**fields))


def compile_query(index: tantivy.Index, query: SearchQuery):
    """Every typed word OR each expansion as a phrase; then the facet filters."""
    fields = list(TEXT_FIELDS)
    parts = []
    words = [w.lower() for w in WORD_RE.findall(query.text or "")]
    # Lower-cased: tantivy's parser would read a typed AND / OR / NOT as an operator.
    if words:
        parts.append(index.parse_query(" ".join(words), fields, field_boosts=TEXT_FIELDS, conjunction_by_default=True))
    for phrase in query.expansions or []:
        pw = [w.lower() for w in WORD_RE.findall(phrase or "")]
        if pw and pw != words:
            parts.append(index.parse_query('"' + " ".join(pw) + '"', fields, field_boosts=TEXT_FIELDS))
    must = []
    if parts:
        must.append(
            parts[0] if len(parts) == 1 else tantivy.Query.boolean_query([(tantivy.Occur.Should, p) for p in parts])
        )
    for facet, values in query.active_filters().items():
        if facet not in SECTION_FACETS:
            raise ValueError(f"unknown section filter {facet!r}")
        must.append(tantivy.Query.term_set_query(index.schema, facet, values))
    if not must:
        return tantivy.Query.all_query()
    return must[0] if len(must) == 1 else tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in must])


def search(index: tantivy.Index, query: SearchQuery) -> SearchResult:
    searcher = index.searcher()
    q = compile_query(index, query)
    # limit >= 1: tantivy panics on 0; page_size 0 means counts and facets only.
    result = call(searcher.search, q, max(int(query.page_size), 1), True, offset=query.offset)
    hits = []
    for score, address in result.hits[: max(int(query.page_size), 0)]:
        source = json.loads(bytes(searcher.doc(address)["source"][0]))
        hits.append(SectionHit(id=int(source["id"]), score=float(score), source=source))
    names = [f for f in query.facets or [] if f in SECTION_FACETS]
    return SearchResult(total=result.count, hits=hits, facets=count_facets(searcher, q, names, query.facet_size))


def ids(index: tantivy.Index) -> set[int]:
    searcher = index.searcher()
    n = searcher.num_docs
    if not n:
        return set()
    return {int(value) for value, _ in call(searcher.search, tantivy.Query.all_query(), n, False, "id").hits}
