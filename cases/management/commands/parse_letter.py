"""manage.py parse_letter FILE... [--json]: parse letters without saving anything.

--json prints a JSON array with one ParsedLetter.to_dict() per file (failures included, with
their errors); without it, a short human summary per file.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from cases.parser import parse_file


class Command(BaseCommand):
    help = "Parse IMR determination letters (PDF or text) and print the result; nothing is saved."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--json", action="store_true", help="print a JSON array of ParsedLetter.to_dict()")

    def handle(self, *args, **options):
        results = [parse_file(path) for path in options["files"]]
        if options["json"]:
            self.stdout.write(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2))
            return
        for path, letter in zip(options["files"], results):
            self.stdout.write(self._summary(path, letter))

    @staticmethod
    def _summary(path, letter) -> str:
        lines = [f"{path}: {'OK' if letter.ok else 'FAILED'}"]
        if letter.case_number or letter.decision_date:
            lines.append(
                f"  case {letter.case_number or '-'}  decided {letter.decision_date or '-'}  "
                f"priority {letter.priority or '-'}  layout {letter.layout}"
            )
        if letter.reviewer.specialty:
            lines.append(f"  reviewer: {', '.join(letter.reviewer.specialty)} ({', '.join(letter.reviewer.licensure)})")
        if letter.patient.age or letter.patient.sex:
            lines.append(f"  patient: {letter.patient.age or '?'} {letter.patient.sex or '?'}")
        for item in letter.items:
            cites = len(item.claims_administrator) + len(item.maximus)
            lines.append(f"  [{item.decision}] {item.request[:90]} ({cites} citations)")
        lines.extend(f"  error: {e}" for e in letter.errors)
        lines.extend(f"  warning: {w}" for w in letter.warnings)
        return "\n".join(lines) + "\n"
