"""Guideline pages: documents by family, a document's table of contents, a section with its
text (or the import command when the official text is not loaded), the reviewers' quotes and the
determinations that cite it. Letter text is autoescaped, never marked safe."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from guidelines.models import CitationLink, GuidelineDocument, QuotedPassage
from guidelines.queries import citing_determinations, citing_items, document_citing_count, section_tree

QUOTES_PER_PAGE = 50


def document_list(request):
    families = []
    for value, label in GuidelineDocument.Family.choices:
        docs = list(GuidelineDocument.objects.filter(family=value).order_by("order", "title"))
        for doc in docs:
            doc.citing = document_citing_count(doc)
        if docs:
            families.append({"label": label, "documents": docs})
    queue = CitationLink.objects.filter(needs_review=True).count()
    return render(
        request,
        "guidelines/document_list.html",
        {
            "families": families,
            "queue": queue,
            "queue_url": reverse("admin:guidelines_citationlink_changelist") + "?queue=open",
        },
    )


def document_detail(request, slug: str):
    doc = get_object_or_404(GuidelineDocument, slug=slug)
    groups, counts = citing_determinations(citing_items(document=doc))
    quotes = QuotedPassage.objects.filter(document=doc, section__isnull=True).select_related("item__determination")
    return render(
        request,
        "guidelines/document_detail.html",
        {
            "doc": doc,
            "tree": section_tree(doc),
            "groups": groups,
            "counts": counts,
            "quotes": quotes[:100],
            "has_text": doc.sections.exclude(text="").exists(),
        },
    )


def section_detail(request, slug: str, anchor: str):
    doc = get_object_or_404(GuidelineDocument, slug=slug)
    section = get_object_or_404(doc.sections.select_related("parent"), anchor=anchor)
    groups, counts = citing_determinations(citing_items(section=section))
    # Read from the database a page at a time: a much-cited section has thousands of quotes (its
    # search document holds only a summary, search.section_documents).
    quotes = Paginator(
        section.quoted_passages.select_related("item__determination").order_by(
            "-item__determination__decision_date", "pk"
        ),
        QUOTES_PER_PAGE,
    )
    return render(
        request,
        "guidelines/section_detail.html",
        {
            "doc": doc,
            "section": section,
            "children": section.children.order_by("order"),
            "groups": groups,
            "counts": counts,
            "quotes": quotes.get_page(request.GET.get("quotes")),
            "import_command": f"python manage.py import_guideline {doc.slug} FILE",
        },
    )
