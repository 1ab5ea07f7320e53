"""Elasticsearch backend (elasticsearch-dsl), same semantics as the embedded tantivy backend.

Indexes: "<prefix>-determinations" and "<prefix>-sections" are aliases; each points at one
concrete index "<alias>-<stamp>". A rebuild fills a new concrete index and swaps the alias in one
`_aliases` call, then drops the old index.

Determinations keep their items as `nested` documents, so filters on two or more item facets
(decision=Overturned AND procedure=X) are one nested query: the same item must match. Facet
counts are of letters (terms aggregations on the letter-level keyword fields), as in the
embedded backend.

Text uses a stemming analyzer without stop words (non-alphanumerics to spaces, standard tokenizer, lowercase, Snowball
English), matching tantivy's "en_stem": with stop words, a typed "of" would match nothing and
make an all-words query fail.

Tested against osmem-server (see DEVELOPERS.md): plain JSON media types (PlainJsonHttpNode),
no point-in-time (scans use search_after with an id tiebreaker), refresh after writes.
"""
from __future__ import annotations

import time
from typing import Iterable

from elasticsearch import Elasticsearch, helpers
from elasticsearch import ApiError, TransportError
from elasticsearch_dsl import Date, Document, InnerDoc, Integer, Keyword, Nested, Q, Search, Text, analyzer, char_filter, token_filter

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
    sort_facet_values,
)
from .es_transport import PlainJsonHttpNode

# Split on anything that is not a letter or digit, like tantivy's simple tokenizer: the standard
# (UAX#29) tokenizer alone keeps "Norco.Subjective" (a missing space in a letter) as one word.
# Done with a char filter in front of the standard tokenizer because osmem-server indexes with
# pattern/char_group tokenizers wrongly (it keeps the separators as tokens; _analyze is right).
# One character for one character: osmem does not correct highlight offsets for a char filter
# that changes the text length.
non_alnum_to_space = char_filter("non_alnum_to_space", "pattern_replace", pattern="[^\\p{L}\\p{N}]", replacement=" ")
english_stem = analyzer(
    "english_stem",
    tokenizer="standard",
    char_filter=[non_alnum_to_space],
    filter=["lowercase", token_filter("english_snowball", type="snowball", language="English")],
)


def _names_text():
    # Facet values are also searchable words ("medial branch block" finds procedure=MBB letters).
    return {"text": Text(analyzer=english_stem)}


class ItemDoc(InnerDoc):
    order = Integer()
    request = Text(analyzer=english_stem)
    decision = Keyword()
    procedure = Keyword()
    procedure_category = Keyword()
    body_region = Keyword()
    rationale = Text(index=False)
    guideline_documents = Keyword()
    guideline_sections = Keyword()


class DeterminationDoc(Document):
    id = Integer()
    case_number = Keyword(fields=_names_text())
    decision_date = Date()
    decision_year = Keyword()
    specialty = Keyword(fields=_names_text())
    licensure = Keyword()
    patient_age = Integer()
    patient_sex = Keyword()
    decision = Keyword()
    procedure = Keyword(fields=_names_text())
    procedure_category = Keyword(fields=_names_text())
    body_region = Keyword(fields=_names_text())
    guideline_document = Keyword(fields=_names_text())
    guideline_section = Keyword(fields=_names_text())
    requests = Text(analyzer=english_stem)
    rationale = Text(analyzer=english_stem)
    summary = Text(analyzer=english_stem)
    items = Nested(ItemDoc)


class SectionDoc(Document):
    id = Integer()
    document = Keyword(fields=_names_text())
    family = Keyword()
    title = Text(analyzer=english_stem)
    text = Text(analyzer=english_stem)
    quotes = Text(analyzer=english_stem)
    url = Keyword(index=False)


