"""Elasticsearch backend (elasticsearch-dsl), the same semantics as the embedded tantivy backend.

Indexes: "<prefix>-decisions" and "<prefix>-sections" are aliases; each points at one concrete
index "<alias>-<stamp>". A rebuild fills a new concrete index and swaps the alias in one
`_aliases` call, then drops the old index.

One search request gives the page of letters (`collapse` on letter_id), the decision total
(track_total_hits, after `post_filter`), every facet (filter aggregations: each facet counted
under all filters, and a facet with a selection also without its own) and the letter count
(cardinality, precision_threshold 40,000: Elastic documents counts below it as close to
accurate; above it `letters_exact` is False). Two more fetch the listed letters' decisions and
which of them match.

Tested against osmem-server (see DEVELOPERS.md): plain JSON media types (PlainJsonHttpNode),
no point-in-time (scans use search_after), refresh after writes.
"""

from __future__ import annotations

import time
from typing import Iterable, Iterator

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, helpers
from elasticsearch_dsl import Q, Search

from ..base import (
    FACETS,
    SECTION_FACETS,
    AnalyticsResult,
    DecisionHit,
    IndexMissing,
    LetterHit,
    PrecedentHit,
    PrecedentQuery,
    SearchBackend,
    SearchBackendError,
    SearchQuery,
    SearchResult,
    SectionHit,
    sort_facet_values,
)
from ..es_transport import PlainJsonHttpNode
from . import analytics, precedents
from .mappings import DecisionDoc, SectionDoc, decision_source
from .queries import SECTION_FACET_FIELDS, decision_query, facet_filter, section_query

