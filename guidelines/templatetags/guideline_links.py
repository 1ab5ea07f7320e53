"""{% citation_targets citation as t %}: where a citation links to and the passage to show inline."""
from django import template

from guidelines.models import CitationLink, QuotedPassage

register = template.Library()


@register.simple_tag
def citation_targets(citation):
    """{"link": CitationLink|None, "targets": [{"url", "label", "text", "quotes"}]}.

    One target per resolved section, or the document when only it resolved. `text` is the
    official section text when imported; `quotes` are what this item's reviewer quoted there.
    """
    try:
        link = citation.link
    except CitationLink.DoesNotExist:
        return {"link": None, "targets": []}
    if link.document_id is None:
        return {"link": link, "targets": []}
    quotes = list(QuotedPassage.objects.filter(item_id=citation.item_id, document_id=link.document_id))
    targets = []
    for section in link.sections.select_related("document").order_by("order"):
        targets.append({
            "url": section.get_absolute_url(),
            "label": section.label,
            "text": section.text,
            "quotes": [q for q in quotes if q.section_id == section.pk] or [q for q in quotes if q.section_id is None],
        })
    if not targets:
        doc = link.document
        targets.append({"url": doc.get_absolute_url(), "label": str(doc), "text": "", "quotes": quotes})
    return {"link": link, "targets": targets}
