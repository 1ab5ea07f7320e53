"""What analytics must count, computed from the database with the ORM, never with the search or
analytics code: for a set of decisions (DisputedItem ids chosen by tests/support/oracle.py),
their outcomes, letters, breakdown by month, year, DWC request category, category, procedure, guideline section and
reviewer specialty, and days from assignment to decision.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from cases.models import DisputedItem, GuidelineCitation


@dataclass
class Value:
    decisions: int = 0
    outcomes: Counter = field(default_factory=Counter)
    letters: set = field(default_factory=set)


@dataclass
class Expected:
    total: int
    letters: int
    outcomes: Counter
    breakdowns: dict[str, dict[str, Value]]
    days: Counter  # days from assignment to decision -> decisions
    raw_days: list[int]  # one per decision with both dates


def sections_of(item_ids: set[int]) -> dict[int, set[str]]:
    """Item id -> qualified labels of the catalog sections its MAXIMUS citations link to."""
    out: dict[int, set[str]] = defaultdict(set)
    citations = (
        GuidelineCitation.objects.filter(item_id__in=item_ids, party=GuidelineCitation.Party.MAXIMUS)
        .select_related("link__document")
        .prefetch_related("link__sections__document")
    )
    for citation in citations:
        link = getattr(citation, "link", None)
        if link is None or link.document is None:
            continue
        for section in link.sections.all():
            out[citation.item_id].add(f"{section.document.label} › {section.label}")
    return out


def expected(item_ids: set[int]) -> Expected:
    breakdowns: dict[str, dict[str, Value]] = defaultdict(lambda: defaultdict(Value))
    outcomes, days, raw_days, letters = Counter(), Counter(), [], set()
    sections = sections_of(item_ids)
    for item in DisputedItem.objects.filter(pk__in=item_ids).select_related("determination"):
        det = item.determination
        letters.add(det.pk)
        if item.decision:
            outcomes[item.decision] += 1
        values = {
            "decision_month": [det.decision_date.strftime("%Y-%m")] if det.decision_date else [],
            "decision_year": [str(det.decision_date.year)] if det.decision_date else [],
            "request_category": [item.request_category] if item.request_category else [],
            "procedure_category": [item.procedure_category] if item.procedure_category else [],
            "procedure": [item.procedure] if item.procedure else [],
            "specialty": sorted({s.strip() for s in det.reviewer_specialty or [] if isinstance(s, str) and s.strip()}),
            "guideline_section": sorted(sections.get(item.pk, ())),
        }
        for name, found in values.items():
            for value in found:
                row = breakdowns[name][value]
                row.decisions += 1
                if item.decision:
                    row.outcomes[item.decision] += 1
                row.letters.add(det.pk)
        if det.decision_date and det.date_assigned:
            n = (det.decision_date - det.date_assigned).days
            days[n] += 1
            raw_days.append(n)
    return Expected(len(item_ids), len(letters), outcomes, breakdowns, days, raw_days)


def ranked(values: dict[str, Value]) -> list[tuple[str, int]]:
    """(value, decisions) by decisions desc, then value: how a breakdown is listed."""
    return sorted(((v, row.decisions) for v, row in values.items()), key=lambda kv: (-kv[1], kv[0]))
