"""Index documents for guideline sections (search_sections), built from the database.

A section's document is bounded whatever the size of the corpus: its own title and text, how
many times reviewers quoted it, and a few representative quotes (the texts quoted most often
among its latest quotes). Every quote is on the section page, read from the database
(guidelines.views.section_detail); letters are found by their own documents.
"""

from __future__ import annotations

from collections import Counter

from django.db.models import Count

from guidelines.models import GuidelineSection, QuotedPassage

# The quotes shown in a section's document, and how many of its latest quotes they are chosen
# from: the cost of building the document stays the same at 150 letters or 1.5 million.
REPRESENTATIVE_QUOTES = 5
QUOTES_SAMPLED = 200
MAX_QUOTE_CHARS = 600


def _title(obj) -> str:
    return getattr(obj, "title", "") or str(obj)


def quote_summary(section_ids) -> dict[int, tuple[int, list[str]]]:
    """section id -> (quotes in all, the representative quotes)."""
    ids = list(section_ids)
    counts = dict(
        QuotedPassage.objects.filter(section_id__in=ids)
        .values("section_id")
        .annotate(n=Count("id"))
        .values_list("section_id", "n")
    )
    out = {}
    for section_id in ids:
        if not counts.get(section_id):
            out[section_id] = (0, [])
            continue
        latest = (
            QuotedPassage.objects.filter(section_id=section_id)
            .order_by("-pk")
            .values_list("text", flat=True)[:QUOTES_SAMPLED]
        )
        frequent = Counter(" ".join(t.split())[:MAX_QUOTE_CHARS] for t in latest)
        top = sorted(frequent.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[:REPRESENTATIVE_QUOTES]
        out[section_id] = (counts[section_id], [text for text, _ in top])
    return out


def section_document(section, summary: tuple[int, list[str]] | None = None) -> dict:
    """The index document for one guidelines.GuidelineSection."""
    quote_count, quotes = summary if summary is not None else quote_summary([section.pk])[section.pk]
    document = section.document
    return {
        "id": section.pk,
        "document": _title(document),
        "family": str(document.family or ""),
        "title": _title(section),
        "text": section.text or "",
        "quotes": "\n".join(quotes),
        "quote_count": quote_count,
        "url": section.url,
    }


def section_documents(ids=None, batch_size: int = 500):
    qs = GuidelineSection.objects.order_by("pk").select_related("document")
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    last = 0
    while True:
        batch = list(qs.filter(pk__gt=last)[:batch_size])
        if not batch:
            return
        summaries = quote_summary([s.pk for s in batch])
        for s in batch:
            yield section_document(s, summaries[s.pk])
        last = batch[-1].pk
