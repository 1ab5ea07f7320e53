"""One contract for every search backend, run against the 150 real letters.

BackendContract holds the tests; TestEmbeddedBackend (tantivy in a tmp dir) and
TestElasticsearchBackend (a real osmem-server started by the session fixture) supply the backend.
Expected values come from the database and the letter text (tests/support/oracle.py), never from
the index or the search code.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest

from cases.models import Determination, DisputedItem
from search.backends.base import FACETS, SearchQuery
from search.documents import determination_documents
from tests.support import oracle

pytestmark = pytest.mark.django_db

ALL = 10_000  # facet_size / page_size large enough for the whole corpus


def matched_ids(result) -> set[int]:
    return {d.id for hit in result.hits for d in hit.decisions if d.matched}


def letter_ids(result) -> list[int]:
    return [h.id for h in result.hits]


class BackendContract:
    """Subclasses provide the `backend` fixture (class-scoped, loaded with the real letters)."""

    @pytest.fixture(scope="class")
    @classmethod
    def docs(cls, letters_db, django_db_blocker):
        with django_db_blocker.unblock():
            return list(determination_documents())

    @pytest.fixture(scope="class")
    @classmethod
    def loaded(cls, backend, docs):
        # An index is made explicitly (searches and sync writes never create one).
        backend.create("determination")
        backend.create("section")
        backend.index_determinations(docs)
        backend.refresh()
        return backend

    def search_all(self, backend, **kwargs):
        return backend.search(SearchQuery(page_size=ALL, facet_size=ALL, **kwargs))

    # --- index / delete / count -------------------------------------------------------------
    def test_index_count_delete_and_ids(self, loaded, docs):
        backend = loaded
        letters = set(Determination.objects.exclude(parse_status="failed").values_list("id", flat=True))
        decisions = oracle.ids(oracle.items())
        assert len(letters) == 150 and len(decisions) == 333
        assert backend.count(SearchQuery()) == 333 == backend.document_count("determination")
        assert backend.ids("determination") == letters
        whole = backend.search(SearchQuery(page_size=1))
        assert (whole.total, whole.letters, whole.letters_exact) == (333, 150, True)
        gone = sorted(letters)[:2]
        n_gone = DisputedItem.objects.filter(determination_id__in=gone).count()
        try:
            backend.delete_determinations(gone)
            backend.refresh()
            assert backend.count(SearchQuery()) == 333 - n_gone
            assert backend.ids("determination") == letters - set(gone)
            # Re-indexing a letter replaces all of its decisions (no duplicates), also when it
            # now has fewer decisions than before.
            backend.index_determinations([d for d in docs if d["id"] in gone] * 2)
            big = next(d for d in docs if len(d["decisions"]) >= 3)
            backend.index_determinations([{**big, "decisions": big["decisions"][:1]}])
            backend.refresh()
            assert backend.count(SearchQuery()) == 333 - len(big["decisions"]) + 1
        finally:
            backend.index_determinations([d for d in docs if d["id"] in gone or d["id"] == big["id"]])
            backend.refresh()
        assert backend.count(SearchQuery()) == 333
        assert backend.ids("determination") == letters

    # --- what matches ---------------------------------------------------------------------------
    @pytest.mark.parametrize("case", oracle.PROCEDURE_CASES, ids=lambda c: f"{c.q}-{c.filters}")
    def test_a_named_procedure_selects_its_decisions(self, loaded, case):
        """Decisions classified as the procedure, or whose request names it; the region named
        must be in the request. The phrases are the case's, written out by hand."""
        result = self.search_all(
            loaded, procedures=case.procedures, phrases=case.phrases, regions=case.regions, filters=case.filters
        )
        expected = case.expected()
        assert expected, f"the oracle selects nothing for {case}"
        assert matched_ids(result) == expected
        assert result.total == len(expected)
        assert result.letters == len(oracle.letters_of(expected)) == len(result.hits)
        assert {fv.value: fv.count for fv in result.facets["decision"]} == dict(oracle.decisions_of(expected))

    def test_a_phrase_matches_as_a_phrase_unstemmed(self, loaded):
        """The synonym "positional MRI" must not match a letter's "positive MRI" (one stem)."""
        positional = self.search_all(loaded, procedures=["bone scan"], phrases=["positional MRI"], widen=True)
        for hit in positional.hits:
            for d in hit.decisions:
                if d.matched:
                    text = " ".join([d.source["request"], d.source.get("rationale", ""), hit.letter.get("summary", "")])
                    assert re.search(r"positional\s+MRI", text, re.I) or d.source["procedure"] == "bone scan"

    def test_widen_also_finds_the_procedure_in_rationales_and_summaries(self, loaded):
        narrow = self.search_all(loaded, procedures=["TENS unit"], phrases=["TENS unit"])
        wide = self.search_all(loaded, procedures=["TENS unit"], phrases=["TENS unit"], widen=True)
        assert matched_ids(narrow) < matched_ids(wide)
        pattern = re.compile(r"\bTENS\s+units?\b", re.I)
        expected = {
            i.pk
            for i in oracle.items().select_related("determination")
            if i.procedure == "TENS unit"
            or pattern.search(
                f"{i.request}\n{i.disputed_portion or ''}\n{i.rationale}\n{i.determination.clinical_summary}"
            )
        }
        assert matched_ids(wide) == expected

    @pytest.mark.parametrize("words", [["radiculopathy"], ["failed", "conservative"], ["knee", "and"]])
    def test_words_are_all_required_in_the_decision_text(self, loaded, words):
        result = self.search_all(loaded, words=words)
        # The English inflections sharing each word's stem, written out.
        stems = {
            "radiculopathy": r"radiculopath(y|ies)",
            "failed": r"fail(s|ed|ing)?",
            "conservative": r"conserv(e|es|ed|ing|ation|ative|atively|atives)",
            "knee": r"knees?",
            "and": r"and",
        }
        expected = {
            i.pk
            for i in oracle.items()
            .select_related("determination")
            .prefetch_related("quoted_passages", "citations__link__sections__document", "citations__link__document")
            if all(re.search(rf"\b{stems[w]}\b", oracle.text_of(i), re.I) for w in words)
        }
        assert expected
        assert matched_ids(result) == expected
        assert result.total == len(expected)

    def test_query_syntax_words_are_plain_words(self, loaded):
        # Users type AND/OR/NOT, quotes and brackets; no backend may read them as its own syntax.
        for words in [["knee", "AND"], ["OR", "OR", "AND"], ['"unterminated', "(*", "AND"], ["NOT"], ["knee)", "[x"]]:
            loaded.search(SearchQuery(words=words, page_size=5))
        assert 0 < loaded.count(SearchQuery(words=["knee", "AND"])) <= loaded.count(SearchQuery(words=["knee"]))

    # --- counts ---------------------------------------------------------------------------------
    def test_every_facet_counts_decisions_as_the_database_does(self, loaded):
        result = loaded.search(SearchQuery(facet_size=ALL, page_size=1))
        expected = oracle.facet_counts()
        assert set(result.facets) == set(FACETS)
        for facet in FACETS:
            got = {fv.value: fv.count for fv in result.facets[facet]}
            assert got == dict(expected[facet]), facet
            counts = [(-fv.count, fv.value) for fv in result.facets[facet]]
            assert counts == sorted(counts), f"{facet} not sorted by count desc, value"
        assert result.facets["guideline_section"], "no citation linked to a catalog section"
        labels = [fv.value for fv in result.facets["guideline_document"]]
        assert "Chronic Pain Medical Treatment Guidelines (2009)" in labels

    def test_a_facet_count_is_what_selecting_it_returns(self, loaded):
        base = {"procedure_category": ["imaging"]}
        result = loaded.search(SearchQuery(filters=base, facet_size=ALL, page_size=1))
        for facet in ("decision", "body_region", "procedure", "specialty", "guideline_section"):
            for fv in result.facets[facet][:6]:
                narrowed = loaded.search(SearchQuery(filters={**base, facet: [fv.value]}, page_size=1, facets=[]))
                assert narrowed.total == fv.count, (facet, fv.value)

    def test_alternatives_count_a_selected_facet_without_its_own_filter(self, loaded):
        result = loaded.search(
            SearchQuery(
                filters={"decision": ["Overturned"], "procedure_category": ["imaging"]}, facet_size=ALL, page_size=1
            )
        )
        imaging = oracle.ids(oracle.items().filter(procedure_category="imaging"))
        assert {fv.value: fv.count for fv in result.alternatives["decision"]} == dict(oracle.decisions_of(imaging))
        overturned = oracle.ids(oracle.items().filter(decision="Overturned"))
        assert {fv.value: fv.count for fv in result.alternatives["procedure_category"]} == dict(
            __import__("collections").Counter(
                DisputedItem.objects.filter(pk__in=overturned).values_list("procedure_category", flat=True)
            )
        )
        # Replacing the selection gives what the alternative said.
        for fv in result.alternatives["decision"]:
            assert (
                loaded.count(SearchQuery(filters={"decision": [fv.value], "procedure_category": ["imaging"]}))
                == fv.count
            )

    # --- filters --------------------------------------------------------------------------------
    def test_filters_or_within_and_across_facets(self, loaded):
        either = self.search_all(loaded, filters={"procedure": ["MRI", "X-ray"]})
        assert matched_ids(either) == oracle.ids(oracle.items().filter(procedure__in=["MRI", "X-ray"]))
        both = self.search_all(loaded, filters={"decision": ["Overturned"], "procedure_category": ["imaging"]})
        assert matched_ids(both) == oracle.ids(
            oracle.items().filter(decision="Overturned", procedure_category="imaging")
        )
        specialty = self.search_all(loaded, filters={"specialty": ["Orthopedic Surgery"], "decision": ["Upheld"]})
        expected = {
            i.pk
            for i in oracle.items().select_related("determination").filter(decision="Upheld")
            if "Orthopedic Surgery" in [s.strip() for s in i.determination.reviewer_specialty]
        }
        assert expected and matched_ids(specialty) == expected

    def test_date_range(self, loaded):
        dates = sorted(
            oracle.items()
            .exclude(determination__decision_date=None)
            .values_list("determination__decision_date", flat=True)
        )
        lo, hi = dates[len(dates) // 4], dates[3 * len(dates) // 4]
        got = self.search_all(loaded, date_from=lo, date_to=hi)
        assert matched_ids(got) == oracle.ids(
            oracle.items().filter(determination__decision_date__gte=lo, determination__decision_date__lte=hi)
        )
        assert loaded.count(SearchQuery(date_to=date(1990, 1, 1))) == 0

    def test_ingested_after_and_until(self, loaded):
        """When a letter was stored bounds its decisions (what an alert counts as new), in whole
        milliseconds: later than ingested_after, not later than ingested_until."""

        def ms(moment):  # the oracle's own millisecond floor
            return moment.replace(microsecond=moment.microsecond // 1000 * 1000)

        rows = list(oracle.items().values_list("id", "procedure", "determination__created_at"))
        stamps = sorted({created for _, _, created in rows})
        after, until = stamps[len(stamps) // 3], stamps[2 * len(stamps) // 3]
        between = {pk for pk, _, created in rows if ms(after) < ms(created) <= ms(until)}
        assert 50 < len(between) < 300
        assert matched_ids(self.search_all(loaded, ingested_after=after, ingested_until=until)) == between
        later = {pk for pk, _, created in rows if ms(created) > ms(after)}
        assert matched_ids(self.search_all(loaded, ingested_after=after)) == later
        assert loaded.count(SearchQuery(ingested_until=until)) == len(rows) - len(later) + len(between)
        mri = {pk for pk, procedure, created in rows if procedure == "MRI" and ms(created) > ms(after)}
        assert mri and loaded.count(SearchQuery(filters={"procedure": ["MRI"]}, ingested_after=after)) == len(mri)
        assert loaded.count(SearchQuery(ingested_after=stamps[-1])) == 0
        assert loaded.count(SearchQuery(ingested_until=ms(stamps[0]) - timedelta(milliseconds=1))) == 0

    # --- letters: grouping, order, pages --------------------------------------------------------
    def test_letters_list_every_decision_in_order_with_the_matching_marked(self, loaded):
        result = self.search_all(loaded, filters={"decision": ["Overturned"]})
        overturned = oracle.ids(oracle.items().filter(decision="Overturned"))
        assert {h.id for h in result.hits} == oracle.letters_of(overturned)
        for hit in result.hits:
            db = list(DisputedItem.objects.filter(determination_id=hit.id).order_by("order"))
            assert [d.id for d in hit.decisions] == [i.pk for i in db]
            assert [d.matched for d in hit.decisions] == [i.decision == "Overturned" for i in db]
            assert hit.letter["case_number"] == (Determination.objects.get(pk=hit.id).case_number or "")
            assert hit.letter["summary"] == Determination.objects.get(pk=hit.id).clinical_summary

    def test_sort_by_date(self, loaded):
        newest = self.search_all(loaded, sort="-date")
        oldest = self.search_all(loaded, sort="date")
        assert len(newest.hits) == len(oldest.hits) == 150
        new = [h.letter["decision_date"] for h in newest.hits if h.letter["decision_date"]]
        old = [h.letter["decision_date"] for h in oldest.hits if h.letter["decision_date"]]
        assert new == sorted(new, reverse=True) and len(set(new)) > 1
        assert old == sorted(old)
        mri = self.search_all(loaded, filters={"procedure": ["MRI"]}, sort="-date")
        dates = [h.letter["decision_date"] or "" for h in mri.hits]
        assert dates == sorted(dates, reverse=True)

    @pytest.mark.parametrize("sort", ["relevance", "-date", "date"])
    def test_pages_of_letters_are_stable_and_disjoint(self, loaded, sort):
        words = ["pain"] if sort == "relevance" else []
        whole = loaded.search(SearchQuery(words=words, sort=sort, page_size=70, facets=[]))
        pages = []
        for page in range(1, 11):
            pages += letter_ids(loaded.search(SearchQuery(words=words, sort=sort, page=page, page_size=7, facets=[])))
        assert pages == letter_ids(whole)
        assert len(set(pages)) == len(pages) == 70
        again = loaded.search(SearchQuery(words=words, sort=sort, page=3, page_size=7, facets=[]))
        assert letter_ids(again) == pages[14:21]
        beyond = loaded.search(SearchQuery(words=words, sort=sort, page=99, page_size=7))
        assert beyond.hits == [] and beyond.total == whole.total and beyond.letters == whole.letters

    def test_relevance_ranks_a_letter_by_its_best_decision(self, loaded):
        result = self.search_all(loaded, words=["lumbar"])
        assert [h.score for h in result.hits] == sorted((h.score for h in result.hits), reverse=True)

    def test_page_size_zero_gives_counts_and_facets_only(self, loaded):
        result = loaded.search(SearchQuery(words=["pain"], page_size=0, facets=["decision"]))
        assert result.hits == [] and result.total > 100 and result.letters > 100
        assert sum(fv.count for fv in result.facets["decision"]) == result.total

    # --- scan: every matching decision, for exports ---------------------------------------------
    @pytest.mark.parametrize("case", oracle.PROCEDURE_CASES, ids=lambda c: f"{c.q}-{c.filters}")
    def test_scan_yields_every_decision_the_search_counts(self, loaded, case):
        query = SearchQuery(
            procedures=case.procedures, phrases=case.phrases, regions=case.regions, filters=case.filters, page_size=1
        )
        ids = list(loaded.scan(query))
        assert set(ids) == case.expected()
        assert len(ids) == len(set(ids)) == loaded.search(query).total

    def test_scan_order_is_date_then_letter_then_decision_across_pages(self, loaded, docs, monkeypatch):
        """Undated letters first, then by decision date, letter id, decision id; the same with
        pages (or fast-field batches) far smaller than the result, ties cut across them."""
        from search.backends import elasticsearch
        from search.backends.embedded import decisions

        monkeypatch.setattr(elasticsearch, "SCAN_PAGE", 7)
        monkeypatch.setattr(decisions, "SCAN_BATCH", 7)
        undated = [
            {
                "id": 2_000_000 + i,
                "decisions": [
                    {
                        **d,
                        "id": 3_000_000 + 100 * i + k,
                        "letter_id": 2_000_000 + i,
                        "decision_date": None,
                        "decision_year": "",
                        "decision_month": "",
                    }
                    for k, d in enumerate(letter["decisions"])
                ],
            }
            for i, letter in enumerate(docs[:3])
        ]
        loaded.index_determinations(undated)
        loaded.refresh()
        try:
            rows = oracle.items().values_list("determination__decision_date", "determination_id", "id")
            expected = [i for u in undated for i in sorted(d["id"] for d in u["decisions"])]
            expected += [i for _, _, i in sorted(rows, key=lambda r: (r[0] is not None, r[0] or date.min, r[1], r[2]))]
            assert list(loaded.scan(SearchQuery())) == expected
            upheld = oracle.ids(oracle.items().filter(decision="Upheld")) | {
                d["id"] for u in undated for d in u["decisions"] if d["decision"] == "Upheld"
            }
            assert [i for i in expected if i in upheld] == list(
                loaded.scan(SearchQuery(filters={"decision": ["Upheld"]}))
            )
            words = list(loaded.scan(SearchQuery(words=["radiculopathy"], date_from=date(2017, 1, 1))))
            assert words == [i for i in expected if i in set(words)]
            assert len(words) == loaded.count(SearchQuery(words=["radiculopathy"], date_from=date(2017, 1, 1))) > 7
            assert list(loaded.scan(SearchQuery(date_to=date(1990, 1, 1)))) == []
        finally:
            loaded.delete_determinations([u["id"] for u in undated])
            loaded.refresh()

    # --- guideline sections ---------------------------------------------------------------------
    def test_section_search(self, loaded):
        backend = loaded
        sections = [
            {
                "id": 1,
                "document": "Chronic Pain Medical Treatment Guidelines",
                "family": "MTUS",
                "title": "Opioids, criteria for use",
                "text": "Ongoing management of opioids: the 4 A's <analgesia, activities of daily living, adverse effects>.",
                "quotes": "Actual use of opioids should be documented.",
            },
            {
                "id": 2,
                "document": "Chronic Pain Medical Treatment Guidelines",
                "family": "MTUS",
                "title": "TENS, chronic pain",
                "text": "Not recommended as a primary treatment modality, but a one-month home-based TENS trial may be considered.",
                "quotes": "",
            },
            {
                "id": 3,
                "document": "Low Back Complaints",
                "family": "ACOEM",
                "title": "Special Studies",
                "text": "Unequivocal objective findings that identify specific nerve compromise warrant imaging (MRI).",
                "quotes": "",
            },
            {
                "id": 4,
                "document": "ODG: Low Back",
                "family": "ODG",
                "title": "Facet joint diagnostic blocks (injections)",
                "text": "Recommended prior to facet neurotomy: one set of medial branch blocks.",
                "quotes": "",
            },
        ]
        backend.index_sections(sections)
        backend.refresh()
        try:
            assert backend.ids("section") == {1, 2, 3, 4} and backend.document_count("section") == 4
            result = backend.search_sections(SearchQuery(text="opioid"))
            assert [h.id for h in result.hits] == [1]
            every = backend.search_sections(SearchQuery())
            assert every.total == 4
            assert {fv.value: fv.count for fv in every.facets["family"]} == {"MTUS": 2, "ACOEM": 1, "ODG": 1}
            assert [fv.value for fv in every.facets["guideline_document"]][
                0
            ] == "Chronic Pain Medical Treatment Guidelines"
            narrowed = backend.search_sections(
                SearchQuery(text="block", expansions=["medial branch block"], filters={"family": ["ODG"]})
            )
            assert [h.id for h in narrowed.hits] == [4]
            assert (
                backend.search_sections(SearchQuery(filters={"guideline_document": ["Low Back Complaints"]})).total == 1
            )
            backend.delete_sections([2])
            backend.refresh()
            assert backend.ids("section") == {1, 3, 4}
        finally:
            backend.delete_sections([1, 2, 3, 4])
            backend.refresh()

    def test_rebuild_swaps_in_a_complete_index(self, loaded, docs):
        backend = loaded
        seen = []
        n = backend.rebuild("determination", iter(docs[:10]), progress=seen.append)
        backend.refresh()
        try:
            assert n == 10 and seen and seen[-1] == 10
            assert backend.ids("determination") == {d["id"] for d in docs[:10]}
            assert backend.count(SearchQuery()) == sum(len(d["decisions"]) for d in docs[:10])
        finally:
            backend.rebuild("determination", iter(docs))
            backend.refresh()
        assert backend.count(SearchQuery()) == 333


class TestEmbeddedBackend(BackendContract):
    @pytest.fixture(scope="class")
    @classmethod
    def backend(cls, tmp_path_factory):
        from search.backends.embedded import EmbeddedBackend

        backend = EmbeddedBackend(tmp_path_factory.mktemp("embedded-index"))
        yield backend
        backend.close()

    def test_concurrent_writers_are_serialised(self, loaded, docs):
        """tantivy allows one IndexWriter per index: writers from several threads take turns."""
        import threading

        extra = [
            {
                "id": 2_000_000 + i,
                "decisions": [
                    {**d, "id": 3_000_000 + 100 * i + k, "letter_id": 2_000_000 + i}
                    for k, d in enumerate(letter["decisions"])
                ],
            }
            for i, letter in enumerate(docs[:40])
        ]
        errors = []

        def write(chunk):
            try:
                for doc in chunk:
                    loaded.index_determinations([doc])
            except BaseException as exc:  # noqa: BLE001 - report anything, panics included
                errors.append(exc)

        threads = [threading.Thread(target=write, args=(extra[i::4],)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        try:
            assert errors == []
            loaded.refresh()
            assert len(loaded.ids("determination")) == 190
        finally:
            loaded.delete_determinations([d["id"] for d in extra])
            loaded.refresh()
        assert loaded.count(SearchQuery()) == 333

    def test_letters_past_the_exact_limit_are_estimated(self, loaded, monkeypatch):
        from search.backends.embedded import decisions

        monkeypatch.setattr(decisions, "EXACT_LETTERS_LIMIT", 100)
        result = loaded.search(SearchQuery(filters={"decision": ["Upheld"]}, page_size=1, facets=[]))
        upheld = oracle.ids(oracle.items().filter(decision="Upheld"))
        assert result.total == len(upheld) > 100 and not result.letters_exact
        expected = len(oracle.letters_of(upheld))
        assert abs(result.letters - expected) <= 5  # tantivy's HyperLogLog estimate
        # A query that selects whole letters counts them exactly whatever their number.
        whole = loaded.search(SearchQuery(filters={"decision_year": ["2017"]}, page_size=1, facets=[]))
        assert whole.letters_exact and whole.letters == Determination.objects.filter(decision_date__year=2017).count()


class TestElasticsearchBackend(BackendContract):
    @pytest.fixture(scope="class")
    @classmethod
    def backend(cls, osmem_es_url):
        from search.backends.elasticsearch import ElasticsearchBackend

        backend = ElasticsearchBackend(osmem_es_url, prefix=f"test-{uuid.uuid4().hex[:8]}")
        yield backend
        backend.drop()
        backend.close()
