"""SearchBackend.analytics, one contract for both engines, on the 150 real letters.

AnalyticsContract holds the tests; the embedded backend (tantivy in a tmp dir) and the
Elasticsearch backend (a real osmem-server started by the session fixture) supply the backend.
Expected numbers come from the ORM (tests/support/analytics_oracle.py, with the decision sets of
tests/support/oracle.py), never from the index, the search or the analytics code.
"""

from __future__ import annotations

import re
import statistics
import uuid
from datetime import date

import pytest

from analytics.distribution import describe
from cases.models import Determination
from search.backends.base import ANALYTICS_BREAKDOWNS, COMPLETE_BREAKDOWNS, SearchQuery
from search.documents import determination_documents
from tests.support import analytics_oracle, oracle

pytestmark = pytest.mark.django_db

PAIN = "Pain Management"
LOW_BACK = "Low Back Complaints (2004) › Special Studies"


def _all():
    return oracle.ids(oracle.items())


def _year(y):
    return oracle.ids(oracle.items().filter(determination__decision_date__year=y))


def _specialty(name):
    return {
        i.pk
        for i in oracle.items().select_related("determination")
        if name in [s.strip() for s in i.determination.reviewer_specialty]
    }


def _dates(lo, hi):
    return oracle.ids(oracle.items().filter(determination__decision_date__gte=lo, determination__decision_date__lte=hi))


def _section(label):
    return {item for item, labels in analytics_oracle.sections_of(_all()).items() if label in labels}


def _radiculopathy():
    return {
        i.pk
        for i in oracle.items()
        .select_related("determination")
        .prefetch_related("quoted_passages", "citations__link__sections__document", "citations__link__document")
        if re.search(r"\bradiculopath(y|ies)\b", oracle.text_of(i), re.I)
    }


# (name, SearchQuery arguments, the decisions it selects by the ORM, whether it selects whole letters)
QUERIES = [
    ("everything", {}, _all, True),
    ("year 2017", {"filters": {"decision_year": ["2017"]}}, lambda: _year(2017), True),
    ("specialty", {"filters": {"specialty": [PAIN]}}, lambda: _specialty(PAIN), True),
    (
        "dates",
        {"date_from": date(2017, 1, 15), "date_to": date(2017, 2, 10)},
        lambda: _dates(date(2017, 1, 15), date(2017, 2, 10)),
        True,
    ),
    (
        "imaging",
        {"filters": {"procedure_category": ["imaging"]}},
        lambda: oracle.ids(oracle.items().filter(procedure_category="imaging")),
        False,
    ),
    (
        "overturned",
        {"filters": {"decision": ["Overturned"]}},
        lambda: oracle.ids(oracle.items().filter(decision="Overturned")),
        False,
    ),
    ("section", {"filters": {"guideline_section": [LOW_BACK]}}, lambda: _section(LOW_BACK), False),
    ("words", {"words": ["radiculopathy"]}, _radiculopathy, False),
]


def _compare(result, item_ids: set[int], whole_letters: bool, facet_size: int):
    want = analytics_oracle.expected(item_ids)
    assert want.total, "the oracle selects nothing"
    assert result.total == want.total
    assert (result.letters, result.letters_exact) == (want.letters, True)
    assert result.outcomes == dict(want.outcomes)
    assert set(result.breakdowns) == set(ANALYTICS_BREAKDOWNS)
    for name in ANALYTICS_BREAKDOWNS:
        expected = analytics_oracle.ranked(want.breakdowns[name])
        if name not in COMPLETE_BREAKDOWNS:
            expected = expected[:facet_size]
        got = result.breakdowns[name]
        assert [(b.value, b.decisions) for b in got] == expected, name
        for bucket in got:
            row = want.breakdowns[name][bucket.value]
            assert bucket.outcomes == dict(row.outcomes), (name, bucket.value)
            if whole_letters and name in ("decision_month", "decision_year", "specialty"):
                assert bucket.letters == len(row.letters), (name, bucket.value)
            else:
                assert bucket.letters is None
    assert result.days_to_decision == dict(want.days)


