"""Decisions in tantivy: one tantivy document per decision, queries, letter pages and counts.

Text is indexed twice: stemmed ("en_stem") for the words a user types, and unstemmed ("default":
lower-cased words) for the taxonomy's phrases, so the synonym "positional MRI" does not match
"positive MRI" (both stem to "posit").
"""

from __future__ import annotations

import json
import re
from typing import Iterator

import tantivy

from search.facets import searchable_names

from ..base import (
    EXACT_LETTERS_LIMIT,
    FACETS,
    DecisionHit,
    LetterHit,
    SearchQuery,
    SearchResult,
    epoch_ms,
    group_letters,
)
from .facets import EMPTY, add_facet_fields, count_facets, facet_values
from .store import call

# Stemmed text fields the typed words are looked for in, with their boosts: the request and the
# names say what a decision is about; the rationale and summary mention much in passing.
WORD_FIELDS = {"request": 3.0, "names": 3.0, "rationale": 1.0, "quotes": 1.0, "summary": 0.5}
# Phrase boosts: a request that names the procedure ranks above a rationale that mentions it.
CLASSIFIED_BOOST = 4.0
PHRASE_FIELDS = {"request_exact": 4.0, "rationale_exact": 1.0, "summary_exact": 0.5}
TOKEN_RE = re.compile(r"[^\W_]+")  # tantivy's simple tokenizer: runs of letters and digits
WORD_RE = re.compile(r"\w+")
LETTER_KEY = 10**10  # date_key = yyyymmdd * LETTER_KEY + letter id (sorting by date, ties by letter)
ALL = 1_000_000
SCAN_BATCH = 10_000  # doc addresses per fast-field read of a scan


def date_ord(iso: str | None) -> int:
    """yyyymmdd as an integer (0 when unknown) for range filters and sorting."""
    return int(iso[:10].replace("-", "")) if iso else 0


def schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("id", indexed=True, fast=True)
    sb.add_integer_field("letter_id", indexed=True, fast=True)
    sb.add_integer_field("first", indexed=True, fast=True)
    sb.add_integer_field("date_ord", indexed=True, fast=True)
    sb.add_integer_field("date_key", fast=True)
    # For analytics and alerts: the decision's month ("2017-01"), days from assignment to
    # decision (absent when a date is unknown), and when its letter was stored (epoch_ms).
    sb.add_text_field("decision_month", fast=True, tokenizer_name="raw", index_option="basic")
    sb.add_integer_field("days_to_decision", indexed=True, fast=True)
    sb.add_integer_field("ingested", indexed=True, fast=True)
    for name in WORD_FIELDS:
        sb.add_text_field(name, tokenizer_name="en_stem")
    for name in PHRASE_FIELDS:
        sb.add_text_field(name, tokenizer_name="default")
    sb.add_text_field("regions", tokenizer_name="raw", index_option="basic")
    for name in FACETS:
        add_facet_fields(sb, name)
    sb.add_bytes_field("source", stored=True)
    return sb.build()


def add_letter(writer, letter: dict) -> None:
    """Write every decision of one letter document."""
    for doc in letter["decisions"]:
        writer.add_document(tantivy.Document(**decision_fields(doc)))


def decision_fields(doc: dict) -> dict:
    names = searchable_names(doc)
    request = "\n".join(t for t in (doc.get("request"), doc.get("disputed_portion")) if t)
    date = date_ord(doc.get("decision_date"))
    stored = doc if doc.get("first") else {k: v for k, v in doc.items() if k != "summary"}
    fields = {
        "id": int(doc["id"]),
        "letter_id": int(doc["letter_id"]),
        "first": int(bool(doc.get("first"))),
        "date_ord": date,
        "date_key": date * LETTER_KEY + int(doc["letter_id"]),
        "decision_month": doc.get("decision_month") or EMPTY,
        "ingested": epoch_ms(doc.get("ingested_at")),
        "request": request,
        "request_exact": request,
        "rationale": doc.get("rationale") or "",
        "rationale_exact": doc.get("rationale") or "",
        "summary": doc.get("summary") or "",
        "summary_exact": doc.get("summary") or "",
        "quotes": doc.get("quotes") or "",
        "names": "\n".join(n for n in names if n),
        "regions": list(doc.get("regions") or []),
        # The summary is the letter's: stored once, on its first decision.
        "source": json.dumps(stored, separators=(",", ":")).encode(),
    }
    if doc.get("days_to_decision") is not None:
        fields["days_to_decision"] = int(doc["days_to_decision"])
    for facet in FACETS:
        facet_values(fields, facet, doc.get(facet))
    return fields


