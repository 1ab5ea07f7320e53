"""Index documents for guideline sections (search_sections), built from the database."""
from __future__ import annotations

from django.apps import apps



def _table_exists(model) -> bool:
    from django.db import connections, router

    connection = connections[router.db_for_read(model)]
    with connection.cursor() as cursor:
        return model._meta.db_table in connection.introspection.table_names(cursor)


def _title(obj) -> str:
    for attr in ("title", "name", "heading"):
        value = getattr(obj, attr, None)
        if value:
            return str(value)
    return str(obj)


def section_model():
    if not apps.is_installed("guidelines"):
        return None
    try:
        model = apps.get_model("guidelines", "GuidelineSection")
    except LookupError:
        return None
    return model if _table_exists(model) else None


def section_document(section) -> dict:
    """The index document for one guidelines.GuidelineSection (fields read defensively)."""
    document = getattr(section, "document", None)
    family = getattr(document, "family", None) or getattr(section, "family", "") or ""
    quotes = getattr(section, "quotes", "") or ""
    if isinstance(quotes, (list, tuple)):
        quotes = "\n".join(str(q) for q in quotes)
    return {
        "id": section.pk,
        "document": _title(document) if document is not None else "",
        "family": str(family),
        "title": _title(section),
        "text": getattr(section, "text", "") or getattr(section, "body", "") or "",
        "quotes": quotes,
        "url": getattr(section, "url", "") or "",
    }


def section_documents(ids=None, batch_size: int = 500):
    model = section_model()
    if model is None:
        return
    qs = model.objects.order_by("pk")
    if any(f.name == "document" for f in model._meta.get_fields()):
        qs = qs.select_related("document")
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    last = 0
    while True:
        batch = list(qs.filter(pk__gt=last)[:batch_size])
        if not batch:
            return
        for s in batch:
            yield section_document(s)
        last = batch[-1].pk