class AnalyticsContract:
    """Subclasses provide the `backend` fixture (class-scoped)."""

    @pytest.fixture(scope="class")
    @classmethod
    def loaded(cls, backend, letters_db, django_db_blocker):
        # An index is made explicitly (searches and sync writes never create one).
        backend.create("determination")
        backend.create("section")
        with django_db_blocker.unblock():
            backend.index_determinations(list(determination_documents()))
        backend.refresh()
        return backend

    @pytest.mark.parametrize("name,kwargs,select,whole", QUERIES, ids=[q[0] for q in QUERIES])
    def test_counts_match_the_database(self, loaded, name, kwargs, select, whole):
        query = SearchQuery(facet_size=10_000, **kwargs)
        assert query.selects_whole_letters == whole
        _compare(loaded.analytics(query), select(), whole, 10_000)

    @pytest.mark.parametrize("case", oracle.PROCEDURE_CASES, ids=lambda c: f"{c.q}-{c.filters}")
    def test_a_named_procedure(self, loaded, case):
        """The decisions of a procedure query (phrases and regions written out by hand), the long
        breakdowns cut to their 3 most frequent values."""
        query = SearchQuery(
            procedures=case.procedures, phrases=case.phrases, regions=case.regions, filters=case.filters, facet_size=3
        )
        _compare(loaded.analytics(query), case.expected(), False, 3)

    def test_the_same_decisions_as_search(self, loaded):
        for _, kwargs, _, _ in QUERIES:
            query = SearchQuery(page_size=1, **kwargs)
            searched, counted = loaded.search(query), loaded.analytics(query)
            assert (counted.total, counted.letters) == (searched.total, searched.letters)
            assert counted.outcomes == {fv.value: fv.count for fv in searched.facets["decision"]}

    def test_days_quantiles_are_exact(self, loaded):
        want = analytics_oracle.expected(_all())
        got = describe(loaded.analytics(SearchQuery()).days_to_decision)
        assert got["n"] == len(want.raw_days) == 333
        assert got["median"] == statistics.median(want.raw_days)
        assert got["p90"] == pytest.approx(statistics.quantiles(want.raw_days, n=10, method="inclusive")[8])
        assert got["mean"] == pytest.approx(statistics.fmean(want.raw_days))
        assert (got["min"], got["max"]) == (min(want.raw_days), max(want.raw_days))

    def test_nothing_matches(self, loaded):
        result = loaded.analytics(SearchQuery(date_to=date(1990, 1, 1)))
        assert (result.total, result.letters, result.outcomes, result.days_to_decision) == (0, 0, {}, {})
        assert all(result.breakdowns[name] == [] for name in ANALYTICS_BREAKDOWNS)

    def test_decisions_without_an_outcome_count_under_no_outcome(self, loaded, letters_db, django_db_blocker):
        """A decision whose outcome the parser could not read counts as a decision, under no
        outcome (the real letters have none such: one is made from a real letter's document)."""
        from collections import Counter

        with django_db_blocker.unblock():
            source = next(d for d in determination_documents() if len(d["decisions"]) >= 3)
        letter = 9_000_000
        made = [
            {
                **d,
                "id": letter + k,
                "letter_id": letter,
                "case_number": "CM00-0000001",
                "decision": "" if k == 0 else d["decision"],
            }
            for k, d in enumerate(source["decisions"])
        ]
        loaded.index_determinations([{"id": letter, "decisions": made}])
        loaded.refresh()
        try:
            result = loaded.analytics(SearchQuery(words=["CM00", "0000001"], facet_size=100))
            assert result.total == len(made)
            assert result.outcomes == dict(Counter(d["decision"] for d in made if d["decision"]))
            for name in ANALYTICS_BREAKDOWNS:
                expected = {}
                for d in made:
                    for value in d[name] if isinstance(d[name], list) else [d[name]]:
                        if value:
                            row = expected.setdefault(value, [0, Counter()])
                            row[0] += 1
                            if d["decision"]:
                                row[1][d["decision"]] += 1
                assert {b.value: (b.decisions, b.outcomes) for b in result.breakdowns[name]} == {
                    v: (n, dict(c)) for v, (n, c) in expected.items()
                }, name
            # In the whole corpus its month has one decision more than its outcomes.
            month = next(
                b
                for b in loaded.analytics(SearchQuery()).breakdowns["decision_month"]
                if b.value == made[0]["decision_month"]
            )
            assert sum(month.outcomes.values()) == month.decisions - 1
        finally:
            loaded.delete_determinations([letter])
            loaded.refresh()

    def test_letters_per_month_are_the_letters_decided_that_month(self, loaded):
        months = {b.value: b.letters for b in loaded.analytics(SearchQuery()).breakdowns["decision_month"]}
        by_db = {}
        for det in Determination.objects.exclude(parse_status="failed").exclude(decision_date=None):
            key = det.decision_date.strftime("%Y-%m")
            by_db[key] = by_db.get(key, 0) + 1
        assert months == by_db and sum(months.values()) == 150


class TestEmbeddedAnalytics(AnalyticsContract):
    @pytest.fixture(scope="class")
    @classmethod
    def backend(cls, tmp_path_factory):
        from search.backends.embedded import EmbeddedBackend

        backend = EmbeddedBackend(tmp_path_factory.mktemp("analytics-index"))
        yield backend
        backend.close()


class TestElasticsearchAnalytics(AnalyticsContract):
    @pytest.fixture(scope="class")
    @classmethod
    def backend(cls, osmem_es_url):
        from search.backends.elasticsearch import ElasticsearchBackend

        backend = ElasticsearchBackend(osmem_es_url, prefix=f"test-{uuid.uuid4().hex[:8]}")
        yield backend
        backend.drop()
        backend.close()