# --- queries ----------------------------------------------------------------------------------


def _phrase(schema, field: str, phrase: str):
    tokens = TOKEN_RE.findall((phrase or "").lower())
    if not tokens:
        return None
    if len(tokens) == 1:
        return tantivy.Query.term_query(schema, field, tokens[0])
    return tantivy.Query.phrase_query(schema, field, tokens)


def _any_of(parts):
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, p) for p in parts])


def _phrases_in(schema, fields: dict[str, float], phrases: list[str]):
    parts = []
    for field, boost in fields.items():
        for phrase in phrases:
            q = _phrase(schema, field, phrase)
            if q is not None:
                parts.append(tantivy.Query.boost_query(q, boost))
    return parts


def compile_query(index: tantivy.Index, query: SearchQuery):
    """The tantivy query for the decisions `query` selects (semantics: search.backends.base)."""
    schema = index.schema
    must = []
    for word in query.words:
        for token in WORD_RE.findall(word.lower()):
            must.append(index.parse_query(token, list(WORD_FIELDS), field_boosts=WORD_FIELDS))
    if query.procedures or query.phrases:
        request_only = {"request_exact": PHRASE_FIELDS["request_exact"]}
        parts = _phrases_in(schema, PHRASE_FIELDS if query.widen else request_only, query.phrases)
        if query.procedures:
            parts.append(
                tantivy.Query.boost_query(
                    tantivy.Query.term_set_query(schema, "procedure", list(query.procedures)), CLASSIFIED_BOOST
                )
            )
        must.append(_any_of(parts) or tantivy.Query.empty_query())
    if query.regions:
        parts = [
            tantivy.Query.const_score_query(tantivy.Query.term_set_query(schema, "regions", list(query.regions)), 0.0)
        ]
        if query.widen:
            wide = {f: 0.0 for f in ("rationale_exact", "summary_exact")}
            parts += [tantivy.Query.const_score_query(p, 0.0) for p in _phrases_in(schema, wide, query.region_phrases)]
        must.append(_any_of(parts))
    for facet, values in query.active_filters().items():
        if facet not in FACETS:
            raise ValueError(f"unknown filter {facet!r}")
        must.append(tantivy.Query.term_set_query(schema, facet, values))
    if query.date_from or query.date_to:
        lo = date_ord(query.date_from.isoformat()) if query.date_from else 1
        hi = date_ord(query.date_to.isoformat()) if query.date_to else 99991231
        must.append(tantivy.Query.range_query(schema, "date_ord", tantivy.FieldType.Integer, lo, hi))
    if query.ingested_after or query.ingested_until:
        lo = epoch_ms(query.ingested_after) + 1 if query.ingested_after else 1
        hi = epoch_ms(query.ingested_until) if query.ingested_until else 2**62
        must.append(tantivy.Query.range_query(schema, "ingested", tantivy.FieldType.Integer, lo, hi))
    if not must:
        return tantivy.Query.all_query()
    if len(must) == 1:
        return must[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in must])


# --- searching ------------------------------------------------------------------------------------


def _ranked_letters(searcher, q, query: SearchQuery, total: int):
    """(page of (letter id, score), letters seen, whether every matching decision was read).
    Reads matching decisions in rank order until the page's letters are all seen."""
    need = query.offset + query.page_size
    limit = min(max(64, need * 4), max(total, 1))
    while True:
        if query.sort == "relevance":
            hits = call(searcher.search, q, limit, False).hits
            letters = call(searcher.fast_field_values, "letter_id", [a for _, a in hits])
            pairs = [(letter, float(score)) for (score, _), letter in zip(hits, letters)]
        else:
            order = tantivy.Order.Asc if query.sort == "date" else tantivy.Order.Desc
            hits = call(searcher.search, q, limit, False, "date_key", 0, order).hits
            pairs = [(key % LETTER_KEY, 0.0) for key, _ in hits]
        page, seen = group_letters(pairs, query.offset, query.page_size)
        complete = len(hits) >= total
        if seen >= need or complete:
            return page, seen, complete
        limit = min(limit * 4, total)


