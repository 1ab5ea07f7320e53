"""`manage.py precedents "REQUEST" [--summary TEXT] [--exclude CASE] [--size N] [--json]`

The precedent finder from the terminal: the same parser, engine call and payload as /precedents/
and /api/precedents/. --json prints exactly {"total", "outcomes", "results"} (the payload's first
three keys; the API adds how the request was read and the sections relied on).
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from precedents.payload import COMMAND_KEYS, find, payload
from precedents.query import DEFAULT_SIZE, parse_precedent_params
from search.backends.base import PRECEDENTS_MAX, SearchBackendError


class Command(BaseCommand):
    help = "Find the past IMR decisions most like a request (same procedure first, then text similarity)."

    def add_arguments(self, parser):
        parser.add_argument("request", help='the request as written, e.g. "bilateral L4-5 medial branch blocks"')
        parser.add_argument("--summary", default="", help="the clinical summary or the UR denial's reasoning")
        parser.add_argument("--exclude", default="", metavar="CASE", help="leave out this letter's decisions")
        parser.add_argument("--size", type=int, default=DEFAULT_SIZE, help=f"how many (at most {PRECEDENTS_MAX})")
        parser.add_argument("--json", action="store_true", help='print {"total", "outcomes", "results"} as JSON')

    def handle(self, *args, **options):
        params = parse_precedent_params(
            {
                "request": options["request"],
                "summary": options["summary"],
                "exclude": options["exclude"],
                "size": str(options["size"]),
            }
        )
        if not params.is_valid:
            problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in params.errors.items())
            raise CommandError(f"invalid precedent request: {problems}")
        try:
            data = payload(find(params))
        except SearchBackendError as exc:
            raise CommandError(f"search backend failed: {exc}") from exc
        if options["json"]:
            self.stdout.write(json.dumps({key: data[key] for key in COMMAND_KEYS}, ensure_ascii=False, indent=2))
            return
        self._print_text(data)

    def _print_text(self, data):
        out, query = self.stdout, data["query"]
        read = query["procedure"] or "no known procedure (text similarity only)"
        if query["regions"]:
            read += ", " + " and ".join(query["regions"])
        out.write(f"read as: {read}")
        out.write(
            f"{data['total']} precedent(s): {data['outcomes']['Upheld']} upheld (denial stands), "
            f"{data['outcomes']['Overturned']} overturned"
        )
        for s in data["relied_on"]:
            out.write(f"  relied on: {s['label']} ({s['count']}: {s['upheld']} upheld, {s['overturned']} overturned)")
        for r in data["results"]:
            kind = "same procedure" if r["same_procedure"] else "similar text"
            out.write(
                f"{r['score']:7.3f}  {r['case_number'] or '(no case number)'} #{r['order']}  "
                f"{r['decision'] or '?':10} {r['title'][:80]}  [{r['procedure']}; {kind}]"
            )
