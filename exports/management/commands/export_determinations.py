"""manage.py export_determinations --format jsonl [--output FILE]: one JSON line per determination
(failed parses skipped), in the parse_letter --json shape plus a `link` object on every citation."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from exports.letters import determination_dict, exported_determinations


class Command(BaseCommand):
    help = "Export determinations (parse_letter --json shape, with citation links) as JSON lines."

    def add_arguments(self, parser):
        parser.add_argument("--format", default="jsonl", choices=["jsonl"])
        parser.add_argument("--output", "-o", help="File to write (default: standard output)")

    def handle(self, *args, **options):
        path = options.get("output")
        try:
            handle = open(path, "w", encoding="utf-8") if path else None
        except OSError as exc:
            raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from exc
        out = handle or self.stdout
        n = 0
        try:
            for det in exported_determinations().iterator(chunk_size=50):
                line = json.dumps(determination_dict(det), ensure_ascii=False)
                if handle:
                    handle.write(line + "\n")
                else:
                    out.write(line)
                n += 1
        finally:
            if handle:
                handle.close()
        (sys.stderr if not path else self.stdout).write(
            f"exported {n} determination(s)" + (f" to {path}" if path else "") + "\n"
        )