def _letter_count(searcher, index, q, query: SearchQuery, total: int) -> tuple[int, bool]:
    if query.selects_whole_letters:
        firsts = tantivy.Query.term_query(index.schema, "first", 1)
        both = tantivy.Query.boolean_query([(tantivy.Occur.Must, q), (tantivy.Occur.Must, firsts)])
        return call(searcher.search, both, 1, True).count, True
    if total <= EXACT_LETTERS_LIMIT:
        hits = call(searcher.search, q, max(total, 1), False, "letter_id").hits
        return len({letter for letter, _ in hits}), True
    return int(call(searcher.cardinality, q, "letter_id")), False


def _page_decisions(searcher, index, q, letter_ids: list[int]) -> dict[int, list[DecisionHit]]:
    """Every decision of the listed letters, in letter order, the matching ones marked."""
    schema = index.schema
    on_page = tantivy.Query.term_set_query(schema, "letter_id", letter_ids)
    matching = tantivy.Query.boolean_query([(tantivy.Occur.Must, q), (tantivy.Occur.Must, on_page)])
    matched_hits = call(searcher.search, matching, ALL, False).hits
    matched = set(call(searcher.fast_field_values, "id", [a for _, a in matched_hits]))
    out: dict[int, list[DecisionHit]] = {i: [] for i in letter_ids}
    for _, address in call(searcher.search, on_page, ALL, False).hits:
        source = json.loads(bytes(searcher.doc(address)["source"][0]))
        out[int(source["letter_id"])].append(
            DecisionHit(
                id=int(source["id"]), order=int(source["order"]), matched=int(source["id"]) in matched, source=source
            )
        )
    for decisions in out.values():
        decisions.sort(key=lambda d: d.order)
    return out


def search(index: tantivy.Index, query: SearchQuery) -> SearchResult:
    searcher = index.searcher()
    q = compile_query(index, query)
    total = call(searcher.search, q, 1, True).count
    result = SearchResult(total=total)
    if total:
        page, seen, complete = [], 0, False
        if query.page_size > 0:
            page, seen, complete = _ranked_letters(searcher, q, query, total)
        if complete:
            result.letters, result.letters_exact = seen, True
        else:
            result.letters, result.letters_exact = _letter_count(searcher, index, q, query, total)
        if page:
            decisions = _page_decisions(searcher, index, q, [letter for letter, _ in page])
            result.hits = [LetterHit(id=letter, score=score, decisions=decisions[letter]) for letter, score in page]
    names = [f for f in query.facets or [] if f in FACETS]
    result.facets = count_facets(searcher, q, names, query.facet_size)
    for facet in query.active_filters():
        if facet in names:
            alt = compile_query(index, query.without_filter(facet))
            result.alternatives.update(count_facets(searcher, alt, [facet], query.facet_size))
    return result


def scan(index: tantivy.Index, query: SearchQuery) -> Iterator[int]:
    """Every matching decision's id by (date_key, id): letter date (undated first, as date_ord 0),
    letter id, decision id. Reads only fast fields; the work is done before the first id is
    returned, so a failing engine raises here and not half-way through an export."""
    searcher = index.searcher()
    q = compile_query(index, query)
    total = call(searcher.search, q, 1, True).count
    if not total:
        return iter(())
    hits = call(searcher.search, q, total, False, "date_key", 0, tantivy.Order.Asc).hits
    keys: list[tuple[int, int]] = []
    for start in range(0, len(hits), SCAN_BATCH):
        batch = hits[start : start + SCAN_BATCH]
        ids = call(searcher.fast_field_values, "id", [address for _, address in batch])
        keys += [(int(key), int(i)) for (key, _), i in zip(batch, ids)]
    # tantivy orders ties (one letter's decisions share its date_key) by document address.
    keys.sort()
    return (i for _, i in keys)


def count(index: tantivy.Index, query: SearchQuery) -> int:
    return call(index.searcher().search, compile_query(index, query), 1, True).count


def letter_ids(index: tantivy.Index) -> set[int]:
    searcher = index.searcher()
    firsts = tantivy.Query.term_query(index.schema, "first", 1)
    n = call(searcher.search, firsts, 1, True).count
    if not n:
        return set()
    return {letter for letter, _ in call(searcher.search, firsts, n, False, "letter_id").hits}
