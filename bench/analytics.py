"""Analytics benchmark: the engine alone, the API, the analytics page and the dashboard end to end,
at 10k / 100k letters.

    .venv/bin/python bench/analytics.py [--sizes 10000,100000] [--backends embedded,elasticsearch]
                                        [--runs 50] [--letters ../shared/data/dwc-imr/txt]

The corpus is bench/search.py's (bench/corpus.py): the 150 real letters ingested into a
throwaway SQLite database with the guideline catalog, recombined into larger corpora as index
documents (decisions of different real letters, dates shifted by up to +/- 2 years).

For every query shape, in the same process and against the same index, four timings (p50/p95
over --runs runs after 5 warm-up runs):
  engine     backend.analytics() on the query the parser builds (one aggregation request)
  api        GET /api/analytics/ through Django's test client: parser, engine, payload (rates,
             intervals, a search URL for every number), DRF rendering to JSON
  page       GET /analytics/ likewise, with its seven SVG charts and tables, rendered to HTML
  dashboard  GET /dashboard/ with the same query string (four charts)
The pages read only the index and, once a minute per process, the guideline section map (one
SQL query).

The Elasticsearch backend runs against osmem-server (an in-memory OpenSearch-compatible test
server) started here on a free port: its figures describe osmem, not a real cluster. Timings
are wall-clock on a shared machine; the load average is printed with the table.
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

# (name, query string): the dashboard's whole corpus, procedure searches, filters, text.
SHAPES = [
    ("all", {}),
    ("mbb", {"q": "MBB"}),
    ("norco", {"q": "Norco"}),
    ("lumbar-mri", {"q": "lumbar MRI"}),
    ("imaging", {"procedure_category": "imaging"}),
    ("year+spec", {"decision_year": "2017", "specialty": "Pain Management"}),
    ("text", {"q": "radiculopathy"}),
    ("pain", {"q": "pain"}),
]
TIMED = ("engine", "api", "page", "dashboard")
PATHS = {"api": "/api/analytics/?", "page": "/analytics/?", "dashboard": "/dashboard/?"}


def time_shape(backend, client, params: dict, runs: int) -> dict[str, tuple[float, float]]:
    from analytics.payload import analytics_query
    from search.params import parse_search_params

    query = analytics_query(parse_search_params(params))
    out = {}
    for name in TIMED:
        times = []
        for i in range(runs + 5):
            started = time.perf_counter()
            if name == "engine":
                backend.analytics(query)
            else:
                response = client.get(PATHS[name] + urlencode(params))
                assert response.status_code == 200, response.content[:300]
            if i >= 5:  # warm-up
                times.append((time.perf_counter() - started) * 1000)
        out[name] = percentiles(times)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--backends", default="embedded")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--letters", type=Path, default=DEFAULT_LETTERS)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    backends = [b for b in args.backends.split(",") if b]

    work = Path(tempfile.mkdtemp(prefix="bench-analytics-"))
    setup_django(work)
    from django.test import Client

    from analytics.payload import analytics_query
    from search.backends.base import SearchQuery
    from search.params import parse_search_params

    base = base_letters(args.letters)
    print(f"base: {len(base)} real letters, {sum(len(b['decisions']) for b in base)} decisions", flush=True)
    rows = []
    client = Client()
    try:
        for name, size, backend, elapsed in indexed_corpora(work, base, sizes, backends):
            decisions = backend.count(SearchQuery())
            print(f"{name} {size} letters ({decisions} decisions) indexed in {elapsed:.1f} s", flush=True)
            for shape, params in SHAPES:
                timed = time_shape(backend, client, params, args.runs)
                counted = backend.analytics(analytics_query(parse_search_params(params)))
                rows.append((name, size, shape, timed, counted.total))
                print(
                    f"  {shape:<11}"
                    + "  ".join(f"{t} {timed[t][0]:6.1f}/{timed[t][1]:6.1f}" for t in TIMED)
                    + f" ms (p50/p95)  {counted.total} decisions",
                    flush=True,
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; {args.runs} runs per shape; ms")
    header = (
        f"{'backend':<14}{'letters':>8}  {'shape':<11}{'engine p50':>11}{'p95':>7}{'api p50':>9}{'p95':>7}"
        f"{'page p50':>10}{'p95':>7}{'dash p50':>10}{'p95':>7}{'api-engine':>11}{'page/engine':>12}{'decisions':>10}"
    )
    print(header)
    print("-" * len(header))
    for name, size, shape, t, total in rows:
        overhead = t["api"][0] - t["engine"][0]
        ratio = t["page"][0] / max(t["engine"][0], 1e-6)
        print(
            f"{name:<14}{size:>8}  {shape:<11}{t['engine'][0]:>11.1f}{t['engine'][1]:>7.1f}{t['api'][0]:>9.1f}"
            f"{t['api'][1]:>7.1f}{t['page'][0]:>10.1f}{t['page'][1]:>7.1f}{t['dashboard'][0]:>10.1f}"
            f"{t['dashboard'][1]:>7.1f}{overhead:>11.1f}{ratio:>11.1f}x{total:>10}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
