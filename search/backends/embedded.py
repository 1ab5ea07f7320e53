"""Embedded search backend: tantivy indexes on local disk (the default; no server to run).

Layout under the index root (settings.SEARCH_INDEX_DIR):
    determinations -> determinations.<stamp>/   (symlink; a rebuild writes a new directory and
    sections       -> sections.<stamp>/          swaps the link with an atomic rename)
    .write.lock                                  (serialises writers across processes)

Facets are raw-tokenized fast text fields aggregated with tantivy's Elasticsearch-style terms
aggregation. Item-level coherence (decision=Overturned AND procedure=X on the same item) uses
positional item terms "<i>\x1f<facet>\x1f<value>": a letter matches when for some item position
i every filtered facet has one of its values at i.

tantivy quirks handled here (measured): only one IndexWriter per index at a time (we take a file
lock and retry while tantivy's own lock is busy); `searcher.search(q, 0)` panics with a
PanicException that is not an Exception subclass (limits are always >= 1, and tantivy calls are
wrapped to turn BaseException into SearchBackendError); snippet highlight ranges are byte offsets.
"""
from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import threading
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Iterable

import tantivy

from .base import (
    FACETS,
    HIGHLIGHT_FIELDS,
    ITEM_FACETS,
    SECTION_FACETS,
    SECTION_HIGHLIGHT_FIELDS,
    FacetValue,
    Hit,
    SearchBackend,
    SearchBackendError,
    SearchQuery,
    SearchResult,
    mark_snippet,
    sort_facet_values,
)

SEP = "\x1f"
WORD_RE = re.compile(r"\w+", re.UNICODE)
# Text fields searched for determinations, with their boosts: the request line and the procedure
# names say what a letter is about; the rationale and summary mention much in passing.
DET_TEXT_FIELDS = {"requests": 3.0, "names": 3.0, "rationale": 1.0, "summary": 0.5}
SECTION_TEXT_FIELDS = {"title": 3.0, "quotes": 1.5, "text": 1.0}
# Item facet name -> key in the document's item dicts.
ITEM_KEYS = {
    "decision": "decision",
    "procedure": "procedure",
    "procedure_category": "procedure_category",
    "body_region": "body_region",
    "guideline_document": "guideline_documents",
    "guideline_section": "guideline_sections",
}
SNIPPET_CHARS = 200
WRITER_HEAP = 200_000_000
SMALL_WRITER_HEAP = 30_000_000


def _tantivy_call(fn, *args, **kwargs):
    """Call into tantivy; a Rust panic arrives as BaseException, re-raise it as an Exception."""
    try:
        return fn(*args, **kwargs)
    except Exception:
        raise
    except BaseException as exc:  # pyo3 PanicException
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise SearchBackendError(f"tantivy panicked: {exc}") from exc


def date_ord(iso: str | None) -> int:
    """yyyymmdd as an integer (0 when unknown) for range filters and sorting."""
    if not iso:
        return 0
    return int(iso[:10].replace("-", ""))


# Facet columns. tantivy's terms aggregation is ~10x faster on a column where every document has
# exactly one value than on a multi-valued or sparse one (measured: 0.2 ms vs 1.5-2 ms per facet
# at 100k documents). So each facet is stored as SLOTS full single-valued columns "<facet>__<i>"
# (the i-th value, or a sentinel), plus a multi-valued "<facet>__rest" for the rare documents
# with more values, aggregated only when some document uses it. Values are unique per document,
# so summing the columns' counts gives exact document counts. "<facet>" itself is indexed only,
# for filters.
SLOTS = {"decision": 2, "decision_year": 1, "family": 1, "specialty": 3}
DEFAULT_SLOTS = 4
EMPTY = "\x01"  # sentinel for an unused slot (never a facet value)


def slots(facet: str) -> int:
    return SLOTS.get(facet, DEFAULT_SLOTS)


def _add_facet_fields(sb: tantivy.SchemaBuilder, name: str) -> None:
    sb.add_text_field(name, tokenizer_name="raw", index_option="basic")
    for i in range(slots(name)):
        sb.add_text_field(f"{name}__{i}", fast=True, tokenizer_name="raw", index_option="basic")
    sb.add_text_field(f"{name}__rest", fast=True, tokenizer_name="raw", index_option="basic")


def _facet_values(fields: dict, name: str, values: list[str]) -> None:
    fields[name] = values
    k = slots(name)
    for i in range(k):
        fields[f"{name}__{i}"] = [values[i]] if i < len(values) else [EMPTY]
    if len(values) > k:
        fields[f"{name}__rest"] = values[k:]


