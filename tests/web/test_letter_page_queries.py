"""The letter page and the detail API run a fixed number of SQL queries, whatever the number of
items: a real linked letter, then the same letter grown to 200 items (each with its citations,
guideline links, sections and quoted passages copied from the real one)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import DisputedItem, GuidelineCitation
from guidelines.models import CitationLink, QuotedPassage
from tests.support.letter_fixtures import LINKED_CASE as CASE

pytestmark = pytest.mark.django_db
ITEMS = 200
# Measured: determination, items, citations (with link and document joined), the links'
# sections, the sections' documents, quoted passages (a 200-item letter took 1,203 before).
MAX_PAGE_QUERIES = 6
MAX_API_QUERIES = 6


def grow_to(det, total: int) -> None:
    """Copy the letter's first item (citations, links with their sections, quotes) until it has `total`."""
    template = det.items.get(order=0)
    citations = list(template.citations.all())
    links = {link.citation_id: link for link in CitationLink.objects.filter(citation__item=template)}
    quotes = list(QuotedPassage.objects.filter(item=template))
    assert links and quotes, "the real letter should come linked, with quoted passages"
    for order in range(det.items.count(), total):
        item = DisputedItem.objects.create(
            determination=det,
            order=order,
            request=f"{template.request} (copy {order})",
            decision=template.decision,
            rationale=template.rationale,
            procedure=template.procedure,
        )
        for citation in citations:
            copy = GuidelineCitation.objects.create(
                item=item,
                party=citation.party,
                order=citation.order,
                kind=citation.kind,
                document=citation.document,
                year=citation.year,
                sections=citation.sections,
                pages=citation.pages,
                clause=citation.clause,
            )
            link = links.get(citation.pk)
            if link is not None:
                new_link = CitationLink.objects.create(
                    citation=copy,
                    document=link.document,
                    method=link.method,
                    confidence=link.confidence,
                )
                new_link.sections.set(link.sections.all())
        QuotedPassage.objects.bulk_create(
            [
                QuotedPassage(item=item, document=q.document, section=q.section, text=q.text, order=q.order)
                for q in quotes
            ]
        )


def _count(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(ctx.captured_queries), response.content.decode()


def test_letter_page_queries_do_not_grow_with_items(client, linked_letter, django_assert_max_num_queries):
    url = f"/determinations/{CASE}/"
    one, html = _count(client, url)
    assert 'href="/guidelines/mtus-chronic-pain-2016/facet-blocks/"' in html
    grow_to(linked_letter, ITEMS)
    with django_assert_max_num_queries(MAX_PAGE_QUERIES):
        response = client.get(url)
    html = response.content.decode()
    # Every item is on the page with its linked sections (oracle: the rows just written).
    assert html.count('class="card item"') == ITEMS
    # One link per resolved section, or to the document when no section resolved.
    links = CitationLink.objects.filter(
        citation__item__determination=linked_letter, citation__item__order=0, document__isnull=False
    )
    targets_per_item = sum(max(1, link.sections.count()) for link in links)
    assert targets_per_item >= 2
    assert html.count('class="cit-link"') == ITEMS * targets_per_item
    many, _ = _count(client, url)
    assert many == one, f"{one} queries for one item, {many} for {ITEMS}"


def test_detail_api_queries_do_not_grow_with_items(client, linked_letter, django_assert_max_num_queries):
    url = f"/api/determinations/{CASE}/"
    one, _ = _count(client, url)
    grow_to(linked_letter, ITEMS)
    with django_assert_max_num_queries(MAX_API_QUERIES):
        data = client.get(url).json()
    assert len(data["items"]) == ITEMS
    assert all(any(c["link"] and c["link"]["sections"] for c in item["citations"]) for item in data["items"])
    many, _ = _count(client, url)
    assert many == one
