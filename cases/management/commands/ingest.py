"""manage.py ingest PATH... : ingest letter files and folders (PDF or text) into the database.

One line per file ("new CM16-0219557 (CM16-0219557.pdf)", "failed foo.pdf: encrypted PDF"), a
progress bar on stderr when it is a terminal, and a summary. Failures never stop the batch; the
exit status is 0 unless --fail-on-error is given and a file failed.
"""
from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from cases.ingest import FAILED, Outcome, Summary, ingest_paths


class ProgressBar:
    """A one-line bar redrawn with \\r; cleared before other output so lines do not interleave."""

    WIDTH = 30

    def __init__(self, stream, enabled: bool):
        self.stream = stream
        self.enabled = enabled
        self.started = time.monotonic()
        self.shown = False

    def draw(self, done: int, total: int) -> None:
        if not self.enabled or not total:
            return
        filled = int(self.WIDTH * done / total)
        elapsed = time.monotonic() - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.stream.write(f"\r[{bar}] {done}/{total} {rate:5.1f} files/s")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.enabled and self.shown:
            self.stream.write("\r" + " " * (self.WIDTH + 40) + "\r")
            self.stream.flush()
            self.shown = False


class Command(BaseCommand):
    help = "Ingest IMR determination letters (PDF or text files, or folders of them) into the database."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Letter files or folders (searched recursively for *.pdf, *.txt)")
        parser.add_argument("--quiet", action="store_true",
                            help="Print only failures and the summary (no progress bar, no per-file lines)")
        parser.add_argument("--fail-on-error", action="store_true", help="Exit with status 1 if any file failed")
        parser.add_argument("--force", action="store_true",
                            help="Re-parse and rewrite letters even when the same file is already stored")
        parser.add_argument("--progress", action="store_true",
                            help="Draw the progress bar even when stderr is not a terminal")

    def handle(self, *args, **options):
        quiet = options["quiet"]
        stderr = self.stderr._out if hasattr(self.stderr, "_out") else sys.stderr
        bar = ProgressBar(stderr, enabled=not quiet and (options["progress"] or _isatty(stderr)))
        summary = Summary()

        def progress(done: int, total: int, outcome: Outcome) -> None:
            summary.add(outcome)
            if outcome.status == FAILED or not quiet:
                bar.clear()
                if outcome.status == FAILED:
                    self.stdout.write(self.style.ERROR(outcome.line()))
                else:
                    self.stdout.write(outcome.line())
            bar.draw(done, total)

        outcomes = ingest_paths(options["paths"], progress=progress, force=options["force"])
        bar.clear()
        if not outcomes:
            raise CommandError("no letter files found (folders are searched for *.pdf and *.txt)")
        line = summary.line()
        failed = summary.counts[FAILED]
        self.stdout.write(self.style.WARNING(line) if failed else self.style.SUCCESS(line))
        if failed and options["fail_on_error"]:
            raise CommandError(f"{failed} file(s) failed to ingest", returncode=1)


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
