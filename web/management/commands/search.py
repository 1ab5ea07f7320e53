"""`manage.py search "QUERY" [--filter name=value ...] [--sort ...] [--page N] [--json | --format csv|jsonl]`

Runs the same search as the page and GET /api/search/ (same parser, search.params) and with
--json prints exactly the API's JSON. --format csv|jsonl writes every decision the search counts,
the rows of /api/search/export.csv|.jsonl (exports.decisions), streamed to standard output.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from exports import decisions as export
from search.backends.base import FACETS, SECTION_FACETS, SearchBackendError
from search.params import SORTS, parse_search_params
from search.payload import payload, run


class Command(BaseCommand):
    help = "Search determinations (or guideline sections) from the command line."

    def add_arguments(self, parser):
        parser.add_argument("query", nargs="?", default="", help='the query as typed, e.g. "MBB" or "lumbar MRI"')
        parser.add_argument(
            "--filter",
            "-f",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help=f"facet filter, repeatable; names: {', '.join(FACETS)} (sections: {', '.join(SECTION_FACETS)})",
        )
        parser.add_argument(
            "--sort",
            choices=[s for s, _ in SORTS],
            default="relevance",
            help="relevance, -date (newest first; write --sort=-date) or date",
        )
        parser.add_argument("--page", type=int, default=1)
        parser.add_argument("--page-size", type=int, default=None)
        parser.add_argument("--date-from", default=None, help="YYYY-MM-DD")
        parser.add_argument("--date-to", default=None, help="YYYY-MM-DD")
        parser.add_argument(
            "--widen",
            action="store_true",
            help="a named procedure may also be found in rationales and clinical summaries",
        )
        parser.add_argument("--sections", action="store_true", help="search guideline sections instead")
        parser.add_argument("--json", action="store_true", help="print the API's JSON")
        parser.add_argument(
            "--format",
            choices=sorted(export.FORMATS),
            default=None,
            help="write every decision the search counts, one row each (csv or jsonl; paging and sorting are ignored)",
        )
        parser.add_argument(
            "--base-url",
            default="",
            help="with --format: make letter and section links absolute (https://imr.example.org)",
        )

    def handle(self, *args, **options):
        pairs: list[tuple[str, str]] = [("q", options["query"] or "")]
        allowed = SECTION_FACETS if options["sections"] else FACETS
        for spec in options["filter"]:
            name, sep, value = spec.partition("=")
            name = name.strip()
            if not sep or not name or not value.strip():
                raise CommandError(f"--filter {spec!r}: expected NAME=VALUE")
            if name not in allowed:
                raise CommandError(f"--filter {spec!r}: unknown facet {name!r} (expected one of {', '.join(allowed)})")
            pairs.append((name, value.strip()))
        pairs += [("sort", options["sort"]), ("page", str(options["page"]))]
        if options["page_size"]:
            pairs.append(("page_size", str(options["page_size"])))
        for key in ("date_from", "date_to"):
            if options[key]:
                pairs.append((key, options[key]))
        if options["sections"]:
            pairs.append(("target", "sections"))
        if options["widen"]:
            pairs.append(("widen", "1"))
        params = parse_search_params(pairs)
        if not params.is_valid:
            problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in params.errors.items())
            raise CommandError(f"invalid search: {problems}")
        if options["format"]:
            return self._export(params, options)
        try:
            data = payload(run(params))
        except SearchBackendError as exc:
            raise CommandError(f"search backend failed: {exc}") from exc
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        self._print_text(data, params)

    def _export(self, params, options):
        if params.target == "sections" or options["json"]:
            raise CommandError("--format exports decisions: it goes with neither --sections nor --json")
        try:
            ids = export.decision_ids(params)
        except SearchBackendError as exc:
            raise CommandError(f"search backend failed: {exc}") from exc
        for line in export.lines(options["format"], export.rows(ids, base_url=options["base_url"])):
            self.stdout.write(line, ending="")

    def _print_text(self, data, params):
        out = self.stdout
        query = data["query"]
        if query["corrected"]:
            out.write(f"nothing matches {query['q']!r}; showing {query['corrected']!r}")
        if query["expansions"]:
            out.write(
                "expanded: " + ", ".join(query["expansions"][:10]) + (" ..." if len(query["expansions"]) > 10 else "")
            )
        if params.target == "sections":
            out.write(f"{data['count']} section(s), page {data['page']} of {data['num_pages']}")
            for r in data["results"]:
                out.write(f"- {r['document']}: {r['title']}")
        else:
            s = data["summary"]
            rate = f"{s['overturn_rate']:.1%}" if s["overturn_rate"] is not None else "n/a"
            ci = s["overturn_rate_ci95"]
            out.write(
                f"{s['decisions']} decision(s) in {'' if s['letters_exact'] else 'about '}{s['letters']} "
                f"letter(s): {s['upheld']} upheld (denial stands), {s['overturned']} overturned; overturn rate "
                f"{rate}" + (f" (95% CI {ci[0]:.1%}-{ci[1]:.1%})" if ci else "")
            )
            for section in s["relied_on"]:
                out.write(f"  relied on: {section['label']} ({section['count']})")
            out.write(f"letters, page {data['page']} of {data['num_pages']}:")
            for r in data["results"]:
                out.write(f"- {r['case_number'] or '#' + str(r['id'])}  {r['decision_date'] or ''}")
                for item in r["items"]:
                    mark = "*" if item["matched"] else " "
                    out.write(
                        f"  {mark} {item['order']:>2}. {item['decision'] or '?':10} {item['title'][:90]}  "
                        f"[{item['procedure']}; {item['body_region']}]"
                    )
            if data["suggestions"]:
                out.write("nearest procedures: " + ", ".join(data["suggestions"]))
        for name, values in data["facets"].items():
            if values:
                out.write(f"{name}: " + ", ".join(f"{v['value']} ({v['count']})" for v in values[:8]))
