"""manage.py ingest PATH... : ingest letter files and folders (PDF or text) into the database.

An ingest job (pipeline.jobs) run in this process: extraction and parsing in --workers processes,
one writer. One line per file ("new CM16-0219557 (CM16-0219557.pdf)", "failed foo.pdf:
encrypted PDF"), a progress bar (tqdm) on stderr when it is a terminal, and a summary. Failures
never stop the batch; the exit status is 0 unless --fail-on-error is given and a file is failed
(also a file found unchanged since it failed).
"""

from __future__ import annotations

import getpass
import os
import socket
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from cases.models import IngestJob
from pipeline.jobs import create_job, run_job
from pipeline.outcomes import FAILED, Outcome, Summary


class Command(BaseCommand):
    help = "Ingest IMR determination letters (PDF or text files, or folders of them) into the database."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Letter files or folders (searched recursively for *.pdf, *.txt)")
        parser.add_argument(
            "--quiet",
            action="store_true",
            help="Print only failures and the summary (no progress bar, no per-file lines)",
        )
        parser.add_argument("--fail-on-error", action="store_true", help="Exit with status 1 if any file is failed")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Re-parse and rewrite letters even when the same file is already stored",
        )
        parser.add_argument(
            "--progress", action="store_true", help="Draw the progress bar even when stderr is not a terminal"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help="Processes extracting and parsing letters (default: the number of cores)",
        )

    def handle(self, *args, **options):
        quiet = options["quiet"]
        stderr = getattr(self.stderr, "_out", sys.stderr)
        job = create_job(options["paths"], origin=IngestJob.Origin.COMMAND, requester=_who(), force=options["force"])
        if not job.total:
            raise CommandError("no letter files found (folders are searched for *.pdf and *.txt)")
        summary = Summary()
        show_bar = not quiet and (options["progress"] or _isatty(stderr))
        with tqdm(
            total=job.total, file=stderr, disable=not show_bar, unit="file", dynamic_ncols=True, desc=f"job {job.pk}"
        ) as bar:

            def report(outcome: Outcome) -> None:
                summary.add(outcome)
                if outcome.status == FAILED or not quiet:
                    with bar.external_write_mode(file=stderr):
                        if outcome.status == FAILED:
                            self.stdout.write(self.style.ERROR(outcome.line()))
                        else:
                            self.stdout.write(outcome.line())
                bar.update(1)

            # Paths that could not be listed were recorded as failed files when the job was made.
            for row in job.files.filter(status=FAILED).order_by("position"):
                report(Outcome(FAILED, None, row.message, None, row.name, row.path))
            run_job(
                job,
                workers=max(1, options["workers"]),
                progress=lambda done, total, outcome: report(outcome),
                refresh_sections=True,
            )
        line = summary.line()
        failed = summary.counts[FAILED]
        self.stdout.write(self.style.WARNING(line) if failed else self.style.SUCCESS(line))
        if failed and options["fail_on_error"]:
            raise CommandError(f"{failed} file(s) failed to ingest (job {job.pk})", returncode=1)


def _who() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}"


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
