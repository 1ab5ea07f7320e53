"""SQL per letter on the ingest hot paths, with the guideline catalog loaded (as the product
runs): a new letter costs at most 15 queries, an unchanged one at most 3, and a batch costs about
as much as one letter (bulk writes, several letters per transaction)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Determination
from guidelines.models import CitationLink, QuotedPassage
from pipeline.catalog import load_catalog
from pipeline.ingest import ingest_file, ingest_paths
from tests.support.letters import copy_letters

pytestmark = pytest.mark.django_db

FIRST = "CM16-0219557.txt"
LETTER = "CM16-0230651.txt"  # 10 items: the query count does not grow with them


@pytest.fixture
def warm(dwc_txt_dir, tmp_path):
    """Catalog loaded and one letter ingested: the process has its catalog and taxonomy."""
    load_catalog()
    copy_letters(dwc_txt_dir, tmp_path / "first", [FIRST])
    assert ingest_file(tmp_path / "first" / FIRST).status == "new"


def test_a_new_letter_takes_at_most_15_queries(warm, dwc_txt_dir, tmp_path, django_assert_max_num_queries):
    path = copy_letters(dwc_txt_dir, tmp_path, [LETTER])[0]
    with django_assert_max_num_queries(15) as captured:
        outcome = ingest_file(path)
    assert outcome.status == "new"
    det = Determination.objects.get(pk=outcome.determination_id)
    # Everything was written: items, citations, their links and the quotes.
    assert det.items.count() == 10
    assert (
        CitationLink.objects.filter(citation__item__determination=det).count()
        == sum(i.citations.count() for i in det.items.all())
        > 0
    )
    assert QuotedPassage.objects.filter(item__determination=det).exists()
    print(f"\nnew letter: {len(captured)} queries")


def test_an_unchanged_letter_takes_at_most_3_queries(warm, dwc_txt_dir, tmp_path, django_assert_max_num_queries):
    path = tmp_path / "first" / FIRST
    with django_assert_max_num_queries(3) as captured:
        assert ingest_file(path).status == "unchanged"
    print(f"\nunchanged letter: {len(captured)} queries")


def test_a_batch_costs_about_one_letter(warm, dwc_txt_dir, tmp_path):
    names = sorted(p.name for p in dwc_txt_dir.glob("*.txt") if p.name != FIRST)[:40]
    folder = tmp_path / "batch"
    copy_letters(dwc_txt_dir, folder, names)
    with CaptureQueriesContext(connection) as new:
        outcomes = ingest_paths([folder])
    assert [o.status for o in outcomes] == ["new"] * 40
    with CaptureQueriesContext(connection) as unchanged:
        assert {o.status for o in ingest_paths([folder])} == {"unchanged"}
    print(f"\n40 new letters: {len(new)} queries; 40 unchanged: {len(unchanged)}")
    assert len(new) <= 40 * 1, len(new)  # one batch: at most one query per letter, in all
    assert len(unchanged) <= 2
