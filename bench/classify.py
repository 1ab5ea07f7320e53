"""Classification cost: per letter in the ingest workers, and `manage.py reclassify` over a
database grown to ~100k decisions.

    .venv/bin/python bench/classify.py [--decisions 100000] [--runs 5] [--work DIR]
                                       [--letters ../shared/data/dwc-imr/txt]

1. In the workers: every one of the 150 letter texts through pipeline.parsing.parse_stored_text
   (the guideline catalog loaded, so each item's links are planned as ingest plans them), summing
   the CPU seconds the pipeline records for its "classify" step (which includes every signal the
   classifier reads); median over --runs of the ms per letter, with the parse step beside it.
2. In the database: the 150 letters ingested into a throwaway SQLite database, grown with
   bench/corpus.py grow_database (copies of real letters, 1-4 decisions each copied with their
   citations and links) until it holds --decisions decisions; then `reclassify --all --no-reindex`
   twice: first with every item's classification blanked (every row is rewritten), then again
   (nothing changes: the reading and classifying alone). Wall seconds, ms per letter and decisions
   per second.

The machine is shared: the load average is printed with the figures. --work keeps the grown
database between runs (it is rebuilt when it does not hold enough decisions).
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from corpus import DEFAULT_LETTERS, grow_database, setup_django  # noqa: E402


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def worker_cost(letters: Path, runs: int) -> None:
    from guidelines.linking import current_catalog
    from pipeline.parsing import parse_stored_text

    current_catalog()  # the catalog the workers plan links with (inherited when they fork)
    texts = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(letters.glob("*.txt"))]
    for name, text in texts[:10]:  # warm up: compile expressions, load data files
        parse_stored_text(name, text)
    classify, parse, items = [], [], 0
    for _ in range(runs):
        seconds = {"classify": 0.0, "parse": 0.0}
        items = 0
        for name, text in texts:
            work = parse_stored_text(name, text)
            items += len(work.classes)
            for step in seconds:
                seconds[step] += work.seconds.get(step, 0.0)
        classify.append(1000 * seconds["classify"] / len(texts))
        parse.append(1000 * seconds["parse"] / len(texts))
    c, p = statistics.median(classify), statistics.median(parse)
    print(
        f"workers: classify {c:.3f} ms/letter (min {min(classify):.3f}, max {max(classify):.3f}), "
        f"{1000 * c * len(texts) / items:.1f} us/decision; parse {p:.3f} ms/letter; classify/parse {c / p:.2f}; "
        f"{len(texts)} letters, {items} decisions, median of {runs} runs (CPU time); load {load()}"
    )


def _decisions() -> tuple[int, int]:
    from cases.models import Determination, DisputedItem

    return Determination.objects.exclude(parse_status="failed").count(), DisputedItem.objects.count()


def database_cost(letters: Path, decisions: int) -> None:
    from django.core.management import call_command

    from cases.models import DisputedItem
    from pipeline.ingest import ingest_paths

    call_command("migrate", verbosity=0)
    if _decisions()[0] == 0:
        call_command("load_guideline_catalog", stdout=open(os.devnull, "w"))
        ingest_paths([letters])
    n_letters, n_items = _decisions()
    if n_items < decisions:
        started = time.perf_counter()
        # About 2.25 decisions per letter (copies hold 1-4, as real letters do).
        grow_database(int(n_letters * decisions / max(n_items, 1)) + 1)
        n_letters, n_items = _decisions()
        print(f"grew the database to {n_letters} letters, {n_items} decisions in {time.perf_counter() - started:.0f} s")
    for label, blank in (("every item rewritten", True), ("nothing changes", False)):
        if blank:
            DisputedItem.objects.update(procedure="", procedure_category="", taxonomy_version="")
        out = io.StringIO()
        before = load()
        started = time.perf_counter()
        call_command("reclassify", "--all", "--no-reindex", stdout=out)
        seconds = time.perf_counter() - started
        last = out.getvalue().strip().splitlines()[-1]
        print(
            f"reclassify --all ({label}): {seconds:.1f} s for {n_items} decisions in {n_letters} letters: "
            f"{1000 * seconds / n_letters:.3f} ms/letter, {n_items / seconds:.0f} decisions/s; "
            f"load before {before}, after {load()}; [{last}]"
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--decisions", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--letters", type=Path, default=DEFAULT_LETTERS)
    ap.add_argument("--work", type=Path, default=None, help="keep the database here (default: a temporary folder)")
    ap.add_argument("--skip-database", action="store_true", help="only the per-letter cost in the workers")
    args = ap.parse_args()
    if not args.letters.is_dir():
        print(f"no letters under {args.letters}", file=sys.stderr)
        return 1
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-classify-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        setup_django(work)
        print(f"bench/classify.py on {os.cpu_count()} CPUs; load average {load()}")
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from guidelines.models import GuidelineDocument

        if not GuidelineDocument.objects.exists():
            call_command("load_guideline_catalog", stdout=open(os.devnull, "w"))
        worker_cost(args.letters, args.runs)
        if not args.skip_database:
            database_cost(args.letters, args.decisions)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