SCAN_PAGE = 5000
BULK_BATCH = 2000
PRECISION_THRESHOLD = 40_000
ALL = 10_000  # decisions of one page of letters (a letter has at most a few dozen)
ALIAS_TRUST = 5.0  # seconds an alias seen to exist is trusted without asking again
# scan(): undated letters first, like the embedded backend's date_key (0 for no date).
SCAN_SORT = [{"decision_date": {"order": "asc", "missing": "_first"}}, {"letter_id": "asc"}, {"id": "asc"}]
SORTS = {
    "relevance": ["_score", {"letter_id": "asc"}],
    "-date": [{"decision_date": {"order": "desc", "missing": "_last"}}, {"letter_id": "desc"}],
    "date": [{"decision_date": {"order": "asc", "missing": "_first"}}, {"letter_id": "asc"}],
}


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"

    @classmethod
    def from_settings(cls, settings) -> "ElasticsearchBackend":
        """ELASTICSEARCH_URL, ELASTICSEARCH_INDEX_PREFIX, and ELASTICSEARCH_PLAIN_JSON (default
        True: plain application/json, which osmem-server needs and Elasticsearch 8 accepts; see
        search.backends.es_transport)."""
        return cls(
            settings.ELASTICSEARCH_URL,
            prefix=settings.ELASTICSEARCH_INDEX_PREFIX,
            plain_json=getattr(settings, "ELASTICSEARCH_PLAIN_JSON", True),
        )

    def __init__(
        self,
        url: str,
        prefix: str = "imr",
        client: Elasticsearch | None = None,
        plain_json: bool = True,
        request_timeout: float = 30.0,
    ):
        kwargs = {"request_timeout": request_timeout, "max_retries": 0, "retry_on_timeout": False}
        if plain_json:
            kwargs["node_class"] = PlainJsonHttpNode
        self.client = client or Elasticsearch(url, **kwargs)
        self.prefix = prefix
        self.aliases = {"determination": f"{prefix}-decisions", "section": f"{prefix}-sections"}
        self.doc_classes = {"determination": DecisionDoc, "section": SectionDoc}
        # kind -> when its alias was last seen (a request saved per search; a vanished index
        # still shows, as the engine's index_not_found).
        self._known: dict[str, float] = {}

    # --- index management --------------------------------------------------------------------
    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except NotFoundError as exc:
            if "index_not_found" in str(exc):
                self._known.clear()
                raise IndexMissing(f"elasticsearch: {exc}") from exc
            raise SearchBackendError(f"elasticsearch: {exc}") from exc
        except (ApiError, TransportError) as exc:
            raise SearchBackendError(f"elasticsearch: {exc}") from exc

    def _create_index(self, kind: str) -> str:
        name = f"{self.aliases[kind]}-{time.strftime('%Y%m%d%H%M%S')}-{time.monotonic_ns() % 10**9}"
        self._call(self.doc_classes[kind].init, index=name, using=self.client)
        return name

    def _ensure(self, kind: str) -> str:
        """The alias to read and write, which must exist: an engine restarted empty (osmem keeps
        nothing) must not get a fresh empty index that looks like "no results"."""
        alias = self.aliases[kind]
        if time.monotonic() - self._known.get(kind, -ALIAS_TRUST) < ALIAS_TRUST:
            return alias
        if not self._call(self.client.indices.exists_alias, name=alias):
            self._known.pop(kind, None)
            if self._call(self.client.indices.exists, index=alias):
                raise SearchBackendError(f"{alias} is an index, expected an alias (drop it and --rebuild)")
            raise IndexMissing(f"elasticsearch has no index {alias} (run `manage.py search_index --catch-up`)")
        self._known[kind] = time.monotonic()
        return alias

    @property
    def target(self) -> str:
        hosts = ",".join(str(node.base_url) for node in self.client.transport.node_pool.all())
        return f"elasticsearch:{hosts} {self.prefix}"

    def generation(self, kind: str = "determination") -> str | None:
        names = self._concrete(kind)
        return names[0] if names else None

    def create(self, kind: str = "determination") -> str:
        existing = self.generation(kind)
        if existing:
            return existing
        if self._call(self.client.indices.exists, index=self.aliases[kind]):
            raise SearchBackendError(f"{self.aliases[kind]} is an index, expected an alias (drop it and --rebuild)")
        name = self._create_index(kind)
        self._call(self.client.indices.put_alias, index=name, name=self.aliases[kind])
        return name

    def _concrete(self, kind: str) -> list[str]:
        alias = self.aliases[kind]
        if not self._call(self.client.indices.exists_alias, name=alias):
            return []
        return list(self._call(self.client.indices.get_alias, name=alias).body)

    # --- writes ------------------------------------------------------------------------------
    def _bulk(self, index: str, actions) -> int:
        try:
            ok, errors = helpers.bulk(
                self.client,
                actions,
                index=index,
                chunk_size=500,
                raise_on_error=False,
                raise_on_exception=True,
                stats_only=False,
            )
        except (ApiError, TransportError, helpers.BulkIndexError) as exc:
            raise SearchBackendError(f"elasticsearch bulk: {exc}") from exc
        real = [e for e in errors if next(iter(e.values())).get("status") != 404]
        if real:
            raise SearchBackendError(f"elasticsearch bulk: {len(real)} failed, first: {real[0]}")
        return ok

    def _index_letters(self, index: str, letters: list[dict]) -> int:
        self._bulk(
            index,
            ({"_id": str(d["id"]), "_source": decision_source(d)} for letter in letters for d in letter["decisions"]),
        )
        return len(letters)

    def index_determinations(self, docs: Iterable[dict]) -> int:
        letters = list(docs)
        if not letters:
            return 0
        index = self._ensure("determination")
        # A re-parsed letter may have fewer decisions than before: drop all of its old ones.
        self.delete_determinations([d["id"] for d in letters])
        return self._index_letters(index, letters)

    def delete_determinations(self, ids: Iterable[int]) -> None:
        ids = [int(i) for i in ids]
        if ids:
            self._call(
                self.client.delete_by_query,
                index=self._ensure("determination"),
                query={"terms": {"letter_id": ids}},
                refresh=True,
                conflicts="proceed",
            )

    def index_sections(self, docs: Iterable[dict]) -> int:
        return self._bulk(self._ensure("section"), ({"_id": str(d["id"]), "_source": d} for d in docs))

    def delete_sections(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        if ids:
            self._bulk(self._ensure("section"), ({"_op_type": "delete", "_id": str(i)} for i in ids))

    def refresh(self) -> None:
        for kind in self.aliases:
            if self.generation(kind):  # nothing to make visible in an index that is not there
                self._call(self.client.indices.refresh, index=self.aliases[kind])

    def clear(self) -> None:
        for kind in self.aliases:
            if self.generation(kind):
                self._call(self.client.delete_by_query, index=self.aliases[kind], query={"match_all": {}}, refresh=True)

    def rebuild(self, kind: str, docs: Iterable[dict], progress=None) -> int:
        """Fill a new concrete index, then swap the alias atomically and drop the old index."""
        alias = self.aliases[kind]
        old = self._concrete(kind)
        if not old and self._call(self.client.indices.exists, index=alias):
            raise SearchBackendError(f"{alias} is an index, expected an alias")
        new = self._create_index(kind)
        total = 0
        batch: list[dict] = []

        def flush():
            nonlocal total
            if kind == "determination":
                total += self._index_letters(new, batch)
            else:
                self._bulk(new, ({"_id": str(d["id"]), "_source": d} for d in batch))
                total += len(batch)
            batch.clear()
            if progress:
                progress(total)

        try:
            for doc in docs:
                batch.append(doc)
                if len(batch) >= BULK_BATCH:
                    flush()
            flush()
            self._call(self.client.indices.refresh, index=new)
        except BaseException:
            self.client.indices.delete(index=new, ignore_unavailable=True)
            raise
        actions = [{"remove": {"index": name, "alias": alias}} for name in old]
        actions.append({"add": {"index": new, "alias": alias}})
        self._call(self.client.indices.update_aliases, actions=actions)
        for name in old:
            self._call(self.client.indices.delete, index=name, ignore_unavailable=True)
        return total

    def drop(self) -> None:
        """Delete the aliases' concrete indexes (tests)."""
        self._known.clear()
        for kind in self.aliases:
            for name in self._concrete(kind):
                self._call(self.client.indices.delete, index=name, ignore_unavailable=True)

    def close(self) -> None:
        self.client.close()

    # --- maintenance reads ---------------------------------------------------------------------
    def ids(self, kind: str = "determination") -> set[int]:
        """Letter ids (or section ids), scanned with search_after (osmem has no point-in-time)."""
        index = self._ensure(kind)
        field, query = (
            ("letter_id", {"term": {"first": True}}) if kind == "determination" else ("id", {"match_all": {}})
        )
        out: set[int] = set()
        after = None
        while True:
            body = {"size": SCAN_PAGE, "sort": [{field: "asc"}], "_source": False, "query": query}
            if after is not None:
                body["search_after"] = after
            hits = self._call(self.client.search, index=index, body=body)["hits"]["hits"]
            if not hits:
                return out
            out.update(int(h["sort"][0]) for h in hits)
            after = hits[-1]["sort"]

    def document_count(self, kind: str = "determination") -> int:
        return int(self._call(self.client.count, index=self._ensure(kind))["count"])

    # --- search ------------------------------------------------------------------------------
    def _aggs(self, query: SearchQuery, names: list[str]) -> dict:
        filters = query.active_filters()
        size = max(int(query.facet_size), 1)
        every = {f: {"terms": {"field": f, "size": size}} for f in names}
        every["letters"] = {"cardinality": {"field": "letter_id", "precision_threshold": PRECISION_THRESHOLD}}
        # A query selecting whole letters counts them exactly: one first decision each.
        every["first"] = {"filter": {"term": {"first": True}}}
        aggs = {"all": {"filter": facet_filter(filters).to_dict(), "aggs": every}}
        for facet in filters:
            if facet in names:
                aggs[f"alt:{facet}"] = {
                    "filter": facet_filter(filters, without=facet).to_dict(),
                    "aggs": {facet: {"terms": {"field": facet, "size": size}}},
                }
        return aggs

    def search(self, query: SearchQuery) -> SearchResult:
        index = self._ensure("determination")
        base = decision_query(query)
        filters = facet_filter(query.active_filters())
        names = [f for f in query.facets or [] if f in FACETS]
        body = {
            "query": base.to_dict(),
            "post_filter": filters.to_dict(),
            "aggs": self._aggs(query, names),
            "from": query.offset,
            "size": max(int(query.page_size), 0),
            "track_total_hits": True,
            "sort": SORTS[query.sort],
            "collapse": {"field": "letter_id"},
            "_source": False,
        }
        response = self._call(self.client.search, index=index, body=body)
        aggs = response.get("aggregations") or {}
        total = response["hits"]["total"]
        if query.selects_whole_letters:
            letters, exact = int(aggs["all"]["first"]["doc_count"]), True
        else:
            letters = int(aggs["all"]["letters"]["value"])
            exact = letters < PRECISION_THRESHOLD
        result = SearchResult(
            total=int(total["value"] if isinstance(total, dict) else total), letters=letters, letters_exact=exact
        )
        result.facets = {
            f: sort_facet_values(
                {str(b["key"]): int(b["doc_count"]) for b in aggs["all"][f]["buckets"]}, query.facet_size
            )
            for f in names
        }
        for key, agg in aggs.items():
            if key.startswith("alt:"):
                facet = key[4:]
                result.alternatives[facet] = sort_facet_values(
                    {str(b["key"]): int(b["doc_count"]) for b in agg[facet]["buckets"]}, query.facet_size
                )
        page = [(int(h["fields"]["letter_id"][0]), float(h.get("_score") or 0.0)) for h in response["hits"]["hits"]]
        if page:
            decisions = self._page_decisions(index, base, filters, [letter for letter, _ in page])
            result.hits = [
                LetterHit(id=letter, score=score if query.sort == "relevance" else 0.0, decisions=decisions[letter])
                for letter, score in page
            ]
        return result

    def _page_decisions(self, index: str, base, filters, letter_ids: list[int]) -> dict[int, list[DecisionHit]]:
        on_page = Q("terms", letter_id=letter_ids)
        matching = Q("bool", must=[base], filter=[filters, on_page])
        found = self._call(
            self.client.search,
            index=index,
            body={"query": matching.to_dict(), "size": ALL, "_source": False, "stored_fields": []},
        )
        matched = {int(h["_id"]) for h in found["hits"]["hits"]}
        every = self._call(
            self.client.search,
            index=index,
            body={
                "query": on_page.to_dict(),
                "size": ALL,
                "sort": [{"order": "asc"}],
                "_source": {"excludes": ["request_text", "names"]},
            },
        )
        out: dict[int, list[DecisionHit]] = {i: [] for i in letter_ids}
        for h in every["hits"]["hits"]:
            src = h["_source"]
            out[int(src["letter_id"])].append(
                DecisionHit(id=int(src["id"]), order=int(src["order"]), matched=int(src["id"]) in matched, source=src)
            )
        return out

    def count(self, query: SearchQuery) -> int:
        q = Q("bool", must=[decision_query(query)], filter=[facet_filter(query.active_filters())])
        return int(self._call(self.client.count, index=self._ensure("determination"), query=q.to_dict())["count"])

    def scan(self, query: SearchQuery) -> Iterator[int]:
        """search_after pages sorted by (decision_date, letter_id, id): osmem-server has no
        point-in-time, and the sort is total (ids are unique), so no decision is skipped or
        repeated between pages. The first page is read before returning (a failing engine
        raises here, not half-way through an export)."""
        index = self._ensure("determination")
        q = Q("bool", must=[decision_query(query)], filter=[facet_filter(query.active_filters())])
        body = {"query": q.to_dict(), "size": SCAN_PAGE, "sort": SCAN_SORT, "_source": False, "track_total_hits": False}
        first = self._call(self.client.search, index=index, body=body)["hits"]["hits"]

        def pages(hits):
            while hits:
                yield from (int(h["sort"][-1]) for h in hits)
                if len(hits) < SCAN_PAGE:
                    return
                hits = self._call(self.client.search, index=index, body={**body, "search_after": hits[-1]["sort"]})[
                    "hits"
                ]["hits"]

        return pages(first)

    def analytics(self, query: SearchQuery) -> AnalyticsResult:
        response = self._call(
            self.client.search, index=self._ensure("determination"), body=analytics.body(query, PRECISION_THRESHOLD)
        )
        return analytics.result(response, query, PRECISION_THRESHOLD)

    def precedents(self, query: PrecedentQuery) -> list[PrecedentHit]:
        return precedents.precedents(
            lambda **kw: self._call(self.client.search, **kw), self._ensure("determination"), query
        )

    def search_sections(self, query: SearchQuery) -> SearchResult:
        index = self._ensure("section")
        s = Search(using=self.client, index=index).query(section_query(query)).sort("_score", {"id": "asc"})
        facets = SECTION_FACETS if query.facets == FACETS else [f for f in query.facets or [] if f in SECTION_FACETS]
        s = s.extra(from_=query.offset, size=max(int(query.page_size), 0), track_total_hits=True)
        for f in facets:
            s.aggs.bucket(f, "terms", field=SECTION_FACET_FIELDS[f], size=max(int(query.facet_size), 1))
        response = self._call(self.client.search, index=index, body=s.to_dict())
        hits = [
            SectionHit(id=int(h["_source"]["id"]), score=float(h.get("_score") or 0.0), source=h["_source"])
            for h in response["hits"]["hits"]
        ]
        aggs = response.get("aggregations") or {}
        out_facets = {
            f: sort_facet_values({str(b["key"]): int(b["doc_count"]) for b in (aggs.get(f) or {}).get("buckets") or []})
            for f in facets
        }
        total = response["hits"]["total"]
        return SearchResult(
            total=int(total["value"] if isinstance(total, dict) else total), hits=hits, facets=out_facets
        )