def _schema_determinations() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("id", stored=True, indexed=True, fast=True)
    sb.add_integer_field("date_ord", indexed=True, fast=True)
    sb.add_integer_field("n_items", fast=True)
    for name in DET_TEXT_FIELDS:
        sb.add_text_field(name, tokenizer_name="en_stem")
    for name in FACETS:
        _add_facet_fields(sb, name)
    sb.add_text_field("item_terms", tokenizer_name="raw", index_option="basic")
    sb.add_bytes_field("source", stored=True)
    return sb.build()


def _schema_sections() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("id", stored=True, indexed=True, fast=True)
    for name in SECTION_TEXT_FIELDS:
        sb.add_text_field(name, tokenizer_name="en_stem")
    for name in SECTION_FACETS:
        _add_facet_fields(sb, name)
    sb.add_bytes_field("source", stored=True)
    return sb.build()


def determination_fields(doc: dict) -> dict:
    """tantivy field values for one determination document."""
    items = doc.get("items") or []
    item_terms = []
    for i, item in enumerate(items):
        for facet, key in ITEM_KEYS.items():
            values = item.get(key)
            for value in values if isinstance(values, list) else [values]:
                if value:
                    item_terms.append(f"{i}{SEP}{facet}{SEP}{value}")
    names = [doc.get("case_number") or ""]
    for facet in ("procedure", "procedure_category", "body_region", "guideline_document", "guideline_section", "specialty"):
        names.extend(doc.get(facet) or [])
    fields = {
        "id": int(doc["id"]),
        "date_ord": date_ord(doc.get("decision_date")),
        "n_items": len(items),
        "requests": doc.get("requests") or "",
        "rationale": doc.get("rationale") or "",
        "summary": doc.get("summary") or "",
        "names": "\n".join(n for n in names if n),
        "item_terms": item_terms,
        "source": json.dumps(doc, separators=(",", ":")).encode(),
    }
    for facet in FACETS:
        value = doc.get(facet)
        values = value if isinstance(value, list) else ([value] if value not in (None, "") else [])
        _facet_values(fields, facet, [str(v) for v in dict.fromkeys(values) if v not in (None, "")])
    return fields


def section_fields(doc: dict) -> dict:
    fields = {
        "id": int(doc["id"]),
        "title": doc.get("title") or "",
        "text": doc.get("text") or "",
        "quotes": doc.get("quotes") or "",
        "source": json.dumps(doc, separators=(",", ":")).encode(),
    }
    _facet_values(fields, "guideline_document", [doc["document"]] if doc.get("document") else [])
    _facet_values(fields, "family", [doc["family"]] if doc.get("family") else [])
    return fields


