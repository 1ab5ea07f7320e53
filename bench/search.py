"""Search benchmark: the engine alone, the API and the page end to end, at 10k / 100k letters.

    .venv/bin/python bench/search.py [--sizes 10000,100000] [--backends embedded,elasticsearch]
                                     [--runs 100] [--letters ../shared/data/dwc-imr/txt]

The 150 real letters are ingested into a throwaway SQLite database with the guideline catalog
loaded (parser, linker, taxonomy, the real search.documents builder), then recombined into
larger corpora directly as index documents: each synthetic letter takes 1-4 decisions drawn from
different real letters, the summary and reviewer of another, a decision date shifted by up to
+/- 2 years and a new case number.

For every query shape, in the same process and against the same index, three timings (p50/p95
over --runs runs after a warm-up, pages 1-5 in turn as users page through results):
  engine  backend.search() on the query the parser builds (what the engine costs)
  api     GET /api/search/ through Django's test client: middleware, parser, engine, payload
          (highlights, outcome summary), DRF rendering to JSON
  page    GET /search/ likewise, rendered to HTML
The page and the API read only the index and, once a minute per process, the guideline section
map (one SQL query), so the database holding only the 150 real letters does not flatter them.

The Elasticsearch backend runs against osmem-server (an in-memory OpenSearch-compatible test
server), started here on a free port: its figures describe osmem, not a real cluster.
Timings are wall-clock on a shared machine; the load average is printed with the table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from corpus import DEFAULT_LETTERS, base_letters, indexed_corpora, percentiles, setup_django  # noqa: E402

# (name, query string): shapes users run, each with hits in the 150 real letters.
SHAPES = [
    ("mbb", {"q": "MBB"}),
    ("norco", {"q": "Norco"}),
    ("lumbar-mri", {"q": "lumbar MRI"}),
    ("text", {"q": "radiculopathy"}),
    ("facets", {}),
    ("mri+3f", {"q": "MRI", "decision": "Upheld", "body_region": "lumbar spine", "specialty": "Family Practice"}),
    ("pain", {"q": "pain"}),
    ("pt-date", {"q": "physical therapy", "sort": "-date"}),
]


def time_shape(backend, client, params: dict, runs: int) -> dict[str, tuple[float, float]]:
    from search.params import parse_search_params

    out = {}
    for name in ("engine", "api", "page"):
        times = []
        for i in range(runs + 5):
            paged = {**params, "page": str(1 + i % 5)}
            started = time.perf_counter()
            if name == "engine":
                backend.search(parse_search_params(paged).to_query())
            else:
                response = client.get(("/api/search/?" if name == "api" else "/search/?") + urlencode(paged))
                assert response.status_code == 200, response.content[:300]
            if i >= 5:  # warm-up
                times.append((time.perf_counter() - started) * 1000)
        out[name] = percentiles(times)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--backends", default="embedded")
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--letters", type=Path, default=DEFAULT_LETTERS)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    backends = [b for b in args.backends.split(",") if b]

    work = Path(tempfile.mkdtemp(prefix="bench-search-"))
    setup_django(work)
    from django.test import Client

    from search.backends.base import SearchQuery
    from search.params import parse_search_params

    base = base_letters(args.letters)
    print(f"base: {len(base)} real letters, {sum(len(b['decisions']) for b in base)} decisions", flush=True)
    rows = []
    client = Client()
    try:
        for name, size, backend, elapsed in indexed_corpora(work, base, sizes, backends):
            decisions = backend.count(SearchQuery())
            print(
                f"{name} {size} letters ({decisions} decisions) indexed in {elapsed:.1f} s "
                f"({size / elapsed:.0f} letters/s)",
                flush=True,
            )
            for shape, params in SHAPES:
                timed = time_shape(backend, client, params, args.runs)
                hits = backend.search(parse_search_params(params).to_query())
                rows.append((name, size, shape, timed, hits.total, hits.letters))
                print(
                    f"  {shape:<11} engine {timed['engine'][0]:6.1f}/{timed['engine'][1]:6.1f}  "
                    f"api {timed['api'][0]:6.1f}/{timed['api'][1]:6.1f}  page {timed['page'][0]:6.1f}/"
                    f"{timed['page'][1]:6.1f} ms (p50/p95)  {hits.total} decisions, {hits.letters} letters",
                    flush=True,
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; {args.runs} runs per shape; ms")
    header = (
        f"{'backend':<14}{'letters':>8}  {'shape':<11}{'engine p50':>11}{'p95':>7}{'api p50':>9}{'p95':>7}"
        f"{'page p50':>10}{'p95':>7}{'api-engine':>11}{'page/engine':>12}{'decisions':>10}{'letters':>9}"
    )
    print(header)
    print("-" * len(header))
    for name, size, shape, t, total, letters in rows:
        overhead = t["api"][0] - t["engine"][0]
        ratio = t["page"][0] / max(t["engine"][0], 1e-6)
        print(
            f"{name:<14}{size:>8}  {shape:<11}{t['engine'][0]:>11.1f}{t['engine'][1]:>7.1f}{t['api'][0]:>9.1f}"
            f"{t['api'][1]:>7.1f}{t['page'][0]:>10.1f}{t['page'][1]:>7.1f}{overhead:>11.1f}{ratio:>11.1f}x"
            f"{total:>10}{letters:>9}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
