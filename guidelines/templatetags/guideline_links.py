"""{% citation_targets citation as t %}: where a citation links to and the passage to show inline."""

from django import template
from django.core.exceptions import ObjectDoesNotExist

register = template.Library()


@register.simple_tag
def citation_targets(citation):
    """{"link": CitationLink|None, "targets": [{"url", "label", "text", "quotes"}]}.

    One target per resolved section, or the document when only it resolved. `text` is the
    official section text when imported; `quotes` are what this item's reviewer quoted there.
    Reads the link, its sections and the item's quotes through `.all()`, so a page that
    prefetched them (cases.queries.items_with_citations) runs no query per citation.
    """
    try:
        link = citation.link
    except ObjectDoesNotExist:
        return {"link": None, "targets": []}
    if link.document_id is None:
        return {"link": link, "targets": []}
    quotes = [q for q in citation.item.quoted_passages.all() if q.document_id == link.document_id]
    targets = []
    for section in sorted(link.sections.all(), key=lambda s: s.order):
        targets.append(
            {
                "url": section.get_absolute_url(),
                "label": section.label,
                "text": section.text,
                "quotes": [q for q in quotes if q.section_id == section.pk]
                or [q for q in quotes if q.section_id is None],
            }
        )
    if not targets:
        doc = link.document
        targets.append({"url": doc.get_absolute_url(), "label": str(doc), "text": "", "quotes": quotes})
    return {"link": link, "targets": targets}