class _Store:
    """One tantivy index behind a symlink, reopened when a rebuild swaps the link."""

    def __init__(self, root: Path, name: str, schema_fn, fields_fn, text_fields: dict, facets: list, highlight_fields: list):
        self.root, self.name = root, name
        self.schema_fn, self.fields_fn = schema_fn, fields_fn
        self.text_fields, self.facets, self.highlight_fields = text_fields, facets, highlight_fields
        self.schema = schema_fn()
        self._index = None
        self._target = None
        self._open_lock = threading.Lock()

    @property
    def link(self) -> Path:
        return self.root / self.name

    def _new_dir(self) -> Path:
        path = self.root / f"{self.name}.{time.strftime('%Y%m%d%H%M%S')}.{os.getpid()}.{time.monotonic_ns() % 10**9}"
        path.mkdir(parents=True)
        return path

    def _swap_link(self, target: Path) -> None:
        tmp = self.root / f".{self.name}.link.{os.getpid()}.{time.monotonic_ns()}"
        os.symlink(target.name, tmp)
        if self.link.exists() and not self.link.is_symlink():
            # An index directory from before symlinked layouts: move it aside once.
            self.link.rename(self._new_dir_name_aside())
        os.replace(tmp, self.link)

    def _new_dir_name_aside(self) -> Path:
        return self.root / f"{self.name}.old.{time.monotonic_ns()}"

    def index(self) -> tantivy.Index:
        with self._open_lock:
            if not self.link.exists():
                self.root.mkdir(parents=True, exist_ok=True)
                with _file_lock(self.root):
                    if not self.link.exists():
                        target = self._new_dir()
                        tantivy.Index(self.schema, path=str(target), reuse=False)
                        self._swap_link(target)
            target = os.path.realpath(self.link)
            if self._index is None or target != self._target:
                try:
                    self._index = _tantivy_call(tantivy.Index, self.schema, path=target, reuse=True)
                except ValueError as exc:
                    if "schema" in str(exc).lower():
                        raise SearchBackendError(
                            f"the search index at {target} was built with another schema (an older version); "
                            "run `manage.py search_index --rebuild`"
                        ) from exc
                    raise SearchBackendError(f"cannot open the search index at {target}: {exc}") from exc
                self._target = target
            return self._index

    def searcher(self) -> tantivy.Searcher:
        return self.index().searcher()

    def reload(self) -> None:
        self.index().reload()

    def write(self, fn, index: tantivy.Index | None = None, bulk: bool = False) -> None:
        """Run fn(writer) with the single writer, commit, and make it visible. Sync updates are a
        few letters: a small single-threaded writer; rebuilds get the big multi-threaded one."""
        index = index or self.index()
        heap, threads = (WRITER_HEAP, 0) if bulk else (SMALL_WRITER_HEAP, 1)
        with _file_lock(self.root):
            writer = None
            for attempt in range(50):
                try:
                    writer = index.writer(heap, threads)
                    break
                except ValueError as exc:  # LockBusy: another writer (this or a dying process)
                    if "lock" not in str(exc).lower() or attempt == 49:
                        raise SearchBackendError(f"cannot open the {self.name} index writer: {exc}") from exc
                    time.sleep(0.1)
            try:
                _tantivy_call(fn, writer)
                _tantivy_call(writer.commit)
            except BaseException:
                writer.rollback()
                raise
            finally:
                writer.wait_merging_threads()
        index.reload()

    def add(self, docs: Iterable[dict], index: tantivy.Index | None = None, replace: bool = True, bulk: bool = False) -> int:
        n = 0

        def run(writer):
            nonlocal n
            for doc in docs:
                if replace:
                    writer.delete_documents_by_term("id", int(doc["id"]))
                writer.add_document(tantivy.Document(**self.fields_fn(doc)))
                n += 1

        self.write(run, index, bulk=bulk)
        return n

    def delete(self, ids: Iterable[int]) -> None:
        ids = [int(i) for i in ids]
        if not ids:
            return

        def run(writer):
            for i in ids:
                writer.delete_documents_by_term("id", i)

        self.write(run)

    def clear(self) -> None:
        self.write(lambda writer: writer.delete_all_documents())

    def ids(self) -> set[int]:
        searcher = self.searcher()
        n = searcher.num_docs
        if not n:
            return set()
        hits = _tantivy_call(searcher.search, tantivy.Query.all_query(), n, False, "id").hits
        return {int(value) for value, _ in hits}

    def rebuild(self, docs: Iterable[dict], progress=None) -> int:
        """Index docs into a fresh directory, then swap the symlink (readers never see a gap)."""
        self.root.mkdir(parents=True, exist_ok=True)
        target = self._new_dir()
        index = tantivy.Index(self.schema, path=str(target), reuse=False)
        total = 0
        batch: list[dict] = []

        def flush():
            nonlocal total
            total += self.add(batch, index=index, replace=False, bulk=True)
            if progress:
                progress(total)
            batch.clear()

        for doc in docs:
            batch.append(doc)
            if len(batch) >= 5000:
                flush()
        flush()
        old = os.path.realpath(self.link) if self.link.is_symlink() else None
        with _file_lock(self.root):
            self._swap_link(target)
        with self._open_lock:
            self._index, self._target = None, None
        if old and os.path.realpath(old) != str(target):
            # Readers that still have the old index open keep their mmaps (POSIX unlink semantics).
            shutil.rmtree(old, ignore_errors=True)
        return total

    # --- querying ---------------------------------------------------------------------------
    def text_query(self, index: tantivy.Index, query: SearchQuery):
        """The typed text (all words required) OR each expansion as a phrase; None if no text."""
        fields = list(self.text_fields)
        parts = []
        # Lower-cased: the tokenizer lower-cases anyway, and tantivy's parser would read a typed
        # AND / OR / NOT as an operator (a bare "knee AND" is a syntax error).
        words = [w.lower() for w in WORD_RE.findall(query.text or "")]
        if words:
            parts.append(index.parse_query(" ".join(words), fields, field_boosts=self.text_fields, conjunction_by_default=True))
        for phrase in query.expansions or []:
            pw = [w.lower() for w in WORD_RE.findall(phrase or "")]
            if pw and pw != words:
                parts.append(index.parse_query('"' + " ".join(pw) + '"', fields, field_boosts=self.text_fields))
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, p) for p in parts])


