"""Search backend benchmark: indexing rate and query latency at 10k / 100k letters.

    .venv/bin/python bench/search.py [--sizes 10000,100000] [--backends embedded,elasticsearch]
                                     [--queries 200] [--letters ../shared/data/dwc-imr/txt]

The 150 real letters are ingested into a throwaway SQLite database (parser, taxonomy, the real
search.documents builder), then recombined into larger corpora directly as index documents:
each synthetic letter takes 1-4 disputed items drawn from different real letters, the summary and
reviewer of another, a decision date shifted by up to +/- 2 years and a new case number.

Measured per backend and size: indexing rate (documents/s, through the backend's rebuild path,
including the final commit/refresh) and the latency (p50/p95 over --queries runs, after a
warm-up) of:
  text:       "MBB" with expansion "medial branch block" (no facets, highlights on)
  text+hits:  "Norco" with expansion "hydrocodone" (no facets, highlights on)
  facets:     no text, all facets
  text+3f+F:  "MRI" + decision, body_region, specialty filters + all facets
  pain+F:     "pain" (matches nearly every letter) + all facets
The Elasticsearch backend runs against osmem-server (an in-memory OpenSearch-compatible test
server), started here on a free port: its figures describe osmem, not a real cluster.
Timings are wall-clock on a shared machine; the load average is printed with the table.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DEFAULT_LETTERS = REPO.parent / "shared" / "data" / "dwc-imr" / "txt"
ITEM_FACETS = ["decision", "procedure", "procedure_category", "body_region"]


def base_documents(letters: Path, cache: Path | None) -> list[dict]:
    """Index documents for the real letters, built through ingest + search.documents."""
    if cache and cache.exists():
        return json.loads(cache.read_text())
    work = Path(tempfile.mkdtemp(prefix="bench-search-db-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
    os.environ["SEARCH_INDEX_DIR"] = str(work / "index")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imr_kb.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from cases.ingest import ingest_paths
    from search.documents import determination_documents

    ingest_paths([letters])
    docs = list(determination_documents())
    shutil.rmtree(work, ignore_errors=True)
    if cache:
        cache.write_text(json.dumps(docs))
    return docs


def synthesize(base: list[dict], n: int, seed: int = 7) -> list[dict]:
    """n letters recombined from the real ones (items, summaries, reviewers, dates)."""
    from search.rollup import letter_fields_from_items

    rng = random.Random(seed)
    items = [item for d in base for item in d["items"]]
    dated = [d for d in base if d["decision_date"]]
    out = []
    for i in range(n):
        shell = rng.choice(base)
        when = date.fromisoformat(rng.choice(dated)["decision_date"]) + timedelta(days=rng.randint(-730, 730))
        chosen = [dict(it, order=k) for k, it in enumerate(rng.sample(items, rng.choice((1, 1, 2, 2, 3, 4))))]
        out.append({
            **shell,
            "id": i + 1,
            "case_number": f"CM{when.year % 100:02d}-{i + 1:07d}",
            "decision_date": when.isoformat(),
            "decision_year": str(when.year),
            **letter_fields_from_items(chosen),
        })
    return out


def queries(docs: list[dict]):
    from search.backends.base import SearchQuery

    def top(field):
        counts: dict[str, int] = {}
        for d in docs[:5000]:
            for v in d[field]:
                counts[v] = counts.get(v, 0) + 1
        return max(counts, key=counts.get)

    filters = {"decision": ["Upheld"], "body_region": [top("body_region")], "specialty": [top("specialty")]}
    return [
        ("text", SearchQuery(text="MBB", expansions=["medial branch block"], facets=[])),
        ("text+hits", SearchQuery(text="Norco", expansions=["hydrocodone"], facets=[])),
        ("facets", SearchQuery()),
        ("text+3f+F", SearchQuery(text="MRI", filters=filters)),
        ("pain+F", SearchQuery(text="pain")),
    ]


def time_queries(backend, docs, runs: int) -> list[tuple[str, float, float, int]]:
    rows = []
    for name, query in queries(docs):
        for _ in range(5):
            backend.search(query)
        times = []
        total = 0
        for i in range(runs):
            query.page = 1 + i % 5  # different pages, as users page through results
            t0 = time.perf_counter()
            total = backend.search(query).total
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
        rows.append((name, statistics.median(times), p95, total))
    return rows


def make_backend(name: str, workdir: Path, osmem_url: str | None):
    if name == "embedded":
        from search.backends.embedded import EmbeddedBackend

        return EmbeddedBackend(workdir / "embedded")
    from search.backends.elasticsearch import ElasticsearchBackend

    return ElasticsearchBackend(osmem_url, prefix=f"bench{int(time.time())}", request_timeout=600)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--backends", default="embedded,elasticsearch")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--letters", type=Path, default=DEFAULT_LETTERS)
    parser.add_argument("--base-cache", type=Path, default=Path(tempfile.gettempdir()) / "bench-search-base.json",
                        help="cache of the 150 base documents (delete to rebuild)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    backends = [b for b in args.backends.split(",") if b]

    base = base_documents(args.letters, args.base_cache)
    print(f"base: {len(base)} real letters, {sum(len(d['items']) for d in base)} items", flush=True)
    server = None
    osmem_url = None
    if "elasticsearch" in backends:
        from osmem_server import OsmemServer

        server = OsmemServer.start(japanese=False)
        osmem_url = server.url
    results = []
    try:
        for size in sizes:
            docs = synthesize(base, size)
            mb = sum(len(json.dumps(d)) for d in docs[:1000]) / 1000 * size / 1e6
            print(f"corpus {size}: ~{mb:.0f} MB of JSON", flush=True)
            for name in backends:
                workdir = Path(tempfile.mkdtemp(prefix=f"bench-search-{name}-"))
                backend = make_backend(name, workdir, osmem_url)
                try:
                    t0 = time.perf_counter()
                    backend.rebuild("determination", iter(docs))
                    backend.refresh()
                    elapsed = time.perf_counter() - t0
                    rate = size / elapsed
                    assert backend.count(__import__("search.backends.base", fromlist=["SearchQuery"]).SearchQuery()) == size
                    print(f"  {name}: indexed {size} in {elapsed:.1f} s ({rate:.0f} docs/s)", flush=True)
                    for qname, p50, p95, total in time_queries(backend, docs, args.queries):
                        results.append((name, size, rate, qname, p50, p95, total))
                        print(f"    {qname:<10} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  hits {total}", flush=True)
                finally:
                    if name == "elasticsearch":
                        backend.drop()
                    backend.close()
                    shutil.rmtree(workdir, ignore_errors=True)
    finally:
        if server:
            server.close()

    print()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; {args.queries} runs per query")
    header = f"{'backend':<14}{'letters':>9}{'index docs/s':>14}  {'query':<11}{'p50 ms':>9}{'p95 ms':>9}{'hits':>9}"
    print(header)
    print("-" * len(header))
    for name, size, rate, qname, p50, p95, total in results:
        print(f"{name:<14}{size:>9}{rate:>14.0f}  {qname:<11}{p50:>9.1f}{p95:>9.1f}{total:>9}")
    by_key = {(name, size, qname): (rate, p50) for name, size, rate, qname, p50, p95, total in results}
    ratios = [(size, qname, by_key[("elasticsearch", size, qname)][1] / max(p50, 1e-6))
              for (name, size, qname), (rate, p50) in by_key.items()
              if name == "embedded" and ("elasticsearch", size, qname) in by_key]
    if ratios:
        print()
        print("p50 ratio elasticsearch(osmem) / embedded:")
        for size, qname, ratio in ratios:
            print(f"  {size:>7} {qname:<11} {ratio:8.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
