"""Ingest throughput on the 150 real letters: letters/second, median of 3 runs.

    .venv/bin/python bench/ingest.py [--runs 3]

Rows:
  text parsing    parse_text on the shipped .txt files (text already in memory)
  PDF extraction  extract_text on the PDFs (pypdfium2)
  full ingest     ingest_paths on all PDFs into a fresh SQLite database each run: read, hash,
                  extract, parse, store items and citations, and every determination_written
                  receiver installed (citation linking, taxonomy, index queue), one transaction
                  per letter
  re-ingest       the same folder again: every file unchanged (hash lookup only)
  receivers off   full ingest with every determination_written and model-signal receiver
                  disconnected (what cases itself costs; the other apps' linking, classifying and
                  after-commit index updates are left out)

"CPU s" is this process's CPU time: on a shared machine, wall time well above it is waiting
(other processes, fsync of SQLite and index commits).

The database is a temporary SQLite file (DATABASE_URL and IMR_VAR_DIR point at a temp dir before
django.setup()), migrated once; every full-ingest run starts from a fresh copy of it and an empty
search index directory. Nothing touches the project's database.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import weakref
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("IMR_SHARED_DATA", REPO.parent / "shared" / "data"))
TXT_DIR = SHARED / "dwc-imr" / "txt"
PDF_DIR = SHARED / "dwc-imr" / "pdf"


def timed(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process): on a shared machine the gap is waiting."""
    started, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - started, time.process_time() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    txt_files = sorted(TXT_DIR.glob("*.txt"))
    pdf_files = sorted(PDF_DIR.glob("*.pdf"))
    if not txt_files or not pdf_files:
        print(f"letters not found under {SHARED / 'dwc-imr'}", file=sys.stderr)
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="imr-bench-ingest-"))
    os.environ["IMR_VAR_DIR"] = str(workdir)
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "imr_kb.settings"
    os.environ["SEARCH_INDEX_DIR"] = str(workdir / "search-index")
    # The default deployment: embedded index, Celery tasks run eagerly in-process (no broker), so
    # the after-commit index updates are part of the measured time, as on a single machine.
    os.environ["SEARCH_BACKEND"] = "embedded"
    os.environ.pop("CELERY_BROKER_URL", None)
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.db.models import signals as model_signals

        from cases.ingest import ingest_paths
        from cases.models import Determination
        from cases.parser import extract_text, parse_text
        from cases.signals import determination_written

        call_command("migrate", verbosity=0)
        db_path = workdir / "bench.sqlite3"
        template = workdir / "migrated.sqlite3"
        connection.close()
        shutil.copyfile(db_path, template)
        index_dir = Path(os.environ["SEARCH_INDEX_DIR"])

        def fresh_db():
            # A fresh, migrated database (a copy of the one migrated above) and no search index
            # for every run, as on a first ingest.
            connection.close()
            shutil.copyfile(template, db_path)
            shutil.rmtree(index_dir, ignore_errors=True)

        texts = [p.read_text(encoding="utf-8") for p in txt_files]
        rows = []

        def bench(label, n, fn, setup=None):
            walls, cpus = [], []
            for _ in range(args.runs):
                if setup:
                    setup()
                wall, cpu = timed(fn)
                walls.append(wall)
                cpus.append(cpu)
            median = statistics.median(walls)
            rows.append((label, n, median, n / median, statistics.median(cpus)))

        bench("text parsing (parse_text, .txt)", len(texts), lambda: [parse_text(t) for t in texts])
        bench("PDF extraction (extract_text)", len(pdf_files), lambda: [extract_text(p) for p in pdf_files])

        results = {}

        def full():
            results["full"] = ingest_paths([PDF_DIR])

        bench("full ingest (150 PDFs, fresh SQLite)", len(pdf_files), full, setup=fresh_db)
        statuses = {o.status for o in results["full"]}
        if statuses != {"new"} or Determination.objects.count() != len(pdf_files):
            print(f"warning: full ingest outcomes {statuses}, {Determination.objects.count()} records",
                  file=sys.stderr)

        def again():
            results["again"] = ingest_paths([PDF_DIR])

        bench("re-ingest, all unchanged", len(pdf_files), again)
        if {o.status for o in results["again"]} != {"unchanged"}:
            print("warning: re-ingest was not all unchanged", file=sys.stderr)

        # The same ingest with the other apps' receivers disconnected (determination_written and
        # the model signals they use to queue index updates): what cases itself costs.
        receivers = []
        for entry in determination_written.receivers:
            fn = entry[1]() if isinstance(entry[1], weakref.ReferenceType) else entry[1]
            receivers.append(f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', fn)}")
        signals = [determination_written, *(getattr(model_signals, name) for name in
                   ("pre_save", "post_save", "pre_delete", "post_delete", "m2m_changed"))]
        saved = [list(signal.receivers) for signal in signals]
        for signal in signals:
            with signal.lock:
                signal.receivers = []
                signal.sender_receivers_cache.clear()
        try:
            bench("full ingest, other apps' receivers off", len(pdf_files), full, setup=fresh_db)
        finally:
            for signal, entries in zip(signals, saved):
                with signal.lock:
                    signal.receivers = entries
                    signal.sender_receivers_cache.clear()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"Ingest throughput, median of {args.runs} runs, {os.cpu_count()} CPU(s)")
    print(f"{'step':<40} {'letters':>7} {'median s':>9} {'letters/s':>10} {'CPU s':>7}")
    for label, n, median, rate, cpu in rows:
        print(f"{label:<40} {n:>7} {median:>9.3f} {rate:>10.1f} {cpu:>7.3f}")
    by_label = {r[0]: r for r in rows}
    parse = by_label["text parsing (parse_text, .txt)"][2]
    extract = by_label["PDF extraction (extract_text)"][2]
    full_s = by_label["full ingest (150 PDFs, fresh SQLite)"][2]
    own_s = by_label["full ingest, other apps' receivers off"][2]
    print(f"full ingest / (extraction + parsing): {full_s / (parse + extract):.2f}x; "
          f"with receivers off: {own_s / (parse + extract):.2f}x; receivers' share of full ingest: "
          f"{(full_s - own_s) / full_s:.0%}")
    print(f"determination_written receivers: {len(receivers)}: {', '.join(receivers) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