@contextmanager
def _file_lock(root: Path):
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".write.lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


class EmbeddedBackend(SearchBackend):
    name = "embedded"

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self.determinations = _Store(
            self.root, "determinations", _schema_determinations, determination_fields,
            DET_TEXT_FIELDS, FACETS, HIGHLIGHT_FIELDS,
        )
        self.sections = _Store(
            self.root, "sections", _schema_sections, section_fields,
            SECTION_TEXT_FIELDS, SECTION_FACETS, SECTION_HIGHLIGHT_FIELDS,
        )


    # --- writes ------------------------------------------------------------------------------
    def index_determinations(self, docs: Iterable[dict]) -> int:
        docs = list(docs)
        return self.determinations.add(docs, bulk=len(docs) >= 1000)

    def delete_determinations(self, ids: Iterable[int]) -> None:
        self.determinations.delete(ids)

    def index_sections(self, docs: Iterable[dict]) -> int:
        return self.sections.add(docs)

    def delete_sections(self, ids: Iterable[int]) -> None:
        self.sections.delete(ids)

    def ids(self, kind: str = "determination") -> set[int]:
        return self._store(kind).ids()

    def clear(self) -> None:
        self.determinations.clear()
        self.sections.clear()

    def refresh(self) -> None:
        self.determinations.reload()
        self.sections.reload()

    def rebuild(self, kind: str, docs: Iterable[dict], progress=None) -> int:
        return self._store(kind).rebuild(docs, progress)

    def _store(self, kind: str) -> _Store:
        if kind == "determination":
            return self.determinations
        if kind == "section":
            return self.sections
        raise ValueError(f"unknown kind {kind!r}")

    # --- search ------------------------------------------------------------------------------
    def search(self, query: SearchQuery) -> SearchResult:
        return self._search(self.determinations, query, item_coherence=True, date_filter=True)

    def search_sections(self, query: SearchQuery) -> SearchResult:
        facets = SECTION_FACETS if query.facets == FACETS else [f for f in query.facets or [] if f in SECTION_FACETS]
        q = SearchQuery(**{**query.__dict__, "facets": facets})
        return self._search(self.sections, q, item_coherence=False, date_filter=False)

    def count(self, query: SearchQuery) -> int:
        store = self.determinations
        index = store.index()
        searcher = index.searcher()
        q = self._query(store, index, searcher, query, True, True)
        return _tantivy_call(searcher.search, q, 1, True).count

    def _query(self, store: _Store, index, searcher, query: SearchQuery, item_coherence: bool, date_filter: bool):
        schema = store.schema
        text_q = store.text_query(index, query)
        must = [text_q if text_q is not None else tantivy.Query.all_query()]
        for facet, values in (query.filters or {}).items():
            values = [str(v) for v in values or [] if v not in (None, "")]
            if not values:
                continue
            if facet not in store.facets:
                raise ValueError(f"unknown filter {facet!r}")
            must.append(tantivy.Query.term_set_query(schema, facet, values))
        if item_coherence:
            coherent = self._item_query(schema, searcher, query.filters or {})
            if coherent is not None:
                must.append(coherent)
        if date_filter and (query.date_from or query.date_to):
            lo = date_ord(query.date_from.isoformat()) if query.date_from else 1
            hi = date_ord(query.date_to.isoformat()) if query.date_to else 99991231
            must.append(tantivy.Query.range_query(schema, "date_ord", tantivy.FieldType.Integer, lo, hi))
        if len(must) == 1:
            return must[0]
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in must])

    def _item_query(self, schema, searcher, filters: dict):
        active = {f: [str(v) for v in vs] for f, vs in filters.items() if f in ITEM_FACETS and vs}
        if len(active) < 2:
            return None  # one item facet: the letter-level facet field is the same thing
        agg = _tantivy_call(searcher.aggregate, tantivy.Query.all_query(), {"m": {"max": {"field": "n_items"}}})
        max_items = int(agg.get("m", {}).get("value") or 0)
        per_item = []
        for i in range(max_items):
            clauses = [
                (tantivy.Occur.Must, tantivy.Query.term_set_query(schema, "item_terms", [f"{i}{SEP}{f}{SEP}{v}" for v in vs]))
                for f, vs in active.items()
            ]
            per_item.append((tantivy.Occur.Should, tantivy.Query.boolean_query(clauses)))
        if not per_item:
            return tantivy.Query.empty_query()
        return tantivy.Query.boolean_query(per_item)

    def _search(self, store: _Store, query: SearchQuery, item_coherence: bool, date_filter: bool) -> SearchResult:
        index = store.index()
        searcher = index.searcher()
        q = self._query(store, index, searcher, query, item_coherence, date_filter)
        limit = max(int(query.page_size), 1)
        kwargs = {"offset": query.offset}
        if query.sort in ("date", "-date") and store is self.determinations:
            kwargs["order_by_field"] = "date_ord"
            kwargs["order"] = tantivy.Order.Asc if query.sort == "date" else tantivy.Order.Desc
        result = _tantivy_call(searcher.search, q, limit, True, **kwargs)
        text_q = store.text_query(index, query) if query.highlight else None
        generators = {}
        if text_q is not None:
            for field in store.highlight_fields:
                generators[field] = tantivy.SnippetGenerator.create(searcher, text_q, store.schema, field)
                generators[field].set_max_num_chars(SNIPPET_CHARS)
        hits = []
        # limit is at least 1 (tantivy panics on 0); page_size 0 means counts and facets only.
        for score, address in result.hits[: max(int(query.page_size), 0)]:
            source = json.loads(bytes(searcher.doc(address)["source"][0]))
            highlights = {}
            for field, gen in generators.items():
                text = source.get(field) or ""
                if not text:
                    continue
                snippet = gen.snippet_from_doc(tantivy.Document(**{field: text}))
                marked = _marked(snippet, text)
                if marked:
                    highlights[field] = [marked]
            hits.append(Hit(id=int(source["id"]), score=float(score) if "order_by_field" not in kwargs else 0.0,
                            source=source, highlights=highlights))
        facets = self._facets(store, searcher, q, query)
        return SearchResult(total=result.count, hits=hits, facets=facets)

    def _facets(self, store: _Store, searcher, q, query: SearchQuery) -> dict[str, list[FacetValue]]:
        names = [f for f in (query.facets or []) if f in store.facets]
        if not names:
            return {}
        size = max(int(getattr(query, "facet_size", 0) or 0), 1)
        # Every distinct value of every column (exact sums); facet value sets are small.
        terms = {"size": 1_000_000, "segment_size": 1_000_000}
        aggs = {}
        for f in names:
            for i in range(slots(f)):
                aggs[f"{f}__{i}"] = {"terms": {"field": f"{f}__{i}", **terms}}
            if self._rest_used(store, searcher, f):
                aggs[f"{f}__rest"] = {"terms": {"field": f"{f}__rest", **terms}}
        result = _tantivy_call(searcher.aggregate, q, aggs)
        out = {}
        for f in names:
            counts: dict[str, int] = {}
            for column in [f"{f}__{i}" for i in range(slots(f))] + [f"{f}__rest"]:
                for b in (result.get(column) or {}).get("buckets") or []:
                    key = str(b["key"])
                    if key != EMPTY:
                        counts[key] = counts.get(key, 0) + int(b["doc_count"])
            out[f] = sort_facet_values(counts)[:size]
        return out

    def _rest_used(self, store: _Store, searcher, facet: str) -> bool:
        """Whether any document has more values than the slots: a term-dictionary lookup (an
        exists query costs ~1 ms per facet at 100k documents)."""
        return bool(_tantivy_call(searcher.terms_with_prefix, f"{facet}__rest", "", None, 1))


def _marked(snippet, text: str) -> str:
    """The snippet escaped, with <mark> around highlighted ranges (tantivy gives byte ranges
    into the fragment). The fragment ends at a token; it is extended to the next whitespace so a
    word's trailing punctuation ("</b>", "etc.") is not cut."""
    ranges = snippet.highlighted()
    if not ranges:
        return ""
    raw_text = text.encode()
    frag = snippet.fragment_range()
    end = frag.end
    while end < len(raw_text) and end - frag.end < 40 and not raw_text[end:end + 1].isspace():
        end += 1
    raw = raw_text[frag.start:end]
    fragment = raw.decode(errors="ignore")
    spans = [(len(raw[: r.start].decode(errors="ignore")), len(raw[: r.end].decode(errors="ignore"))) for r in ranges]
    return mark_snippet(fragment, spans)
