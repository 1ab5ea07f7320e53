"""Elasticsearch layout for decisions: flat decision documents (letter fields copied, letters
grouped with `collapse`) against letters with `nested` decisions (nested/reverse_nested
aggregations), on osmem-server, with the same corpus and the same three searches.

    .venv/bin/python bench/es_layout.py [--letters 10000] [--runs 30]

Each search asks what the search page needs: decision counts per outcome and procedure, the
letter count, and one page of 20 letters with their matching decisions. The flat layout is what
search.backends.elasticsearch uses; this script times the alternative the issue asked about.
osmem is an in-memory Python stand-in: the figures rank the layouts on it, not on a real cluster.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import corpus as _bench_corpus  # noqa: E402  (bench/corpus.py, after sys.path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--letters", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="bench-es-layout-"))
    _bench_corpus.setup_django(work)
    from elasticsearch import Elasticsearch, helpers
    from osmem_server import OsmemServer

    from search.backends.es_transport import PlainJsonHttpNode

    base = _bench_corpus.base_letters(_bench_corpus.DEFAULT_LETTERS)
    letters = list(_bench_corpus.synthesize(base, args.letters))
    server = OsmemServer.start(japanese=False)
    es = Elasticsearch(server.url, node_class=PlainJsonHttpNode, request_timeout=600)
    keyword = {"type": "keyword"}
    item_props = {
        "decision": keyword,
        "procedure": keyword,
        "letter_id": {"type": "long"},
        "request": {"type": "text"},
        "rationale": {"type": "text"},
    }
    try:
        es.indices.create(index="flat", mappings={"properties": {**item_props, "specialty": keyword}})
        es.indices.create(
            index="nested",
            mappings={
                "properties": {
                    "letter_id": {"type": "long"},
                    "specialty": keyword,
                    "decisions": {"type": "nested", "properties": {**item_props, "specialty": keyword}},
                }
            },
        )
        keep = ("decision", "procedure", "letter_id", "request", "rationale", "specialty")
        rows = {}
        started = time.perf_counter()
        helpers.bulk(
            es,
            (
                {"_index": "flat", "_id": str(d["id"]), "_source": {k: d[k] for k in keep}}
                for letter in letters
                for d in letter["decisions"]
            ),
            chunk_size=2000,
        )
        es.indices.refresh(index="flat")
        rows["index"] = {"flat": time.perf_counter() - started}
        started = time.perf_counter()
        helpers.bulk(
            es,
            (
                {
                    "_index": "nested",
                    "_id": str(letter["id"]),
                    "_source": {
                        "letter_id": letter["id"],
                        "specialty": letter["decisions"][0]["specialty"],
                        "decisions": [{k: d[k] for k in keep} for d in letter["decisions"]],
                    },
                }
                for letter in letters
            ),
            chunk_size=500,
        )
        es.indices.refresh(index="nested")
        rows["index"]["nested"] = time.perf_counter() - started

        searches = {
            "procedure": {"term": {"procedure": "MRI"}},
            "text": {"match": {"rationale": "radiculopathy"}},
            "everything": {"match_all": {}},
        }
        for name, item_query in searches.items():
            nested_query = {"nested": {"path": "decisions", "query": _prefixed(item_query), "inner_hits": {"size": 20}}}
            flat_body = {
                "query": item_query,
                "size": 20,
                "collapse": {"field": "letter_id"},
                "track_total_hits": True,
                "aggs": {
                    "decision": {"terms": {"field": "decision"}},
                    "procedure": {"terms": {"field": "procedure"}},
                    "letters": {"cardinality": {"field": "letter_id", "precision_threshold": 40000}},
                },
            }
            nested_body = {
                "query": nested_query,
                "size": 20,
                "track_total_hits": True,
                "aggs": {
                    "d": {
                        "nested": {"path": "decisions"},
                        "aggs": {
                            "m": {
                                "filter": _prefixed(item_query),
                                "aggs": {
                                    "decision": {"terms": {"field": "decisions.decision"}},
                                    "procedure": {"terms": {"field": "decisions.procedure"}},
                                },
                            }
                        },
                    }
                },
            }
            rows[name] = {}
            for layout, body in (("flat", flat_body), ("nested", nested_body)):
                for _ in range(3):
                    es.search(index=layout, body=body)
                times = []
                for _ in range(args.runs):
                    t0 = time.perf_counter()
                    response = es.search(index=layout, body=body)
                    times.append((time.perf_counter() - t0) * 1000)
                times.sort()
                decisions = (
                    response["hits"]["total"]["value"]
                    if layout == "flat"
                    else response["aggregations"]["d"]["m"]["doc_count"]
                )
                letters_n = (
                    response["aggregations"]["letters"]["value"]
                    if layout == "flat"
                    else response["hits"]["total"]["value"]
                )
                rows[name][layout] = (statistics.median(times), times[int(0.95 * len(times)) - 1], decisions, letters_n)
    finally:
        server.close()

    decisions_n = sum(len(letter["decisions"]) for letter in letters)
    print(
        f"\nosmem-server, {args.letters} letters ({decisions_n} decisions), {args.runs} runs; load average "
        f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    )
    print(f"indexing: flat {rows['index']['flat']:.1f} s, nested {rows['index']['nested']:.1f} s")
    print(
        f"{'search':<12}{'flat p50':>10}{'p95':>8}{'nested p50':>12}{'p95':>8}{'nested/flat':>13}  decisions / letters (both)"
    )
    for name in searches:
        f, n = rows[name]["flat"], rows[name]["nested"]
        print(
            f"{name:<12}{f[0]:>10.1f}{f[1]:>8.1f}{n[0]:>12.1f}{n[1]:>8.1f}{n[0] / f[0]:>12.1f}x  "
            f"{f[2]}/{f[3]} vs {n[2]}/{n[3]}"
        )
    return 0


def _prefixed(query: dict) -> dict:
    """The same item query on the nested documents' fields (decisions.<field>)."""
    ((kind, body),) = query.items()
    if kind == "match_all":
        return query
    ((field, value),) = body.items()
    return {kind: {f"decisions.{field}": value}}


if __name__ == "__main__":
    raise SystemExit(main())
