"""Maintain the search index (the configured backend, or --backend).

manage.py search_index --catch-up   rebuild an index that was lost, replaced or emptied (an
                                    engine restarted, a directory deleted), then apply every
                                    pending index-queue row
manage.py search_index --rebuild    rebuild from the database into a new index, swap it in
manage.py search_index --check      the index's health and its drift from the database (ids
                                    missing or extra); exit 1 unless both are clean
"""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from guidelines.models import GuidelineSection
from search import health, indexing
from search.backends import backend_names, get_backend
from search.backends.base import SearchBackendError
from search.documents import indexable_determinations
from search.models import IndexQueue


class Progress:
    """A one-line progress bar on stderr (plain lines when stderr is not a terminal)."""

    def __init__(self, stream, label: str, total: int):
        self.stream, self.label, self.total = stream, label, max(total, 0)
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.start = time.monotonic()
        self.last_line = 0.0

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if not self.tty and now - self.last_line < 2 and done < self.total:
            return
        self.last_line = now
        width = 30
        frac = done / self.total if self.total else 1.0
        bar = "#" * int(width * min(frac, 1.0))
        rate = done / max(now - self.start, 1e-9)
        line = f"{self.label}: [{bar:<{width}}] {done}/{self.total} ({rate:.0f}/s)"
        self.stream.write(("\r" + line) if self.tty else line + "\n")
        if self.tty and done >= self.total:
            self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Catch up, rebuild or check the search index."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument(
            "--catch-up",
            action="store_true",
            help="rebuild an index that was lost or emptied, then apply all pending index-queue rows",
        )
        group.add_argument("--rebuild", action="store_true", help="rebuild the index from the database")
        group.add_argument(
            "--check", action="store_true", help="report the index's health and its drift from the database"
        )
        parser.add_argument("--backend", choices=backend_names(), help="default: settings.SEARCH_BACKEND")
        parser.add_argument("--show", type=int, default=20, help="ids listed per difference (--check)")

    def handle(self, *args, catch_up=False, rebuild=False, check=False, backend=None, show=20, **options):
        self.backend = get_backend(backend)
        try:
            if catch_up:
                return self.catch_up()
            if rebuild:
                return self.rebuild()
            return self.check_index(show)
        except SearchBackendError as exc:
            raise CommandError(f"search engine error ({self.backend.name}): {exc}") from exc

    def _progress(self, kind, total):
        return Progress(self.stderr, "determinations" if kind == "determination" else "guideline sections", total)

    def catch_up(self):
        done = indexing.catch_up(self.backend, self._progress)
        for line in done.why:
            self.stdout.write(f"{line}: rebuilding")
        if done.rebuilt:
            self.stdout.write(
                f"rebuilt {self.backend.name} index: "
                + ", ".join(
                    f"{n} {'determinations' if kind == 'determination' else 'guideline sections'}"
                    for kind, n in done.rebuilt.items()
                )
            )
        self.stdout.write(f"applied {done.applied} of {done.pending} pending index-queue rows ({self.backend.name})")

    def rebuild(self):
        counts = indexing.rebuild(self.backend, progress=self._progress)
        self.stdout.write(
            f"rebuilt {self.backend.name} index: {counts['determination']} determinations, "
            f"{counts['section']} guideline sections"
        )

    def check_index(self, show: int):
        problems = 0
        states = health.check(self.backend)
        for state in states:
            self.stdout.write(state.line())
        if not all(s.ok for s in states):
            self.stdout.write("drift: unknown (an index is not whole)")
            self.stderr.write("the index is not whole; run search_index --catch-up (it rebuilds what was lost)")
            sys.exit(1)
        self.backend.refresh()
        kinds = [
            ("determination", set(indexable_determinations().values_list("pk", flat=True))),
            ("section", set(GuidelineSection.objects.values_list("pk", flat=True))),
        ]
        for kind, db_ids in kinds:
            index_ids = self.backend.ids(kind) if self.backend.generation(kind) else set()  # "empty"
            missing, extra = sorted(db_ids - index_ids), sorted(index_ids - db_ids)
            self.stdout.write(
                f"{kind}: database {len(db_ids)}, index {len(index_ids)}, missing {len(missing)}, extra {len(extra)}"
            )
            if missing:
                self.stdout.write(f"  missing from the index: {missing[:show]}{' ...' if len(missing) > show else ''}")
            if extra:
                self.stdout.write(
                    f"  in the index but not the database: {extra[:show]}{' ...' if len(extra) > show else ''}"
                )
            problems += len(missing) + len(extra)
        pending = IndexQueue.objects.count()
        self.stdout.write(f"pending index-queue rows: {pending}")
        self.stdout.write(f"drift: {problems}")
        if problems:
            self.stderr.write(
                f"index differs from the database ({problems} ids); run search_index --catch-up or --rebuild"
            )
            sys.exit(1)
        self.stdout.write("index matches the database")