# Same boosts as the embedded backend.
DET_TEXT_FIELDS = [
    "requests^3", "procedure.text^3", "procedure_category.text^3", "body_region.text^3",
    "guideline_document.text^3", "guideline_section.text^3", "specialty.text^3", "case_number.text^3",
    "rationale", "summary^0.5",
]
SECTION_TEXT_FIELDS = ["title^3", "quotes^1.5", "text"]
# Section facet name -> field.
SECTION_FACET_FIELDS = {"guideline_document": "document", "family": "family"}
ITEM_FIELDS = {
    "decision": "items.decision",
    "procedure": "items.procedure",
    "procedure_category": "items.procedure_category",
    "body_region": "items.body_region",
    "guideline_document": "items.guideline_documents",
    "guideline_section": "items.guideline_sections",
}
SCAN_PAGE = 5000


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"

    def __init__(self, url: str, prefix: str = "imr", client: Elasticsearch | None = None, plain_json: bool = True,
                 request_timeout: float = 30.0):
        kwargs = {"request_timeout": request_timeout, "max_retries": 0, "retry_on_timeout": False}
        if plain_json:
            kwargs["node_class"] = PlainJsonHttpNode
        self.client = client or Elasticsearch(url, **kwargs)
        self.prefix = prefix
        self.aliases = {"determination": f"{prefix}-determinations", "section": f"{prefix}-sections"}
        self.doc_classes = {"determination": DeterminationDoc, "section": SectionDoc}
        self._ready: set[str] = set()

    # --- index management --------------------------------------------------------------------
    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (ApiError, TransportError) as exc:
            raise SearchBackendError(f"elasticsearch: {exc}") from exc

    def _create_index(self, kind: str) -> str:
        name = f"{self.aliases[kind]}-{time.strftime('%Y%m%d%H%M%S')}-{time.monotonic_ns() % 10**9}"
        self._call(self.doc_classes[kind].init, index=name, using=self.client)
        return name

    def _ensure(self, kind: str) -> str:
        alias = self.aliases[kind]
        if kind not in self._ready:
            if not self._call(self.client.indices.exists_alias, name=alias):
                if self._call(self.client.indices.exists, index=alias):
                    raise SearchBackendError(f"{alias} is an index, expected an alias (drop it and --rebuild)")
                name = self._create_index(kind)
                self._call(self.client.indices.put_alias, index=name, name=alias)
            self._ready.add(kind)
        return alias

    def _concrete(self, kind: str) -> list[str]:
        alias = self.aliases[kind]
        if not self._call(self.client.indices.exists_alias, name=alias):
            return []
        return list(self._call(self.client.indices.get_alias, name=alias).body)

    # --- writes ------------------------------------------------------------------------------
    def _bulk(self, index: str, actions) -> int:
        try:
            ok, errors = helpers.bulk(self.client, actions, index=index, chunk_size=500, raise_on_error=False,
                                      raise_on_exception=True, stats_only=False)
        except (ApiError, TransportError, helpers.BulkIndexError) as exc:
            raise SearchBackendError(f"elasticsearch bulk: {exc}") from exc
        real = [e for e in errors if next(iter(e.values())).get("status") != 404]
        if real:
            raise SearchBackendError(f"elasticsearch bulk: {len(real)} failed, first: {real[0]}")
        return ok

    def _index(self, kind: str, docs: Iterable[dict], index: str | None = None) -> int:
        index = index or self._ensure(kind)
        return self._bulk(index, ({"_id": str(d["id"]), "_source": d} for d in docs))

    def _delete(self, kind: str, ids: Iterable[int]) -> None:
        ids = list(ids)
        if ids:
            self._bulk(self._ensure(kind), ({"_op_type": "delete", "_id": str(i)} for i in ids))

    def index_determinations(self, docs: Iterable[dict]) -> int:
        return self._index("determination", docs)

    def delete_determinations(self, ids: Iterable[int]) -> None:
        self._delete("determination", ids)

    def index_sections(self, docs: Iterable[dict]) -> int:
        return self._index("section", docs)

    def delete_sections(self, ids: Iterable[int]) -> None:
        self._delete("section", ids)

    def refresh(self) -> None:
        for kind in self.aliases:
            self._call(self.client.indices.refresh, index=self._ensure(kind))

    def clear(self) -> None:
        for kind in self.aliases:
            alias = self._ensure(kind)
            self._call(self.client.delete_by_query, index=alias, query={"match_all": {}}, refresh=True)

    def rebuild(self, kind: str, docs: Iterable[dict], progress=None) -> int:
        """Fill a new concrete index, then swap the alias atomically and drop the old index."""
        alias = self.aliases[kind]
        old = self._concrete(kind)
        if not old and self._call(self.client.indices.exists, index=alias):
            raise SearchBackendError(f"{alias} is an index, expected an alias")
        new = self._create_index(kind)
        total = 0
        batch: list[dict] = []
        try:
            for doc in docs:
                batch.append(doc)
                if len(batch) >= 2000:
                    total += self._index(kind, batch, index=new)
                    batch.clear()
                    if progress:
                        progress(total)
            total += self._index(kind, batch, index=new)
            if progress:
                progress(total)
            self._call(self.client.indices.refresh, index=new)
        except BaseException:
            self.client.indices.delete(index=new, ignore_unavailable=True)
            raise
        actions = [{"remove": {"index": name, "alias": alias}} for name in old]
        actions.append({"add": {"index": new, "alias": alias}})
        self._call(self.client.indices.update_aliases, actions=actions)
        for name in old:
            self._call(self.client.indices.delete, index=name, ignore_unavailable=True)
        self._ready.add(kind)
        return total

    def drop(self) -> None:
        """Delete the aliases' concrete indexes (tests)."""
        for kind in self.aliases:
            for name in self._concrete(kind):
                self._call(self.client.indices.delete, index=name, ignore_unavailable=True)
        self._ready.clear()

    def close(self) -> None:
        self.client.close()

    def ids(self, kind: str = "determination") -> set[int]:
        """All ids, scanned with search_after on id (osmem has no point-in-time)."""
        index = self._ensure(kind)
        out: set[int] = set()
        after = None
        while True:
            body = {"size": SCAN_PAGE, "sort": [{"id": "asc"}], "_source": False, "query": {"match_all": {}}}
            if after is not None:
                body["search_after"] = after
            hits = self._call(self.client.search, index=index, body=body)["hits"]["hits"]
            if not hits:
                return out
            out.update(int(h["sort"][0]) for h in hits)
            after = hits[-1]["sort"]

    # --- search ------------------------------------------------------------------------------
    def _text_query(self, query: SearchQuery, fields: list[str]):
        """All typed words (each in some field) OR any expansion as a phrase; None when no text."""
        from .embedded import WORD_RE

        parts = []
        words = WORD_RE.findall(query.text or "")
        if words:
            parts.append(Q("bool", must=[Q("multi_match", query=w, fields=fields) for w in words]))
        for phrase in query.expansions or []:
            pw = WORD_RE.findall(phrase or "")
            if pw and [w.lower() for w in pw] != [w.lower() for w in words]:
                parts.append(Q("multi_match", query=" ".join(pw), fields=fields, type="phrase"))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else Q("bool", should=parts, minimum_should_match=1)

    def search(self, query: SearchQuery) -> SearchResult:
        index = self._ensure("determination")
        s = Search(using=self.client, index=index)
        text_q = self._text_query(query, DET_TEXT_FIELDS)
        filters = []
        for facet, values in (query.filters or {}).items():
            values = [str(v) for v in values or [] if v not in (None, "")]
            if not values:
                continue
            if facet not in FACETS:
                raise ValueError(f"unknown filter {facet!r}")
            filters.append(Q("terms", **{facet: values}))
        active = {f: [str(v) for v in vs] for f, vs in (query.filters or {}).items() if f in ITEM_FACETS and vs}
        if len(active) >= 2:
            filters.append(Q("nested", path="items", query=Q("bool", filter=[
                Q("terms", **{ITEM_FIELDS[f]: vs}) for f, vs in active.items()
            ])))
        if query.date_from or query.date_to:
            bounds = {}
            if query.date_from:
                bounds["gte"] = query.date_from.isoformat()
            if query.date_to:
                bounds["lte"] = query.date_to.isoformat()
            filters.append(Q("range", decision_date=bounds))
        s = s.query(Q("bool", must=[text_q] if text_q else [Q("match_all")], filter=filters))
        if query.sort == "date":
            s = s.sort({"decision_date": {"order": "asc", "missing": "_first"}}, {"id": "asc"})
        elif query.sort == "-date":
            s = s.sort({"decision_date": {"order": "desc", "missing": "_last"}}, {"id": "asc"})
        else:
            s = s.sort("_score", {"id": "asc"})
        return self._run(s, query, text_q, [f for f in query.facets or [] if f in FACETS], {f: f for f in FACETS},
                         HIGHLIGHT_FIELDS)

    def count(self, query: SearchQuery) -> int:
        q = SearchQuery(**{**query.__dict__, "page_size": 1, "facets": [], "highlight": False})
        return self.search(q).total

    def search_sections(self, query: SearchQuery) -> SearchResult:
        index = self._ensure("section")
        s = Search(using=self.client, index=index)
        text_q = self._text_query(query, SECTION_TEXT_FIELDS)
        filters = []
        for facet, values in (query.filters or {}).items():
            values = [str(v) for v in values or [] if v not in (None, "")]
            if values:
                if facet not in SECTION_FACET_FIELDS:
                    raise ValueError(f"unknown section filter {facet!r}")
                filters.append(Q("terms", **{SECTION_FACET_FIELDS[facet]: values}))
        s = s.query(Q("bool", must=[text_q] if text_q else [Q("match_all")], filter=filters)).sort("_score", {"id": "asc"})
        facets = SECTION_FACETS if query.facets == FACETS else [f for f in query.facets or [] if f in SECTION_FACETS]
        return self._run(s, query, text_q, facets, SECTION_FACET_FIELDS, SECTION_HIGHLIGHT_FIELDS)

    def _run(self, s: Search, query: SearchQuery, text_q, facets: list[str], facet_fields: dict, hl_fields: list[str]):
        size = max(int(query.page_size), 0)
        s = s.extra(from_=query.offset, size=size, track_total_hits=True)
        for f in facets:
            s.aggs.bucket(f, "terms", field=facet_fields[f], size=max(int(query.facet_size), 1))
        if query.highlight and text_q is not None:
            s = s.highlight_options(encoder="html", pre_tags=["<mark>"], post_tags=["</mark>"],
                                    fragment_size=200, number_of_fragments=1, highlight_query=text_q.to_dict())
            s = s.highlight(*hl_fields)
        body = s.to_dict()
        response = self._call(self.client.search, index=s._index, body=body)
        hits = []
        for h in response["hits"]["hits"]:
            score = h.get("_score")
            hits.append(Hit(id=int(h["_source"]["id"]), score=float(score) if score is not None and query.sort == "relevance" else 0.0,
                            source=h["_source"], highlights={k: list(v) for k, v in (h.get("highlight") or {}).items()}))
        out_facets: dict[str, list[FacetValue]] = {}
        aggs = response.get("aggregations") or {}
        for f in facets:
            buckets = (aggs.get(f) or {}).get("buckets") or []
            out_facets[f] = sort_facet_values({str(b["key"]): int(b["doc_count"]) for b in buckets})
        total = response["hits"]["total"]
        return SearchResult(total=int(total["value"] if isinstance(total, dict) else total), hits=hits, facets=out_facets)
