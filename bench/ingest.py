"""Ingest at corpus scale, as the product runs: the guideline catalog loaded, the pipeline with
--workers processes, embedded search index applied in-process (no broker), on SQLite and on
PostgreSQL. Prints letters/s per row, medians of --runs, and the share of time per pipeline step.

    .venv/bin/python bench/ingest.py [--sizes 150,1500,15000] [--databases sqlite,postgres]
                                     [--runs 1] [--workers N] [--pdfs 1500]

The corpus is grown from the 150 shared letters by copying them under new case numbers
(tests/support/corpus.py; PDFs rewritten with pypdf, the case number replaced in their content), cached
in --cache. For each database and size N, from a fresh database holding only the catalog:

  text ingest       the N text letters (what `manage.py ingest` does: a job, run in-process)
  unchanged re-run  the same N files again: nothing to parse or write
  reparse --all     the N stored letters re-parsed from their text
  one at a time     50 new letters, one ingest_file each (the Celery and admin path), each with
                    its index apply (the embedded backend's commit); and the same without it
  PDF ingest        --pdfs new PDF letters into the corpus of N

Each database runs in its own child process (Django is set up once per process). PostgreSQL is
a throwaway server started here (tests/support/services.py), fsync off like the tests'.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("IMR_SHARED_DATA", REPO.parent / "shared" / "data"))
TXT_DIR = SHARED / "dwc-imr" / "txt"
PDF_DIR = SHARED / "dwc-imr" / "pdf"
ONE_AT_A_TIME = 50
PDF_COPIES_FROM = 900  # copy numbers of the PDF letters (the text copies use 1..100)
ONE_AT_A_TIME_COPY = 990


# --- corpus (parent process) ------------------------------------------------------------------------


def text_corpus(cache: Path, copies: int) -> list[Path]:
    """Folders copy-000 (the originals) .. copy-(copies-1), 150 letters each, cached."""
    from tests.support.corpus import copy_case_number

    folders = []
    originals = sorted(TXT_DIR.glob("CM*.txt"))
    for copy in range(copies):
        folder = cache / "text" / f"copy-{copy:03d}"
        if not (folder / ".done").exists():
            folder.mkdir(parents=True, exist_ok=True)
            for index, path in enumerate(originals):
                text = path.read_text(encoding="utf-8")
                case = copy_case_number(path.stem, copy, index) if copy else path.stem
                (folder / f"{case}.txt").write_text(text.replace(path.stem, case), encoding="utf-8")
            (folder / ".done").write_text("")
        folders.append(folder)
    return folders


def pdf_copy(path: Path, new_case: str) -> bytes:
    """The PDF with its case number replaced in the page content (same length, so the layout and
    the extraction work are the real letter's)."""
    from pypdf import PdfReader, PdfWriter

    old_case = path.stem
    old_digits, new_digits = old_case.split("-")[1].encode(), new_case.split("-")[1].encode()
    writer = PdfWriter(clone_from=PdfReader(path))
    for page in writer.pages:
        content = page.get_contents()
        data = content.get_data()
        data = data.replace(b"(" + old_digits + b")", b"(" + new_digits + b")").replace(
            old_case.encode(), new_case.encode()
        )
        content.set_data(data)
        page.replace_contents(content)
        page.compress_content_streams()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_corpus(cache: Path, n: int) -> list[Path]:
    """Folders of PDF copies. A copy whose text does not carry its new case number (a few letters
    split the number over several text runs) is left out: it would update the original."""
    from cases.parser import extract_bytes, parse_text
    from tests.support.corpus import copy_case_number

    folders = []
    originals = sorted(PDF_DIR.glob("CM*.pdf"))
    for k in range((n + 149) // 150):
        copy = PDF_COPIES_FROM + k
        folder = cache / "pdf" / f"copy-{copy:03d}"
        if not (folder / ".done").exists():
            folder.mkdir(parents=True, exist_ok=True)
            for index, path in enumerate(originals):
                case = copy_case_number(path.stem, copy, index)
                data = pdf_copy(path, case)
                if parse_text(extract_bytes(data, path.name, ".pdf")).case_number == case:
                    (folder / f"{case}.pdf").write_bytes(data)
            (folder / ".done").write_text("")
        folders.append(folder)
    return folders


def one_at_a_time_letters(cache: Path) -> list[Path]:
    return sorted(text_corpus(cache, 1)[0].glob("*.txt"))[:ONE_AT_A_TIME]


# --- one database (child process) -----------------------------------------------------------------------


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the parser processes end with each
    run): on a shared machine, wall time above it is waiting for the CPU."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def child(args) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from cases.models import Determination, IngestJob
    from pipeline.catalog import load_catalog
    from pipeline.ingest import Timings, ingest_file, reparse_letters
    from pipeline.jobs import create_job, job_progress, run_job
    from search.backends import reset_backend
    from search.models import IndexQueue
    from tests.support.corpus import copy_case_number

    cache = Path(args.cache)
    workdir = Path(os.environ["IMR_VAR_DIR"])
    call_command("migrate", verbosity=0)
    load_catalog()
    vendor = connection.vendor
    template = None
    if vendor == "sqlite":
        connection.close()
        template = workdir / "template.sqlite3"
        shutil.copyfile(settings.DATABASES["default"]["NAME"], template)

    def fresh():
        """A database holding only the catalog, an empty index and no stored files."""
        connection.close()
        if vendor == "sqlite":
            shutil.copyfile(template, settings.DATABASES["default"]["NAME"])
            for suffix in ("-wal", "-shm"):
                Path(str(settings.DATABASES["default"]["NAME"]) + suffix).unlink(missing_ok=True)
        else:
            with connection.cursor() as cursor:
                # The index states too: the index is deleted below, and a state left behind would
                # (rightly) make the pipeline refuse to write into a "lost" index.
                cursor.execute(
                    "TRUNCATE cases_determination, cases_ingestjob, search_indexqueue, search_indexstate CASCADE"
                )
        shutil.rmtree(settings.SEARCH_INDEX_DIR, ignore_errors=True)
        shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
        reset_backend()

    def ingest_job(paths, timings):
        job = create_job(paths, origin=IngestJob.Origin.COMMAND, requester="bench")
        run_job(job, workers=args.workers, timings=timings)
        return job_progress(job)

    rows = []
    for size in args.sizes:
        copies = size // 150
        text = text_corpus(cache, copies)
        pdfs = pdf_corpus(cache, args.pdfs)
        runs = {name: [] for name in ("text", "unchanged", "reparse", "one", "one_pipeline", "pdf")}
        cpu = {name: [] for name in runs}
        steps = {name: Timings() for name in ("text", "reparse", "pdf")}
        for _ in range(args.runs):
            fresh()
            t, c = time.perf_counter(), cpu_seconds()
            progress = ingest_job(text, steps["text"])
            runs["text"].append(time.perf_counter() - t)
            cpu["text"].append(cpu_seconds() - c)
            assert progress["new"] == size and progress["failed"] == 0, progress
            # Every letter reached the index (none left queued): the figure includes indexing. (The
            # quoted sections' rows wait for the periodic sweep, as in the product.)
            left = IndexQueue.objects.filter(kind="determination").count()
            assert not left, f"{left} letters left queued for the index"
            t, c = time.perf_counter(), cpu_seconds()
            progress = ingest_job(text, Timings())
            runs["unchanged"].append(time.perf_counter() - t)
            cpu["unchanged"].append(cpu_seconds() - c)
            assert progress["unchanged"] == size, progress
            ids = list(Determination.objects.order_by("pk").values_list("pk", flat=True))
            t, c = time.perf_counter(), cpu_seconds()
            outcomes = reparse_letters(ids, workers=args.workers, timings=steps["reparse"])
            runs["reparse"].append(time.perf_counter() - t)
            cpu["reparse"].append(cpu_seconds() - c)
            assert {o.status for o in outcomes} == {"updated"}, {o.status for o in outcomes}
            # One at a time: new letters (copies under another case number), each its own run.
            singles = []
            for index, path in enumerate(one_at_a_time_letters(cache)):
                single = workdir / "single" / f"{copy_case_number('CM16-0000000', ONE_AT_A_TIME_COPY, index)}.txt"
                single.parent.mkdir(exist_ok=True)
                single.write_text(path.read_text(encoding="utf-8").replace(path.stem, single.stem), encoding="utf-8")
                singles.append(single)
            single_steps = Timings()
            t, c = time.perf_counter(), cpu_seconds()
            statuses = {ingest_file(p, timings=single_steps).status for p in singles}
            runs["one"].append(time.perf_counter() - t)
            cpu["one"].append(cpu_seconds() - c)
            cpu["one_pipeline"].append(float("nan"))
            runs["one_pipeline"].append(runs["one"][-1] - single_steps["index"])
            assert statuses == {"new"}, statuses
            shutil.rmtree(workdir / "single")
            t, c = time.perf_counter(), cpu_seconds()
            progress = ingest_job(pdfs, steps["pdf"])
            runs["pdf"].append(time.perf_counter() - t)
            cpu["pdf"].append(cpu_seconds() - c)
            n_pdf = sum(len(list(f.glob("*.pdf"))) for f in pdfs)
            assert progress["new"] == n_pdf and progress["failed"] == 0, progress
        for name, label, n in (
            ("text", f"text ingest, {size} letters", size),
            ("unchanged", f"unchanged re-run, {size}", size),
            ("reparse", f"reparse --all, {size}", size),
            ("one", f"one at a time, {ONE_AT_A_TIME} at {size}", ONE_AT_A_TIME),
            ("one_pipeline", "  of which not the index apply", ONE_AT_A_TIME),
            ("pdf", f"PDF ingest, {n_pdf} into {size}", n_pdf),
        ):
            median = statistics.median(runs[name])
            rows.append(
                {
                    "database": vendor,
                    "size": size,
                    "row": label,
                    "letters": n,
                    "seconds": median,
                    "rate": n / median,
                    "ms_per_letter": 1000 * median / n,
                    "cpu_ms_per_letter": 1000 * statistics.median(cpu[name]) / n,
                }
            )
        letters = {"text": size, "reparse": size, "pdf": n_pdf}
        for name, timings in steps.items():
            total = sum(timings.values())
            per_letter = 1000 * total / (letters[name] * args.runs)
            rows.append(
                {
                    "database": vendor,
                    "size": size,
                    "steps": name,
                    "ms_per_letter": per_letter,
                    "shares": {k: v / total for k, v in sorted(timings.items(), key=lambda kv: -kv[1])},
                }
            )
    print("ROWS " + json.dumps(rows))
    return 0


# --- parent ---------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="150,1500,15000", type=lambda s: [int(x) for x in s.split(",")])
    parser.add_argument("--databases", default="sqlite,postgres", type=lambda s: s.split(","))
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--pdfs", type=int, default=1500, help="PDF letters ingested into each corpus")
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "imr-bench-ingest-cache"))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if any(size % 150 for size in args.sizes):
        parser.error("sizes are multiples of 150 (copies of the 150 letters)")
    if args.child:
        return child(args)
    if not TXT_DIR.is_dir() or not PDF_DIR.is_dir():
        print(f"letters not found under {SHARED / 'dwc-imr'}", file=sys.stderr)
        return 2

    cache = Path(args.cache)
    started = time.perf_counter()
    text_corpus(cache, max(args.sizes) // 150)
    pdf_corpus(cache, args.pdfs)
    print(f"corpus ready in {args.cache} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    load = os.getloadavg()
    rows = []
    for database in args.databases:
        workdir = Path(tempfile.mkdtemp(prefix=f"imr-bench-ingest-{database}-"))
        server = None
        try:
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "imr_kb.settings",
                "IMR_VAR_DIR": str(workdir),
                "SEARCH_BACKEND": "embedded",
                "SEARCH_INDEX_DIR": str(workdir / "search-index"),
                "IMR_MEDIA_DIR": str(workdir / "media"),
                "LOG_LEVEL": "ERROR",
            }
            env.pop("CELERY_BROKER_URL", None)
            if database == "sqlite":
                env["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
            else:
                from tests.support.services import PostgresServer, create_postgres_database, find_postgres_bindir

                server = PostgresServer(find_postgres_bindir()).start()
                env["DATABASE_URL"] = create_postgres_database(server.url, "imr_bench")
            command = [
                sys.executable,
                __file__,
                "--child",
                "--sizes",
                ",".join(map(str, args.sizes)),
                "--runs",
                str(args.runs),
                "--workers",
                str(args.workers),
                "--pdfs",
                str(args.pdfs),
                "--cache",
                args.cache,
            ]
            result = subprocess.run(command, env=env, capture_output=True, text=True, cwd=REPO)
            if result.returncode:
                print(result.stdout[-3000:], result.stderr[-5000:], file=sys.stderr)
                return 1
            line = next(x for x in result.stdout.splitlines() if x.startswith("ROWS "))
            rows += json.loads(line[len("ROWS ") :])
        finally:
            if server is not None:
                server.stop()
            shutil.rmtree(workdir, ignore_errors=True)

    print(
        f"Ingest at corpus scale: catalog loaded, {args.workers} worker process(es), median of {args.runs} run(s), "
        f"{os.cpu_count()} CPU(s), load average before {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, "
        f"after {os.getloadavg()[0]:.2f}"
    )
    print("(CPU ms/letter: this process and its parser processes; wall time above CPU/2 is waiting for a core)")
    print(
        f"{'database':<9} {'row':<34} {'letters':>7} {'seconds':>8} {'letters/s':>10} {'ms/letter':>10} {'CPU ms/letter':>14}"
    )
    for r in (r for r in rows if "row" in r):
        cpu_ms = "" if r["cpu_ms_per_letter"] != r["cpu_ms_per_letter"] else f"{r['cpu_ms_per_letter']:.2f}"
        print(
            f"{r['database']:<9} {r['row']:<34} {r['letters']:>7} {r['seconds']:>8.2f} {r['rate']:>10.1f} "
            f"{r['ms_per_letter']:>10.2f} {cpu_ms:>14}"
        )
    for database in args.databases:
        per = {
            r["size"]: r
            for r in rows
            if r.get("database") in (database, database.replace("postgres", "postgresql"))
            and r.get("row", "").startswith("text ingest")
        }
        sizes = sorted(per)
        if len(sizes) >= 2:
            first, last = per[sizes[-2]], per[sizes[-1]]
            print(
                f"{database}: text ingest ms/letter at {sizes[-1]} / at {sizes[-2]}: "
                f"{last['ms_per_letter'] / first['ms_per_letter']:.2f}"
            )
    print(
        "\nShare of time per pipeline step, of the steps' summed time (ms/letter): extract, parse and classify "
        "are CPU in the worker processes; 'wait for parsers' is the writer idle"
    )
    for r in (r for r in rows if "steps" in r):
        shares = ", ".join(f"{k} {v:.0%}" for k, v in r["shares"].items() if v >= 0.005)
        print(f"{r['database']:<9} {r['size']:>6} {r['steps']:<8} ({r['ms_per_letter']:.1f} ms) {shares}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
