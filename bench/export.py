"""Export benchmark: /api/search/export.csv and .jsonl end to end, at the demo corpus and grown ones.

    .venv/bin/python bench/export.py [--sizes 150,10000,100000] [--backends embedded,elasticsearch]
                                     [--runs 5] [--letters ../shared/data/dwc-imr/txt]

The 150 real letters are ingested into a throwaway SQLite database with the guideline catalog
loaded; for each larger size the database is grown (bench/corpus.py grow_database: copies of the
real letters under new case numbers and shifted dates, each with 1-4 decisions copied from
different real letters with their citations, links and quotes) and the index rebuilt from it with
`manage.py search_index --rebuild`. Unlike bench/search.py the database holds the whole corpus:
an export reads its rows from the database.

For every query shape and format, GET through Django's test client with the streamed body
consumed to the last byte (p50 over --runs runs after one warm-up): seconds, rows and rows/s;
`scan` is backend.scan() alone (ms). The memory column is the peak of Python allocations
(tracemalloc) during one more export of the shape, measured separately (tracemalloc slows it).
The last table gives each size's rows/s against the smallest size's.

The Elasticsearch backend runs against osmem-server (in-memory, OpenSearch-compatible), started
here: its figures describe osmem, not a real cluster. Timings are wall-clock on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from corpus import DEFAULT_LETTERS, base_letters, grow_database, setup_django  # noqa: E402

SHAPES = [
    ("all", {}),
    ("lumbar-mri", {"q": "lumbar MRI"}),
    ("pt-2017", {"q": "physical therapy", "decision_year": "2017"}),
    ("text", {"q": "radiculopathy"}),
    ("upheld-imaging", {"decision": "Upheld", "procedure_category": "imaging"}),
]
FORMATS = ("csv", "jsonl")


def consume(client, fmt: str, params: dict) -> int:
    """Bytes of one export, read to the end."""
    response = client.get(f"/api/search/export.{fmt}?" + urlencode(params))
    assert response.status_code == 200, response.content[:300]
    return sum(len(chunk) for chunk in response.streaming_content)


def count_rows(client, fmt: str, params: dict) -> int:
    import csv
    import io
    import json

    response = client.get(f"/api/search/export.{fmt}?" + urlencode(params))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    if fmt == "csv":
        return len(list(csv.DictReader(io.StringIO(text, newline=""))))
    return sum(1 for line in text.splitlines() if json.loads(line))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="150,10000,100000")
    parser.add_argument("--backends", default="embedded")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--letters", type=Path, default=DEFAULT_LETTERS)
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(",") if s)
    backends = [b for b in args.backends.split(",") if b]

    work = Path(tempfile.mkdtemp(prefix="bench-export-"))
    setup_django(work)
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from search.backends import get_backend, reset_backend
    from search.backends.base import SearchQuery
    from search.params import parse_search_params

    base_letters(args.letters)
    server = None
    if "elasticsearch" in backends:
        from osmem_server import OsmemServer

        server = OsmemServer.start(japanese=False)
        settings.ELASTICSEARCH_URL = server.url
    client = Client()
    results = []  # (backend, size, shape, fmt, rows, seconds, bytes, scan_ms, peak_bytes)
    try:
        for size in sizes:
            started = time.perf_counter()
            added = grow_database(size)
            if added:
                print(f"grew the database by {added} letters in {time.perf_counter() - started:.1f} s", flush=True)
            for name in backends:
                settings.SEARCH_BACKEND = name
                settings.SEARCH_INDEX_DIR = work / f"index-{name}"
                settings.ELASTICSEARCH_INDEX_PREFIX = f"benchexport{size}"
                reset_backend()
                started = time.perf_counter()
                call_command("search_index", "--rebuild", stdout=open(os.devnull, "w"), stderr=open(os.devnull, "w"))
                backend = get_backend()
                decisions = backend.count(SearchQuery())
                print(
                    f"{name} {size} letters ({decisions} decisions) indexed in {time.perf_counter() - started:.1f} s",
                    flush=True,
                )
                for shape, params in SHAPES:
                    query = parse_search_params(params).to_query()
                    scans = []
                    for _ in range(args.runs + 1):
                        t = time.perf_counter()
                        n_ids = sum(1 for _ in backend.scan(query))
                        scans.append((time.perf_counter() - t) * 1000)
                    expected = backend.count(query)
                    assert n_ids == expected, (shape, n_ids, expected)
                    for fmt in FORMATS:
                        assert count_rows(client, fmt, params) == expected, (shape, fmt)
                        times, size_bytes = [], 0
                        for i in range(args.runs + 1):
                            t = time.perf_counter()
                            size_bytes = consume(client, fmt, params)
                            if i:  # the first run warms up
                                times.append(time.perf_counter() - t)
                        tracemalloc.start()
                        consume(client, fmt, params)
                        _, peak = tracemalloc.get_traced_memory()
                        tracemalloc.stop()
                        seconds = statistics.median(times)
                        row = (
                            name,
                            size,
                            shape,
                            fmt,
                            expected,
                            seconds,
                            size_bytes,
                            statistics.median(scans[1:]),
                            peak,
                        )
                        results.append(row)
                        print(
                            f"  {shape:<15}{fmt:<6}{expected:>8} rows {seconds:8.2f} s {expected / seconds:9.0f} rows/s  "
                            f"{size_bytes / 1e6:7.1f} MB  scan {row[7]:7.1f} ms  peak {peak / 1e6:6.1f} MB",
                            flush=True,
                        )
                if name == "elasticsearch":
                    backend.drop()
                reset_backend()
                shutil.rmtree(work / f"index-{name}", ignore_errors=True)
    finally:
        if server:
            server.close()
        shutil.rmtree(work, ignore_errors=True)

    print()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; p50 of {args.runs} runs")
    header = (
        f"{'backend':<14}{'letters':>8}  {'shape':<15}{'fmt':<6}{'rows':>8}{'p50 s':>8}{'rows/s':>9}{'MB':>7}"
        f"{'scan ms':>9}{'peak MB':>9}"
    )
    print(header)
    print("-" * len(header))
    for name, size, shape, fmt, rows, seconds, size_bytes, scan_ms, peak in results:
        print(
            f"{name:<14}{size:>8}  {shape:<15}{fmt:<6}{rows:>8}{seconds:>8.2f}{rows / seconds:>9.0f}"
            f"{size_bytes / 1e6:>7.1f}{scan_ms:>9.1f}{peak / 1e6:>9.1f}"
        )
    print()
    print("rows/s against the smallest size (same backend, shape and format):")
    smallest = {(r[0], r[2], r[3]): r[4] / r[5] for r in results if r[1] == sizes[0]}
    for name, size, shape, fmt, rows, seconds, *_ in results:
        if size != sizes[0]:
            print(f"  {name:<14}{size:>8}  {shape:<15}{fmt:<6}{(rows / seconds) / smallest[(name, shape, fmt)]:6.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
