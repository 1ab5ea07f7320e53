"""Load a ready-to-explore demo: guideline catalog, letters, citation links, search index, admin.

Used by scripts/setup-and-run.sh after `migrate`. Idempotent: every step is safe to re-run
(ingest skips letters it already holds; the admin user is created once, never reset).

Each step calls another management command only if it exists (get_commands()), so the demo
works with whatever part of the product is installed.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import BaseCommand, CommandError, call_command, get_commands

from cases.models import Determination

FIXTURE_LETTERS = Path(settings.BASE_DIR) / "tests" / "fixtures" / "letters"
LETTER_SUFFIXES = {".txt", ".pdf"}


def default_letter_files(pdf: bool = True) -> tuple[list[Path], str]:
    """The shared DWC letters plus the seed letter when ../shared/data exists, else the fixtures.
    The DWC letters are loaded from the original PDFs or, with pdf=False, their extracted text."""
    shared = Path(settings.SHARED_DATA_DIR)
    folder = shared / "dwc-imr" / ("pdf" if pdf else "txt")
    dwc = sorted(folder.glob("*.pdf" if pdf else "*.txt"))
    if dwc:
        seed = sorted((shared / "seed").glob("*.txt"))
        return dwc + seed, f"{len(dwc)} DWC letters from {folder} + {len(seed)} seed letter(s)"
    files = sorted(p for p in FIXTURE_LETTERS.glob("*") if p.suffix.lower() in LETTER_SUFFIXES)
    return files, f"{len(files)} fixture letters from {FIXTURE_LETTERS} (no {shared / 'dwc-imr'} found)"


def letter_files_in(folder: Path) -> list[Path]:
    if folder.is_file():
        return [folder]
    if not folder.is_dir():
        raise CommandError(f"--letters: {folder} is not a file or folder")
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in LETTER_SUFFIXES)


class Command(BaseCommand):
    help = "Load the demo data (guidelines, letters, links, search index) and create the demo admin user."

    def add_arguments(self, parser):
        parser.add_argument(
            "--letters", type=Path, help="A folder (or file) of letters to load instead of the defaults"
        )
        parser.add_argument(
            "--text",
            action="store_true",
            help="Load the shared DWC letters from their extracted text (dwc-imr/txt) instead of the PDFs",
        )
        parser.add_argument("--username", default=os.environ.get("DEMO_ADMIN_USER", "admin"))
        parser.add_argument("--password", default=os.environ.get("DEMO_ADMIN_PASSWORD", "admin"))
        parser.add_argument("--no-admin", action="store_true", help="Do not create the admin user")
        parser.add_argument(
            "--strict", action="store_true", help="Exit with an error if any step failed (default: warn and go on)"
        )

    def handle(self, *args, **options):
        self.failures: list[str] = []
        commands = get_commands()

        self.step(
            "load_guideline_catalog", commands, lambda: call_command("load_guideline_catalog", stdout=self.stdout)
        )

        if options["letters"]:
            files = letter_files_in(options["letters"])
            where = f"{len(files)} letters from {options['letters']}"
        else:
            files, where = default_letter_files(pdf=not options["text"])
        self.stdout.write(f"Letters: {where}")
        if not files:
            self.failures.append("no letters found to load")
        else:
            self.step("ingest", commands, lambda: call_command("ingest", *map(str, files), stdout=self.stdout))

        self.step("link_citations", commands, lambda: call_command("link_citations", stdout=self.stdout))
        self.step("search_index", commands, lambda: call_command("search_index", "--rebuild", stdout=self.stdout))

        if not options["no_admin"]:
            self.ensure_admin(options["username"], options["password"])

        self.summary()
        if self.failures and options["strict"]:
            raise CommandError(f"{len(self.failures)} demo step(s) failed: " + "; ".join(self.failures))

    def step(self, name: str, commands: dict, run):
        if name not in commands:
            self.stdout.write(self.style.WARNING(f"-- {name}: command not installed, skipped"))
            return
        self.stdout.write(self.style.MIGRATE_HEADING(f"-- {name}"))
        started = time.monotonic()
        try:
            run()
        except SystemExit as exc:  # a command that calls sys.exit() (e.g. a failed check)
            if exc.code not in (0, None):
                self.fail(name, f"exited with status {exc.code}")
                return
        except Exception as exc:  # noqa: BLE001 - the demo goes on; the failure is reported below
            self.fail(name, f"{type(exc).__name__}: {exc}")
            return
        self.stdout.write(f"   {name} done in {time.monotonic() - started:.1f} s")

    def fail(self, name: str, message: str):
        self.failures.append(f"{name}: {message}")
        self.stderr.write(self.style.ERROR(f"   {name} FAILED: {message}"))

    def ensure_admin(self, username: str, password: str):
        """Create the admin user the first time only: an existing user (and a password someone
        changed) is left exactly as it is."""
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            self.stdout.write(f"Admin user {username!r} exists: left unchanged (its password is not reset)")
            return
        User.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(
            self.style.SUCCESS(
                f"Admin user created: username={username!r} password={password!r} "
                "(local demo only; set DEMO_ADMIN_USER / DEMO_ADMIN_PASSWORD to change)"
            )
        )

    def summary(self):
        total = Determination.objects.count()
        failed = Determination.objects.filter(parse_status=Determination.ParseStatus.FAILED).count()
        self.stdout.write(f"Determinations stored: {total} ({failed} failed to parse)")
        if self.failures:
            self.stderr.write(self.style.ERROR("Demo set up with failures:\n  " + "\n  ".join(self.failures)))
        else:
            self.stdout.write(self.style.SUCCESS("Demo ready."))
