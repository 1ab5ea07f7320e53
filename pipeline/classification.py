"""A clerk's classification choice applied: the items it concerns reclassified and their letters
queued for the index, in the caller's transaction (the admin's review queue, the alias and
section-procedure admins call these).

    n, letters = apply_alias(alias)          # every request holding the alias' words
    n, letters = apply_section(choice)       # every decision whose reviewer relies on the section
    n, letters = reclassify(items)           # any items (an alias removed, ...)
"""

from __future__ import annotations

import re

from django.db.models import Q

from cases.models import DisputedItem, GuidelineCitation
from procedures.classify import FIELDS, classify_items, current_rules
from procedures.models import ProcedureAlias, SectionProcedure
from search import sync

WORD = re.compile(r"[A-Za-z]{3,}")


def reclassify(items) -> tuple[int, set[int]]:
    """Classify these items again with the current choices; queue the letters that changed."""
    changed, letters = classify_items(items.only("id", "determination_id", "request", *FIELDS), rules=current_rules())
    sync.queue_for_index(sync.DETERMINATION, letters)
    return changed, letters


def alias_candidates(phrase: str):
    """Items an alias may apply to: requests holding its longest word (any case), and those an
    alias of these words decided before (it may have changed or gone)."""
    words = sorted(WORD.findall(phrase or ""), key=len, reverse=True)
    query = Q(classification_signal="manual", classification_evidence__istartswith=phrase)
    if words:
        query |= Q(request__icontains=words[0])
    return DisputedItem.objects.filter(query)


def apply_alias(alias: ProcedureAlias, previous_phrase: str = "") -> tuple[int, set[int]]:
    items = alias_candidates(alias.phrase)
    if previous_phrase and previous_phrase != alias.phrase:
        items = items | alias_candidates(previous_phrase)
    return reclassify(items)


def section_items(section_id: int):
    """Decisions whose reviewer's citations link to the section."""
    return DisputedItem.objects.filter(
        citations__party=GuidelineCitation.Party.MAXIMUS, citations__link__sections=section_id
    ).distinct()


def apply_section(choice: SectionProcedure) -> tuple[int, set[int]]:
    return reclassify(section_items(choice.section_id))
