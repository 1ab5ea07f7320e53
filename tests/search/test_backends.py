"""One contract for every search backend, run against the 150 real letters.

BackendContract holds the tests; TestEmbeddedBackend (tantivy in a tmp dir) and
TestElasticsearchBackend (a real osmem-server started by the session fixture) supply the backend.
Expected values are computed from the database with the ORM, never from the index.
"""
from __future__ import annotations

import re
import uuid
from collections import Counter, defaultdict
from datetime import date

import pytest
from django.db.models import Count

from cases.models import Determination, DisputedItem, GuidelineCitation
from search.backends.base import FACETS, SearchQuery
from search.documents import citation_guidelines, determination_documents, indexable_determinations

pytestmark = pytest.mark.django_db

ALL = 10_000  # facet_size / page_size large enough for the whole corpus


def db_facet_counts() -> dict[str, dict[str, int]]:
    """Letters per facet value, from the database."""
    dets = indexable_determinations()
    items = DisputedItem.objects.filter(determination__in=dets)
    out: dict[str, dict[str, int]] = {}
    for field in ("decision", "procedure", "procedure_category", "body_region"):
        rows = items.exclude(**{field: ""}).values(field).annotate(n=Count("determination", distinct=True))
        out[field] = {r[field]: r["n"] for r in rows}
    out["decision_year"] = {
        str(r["decision_date__year"]): r["n"]
        for r in dets.exclude(decision_date=None).values("decision_date__year").annotate(n=Count("id"))
    }
    specialty: Counter = Counter()
    for values in dets.values_list("reviewer_specialty", flat=True):
        specialty.update({v.strip() for v in values or [] if isinstance(v, str) and v.strip()})
    out["specialty"] = dict(specialty)
    docs: dict[str, set] = defaultdict(set)
    sections: dict[str, set] = defaultdict(set)
    citations = GuidelineCitation.objects.filter(
        item__determination__in=dets, party=GuidelineCitation.Party.MAXIMUS
    ).select_related("item")
    for citation in citations:
        d, s = citation_guidelines(citation)
        for v in d:
            docs[v].add(citation.item.determination_id)
        for v in s:
            sections[v].add(citation.item.determination_id)
    out["guideline_document"] = {k: len(v) for k, v in docs.items()}
    out["guideline_section"] = {k: len(v) for k, v in sections.items()}
    return out


def result_ids(result) -> list[int]:
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
        backend.index_determinations(docs)
        backend.refresh()
        return backend

    def ids_where(self, **filters) -> set[int]:
        return set(indexable_determinations().filter(**filters).values_list("id", flat=True))

    # --- index / delete / count -------------------------------------------------------------
    def test_index_count_delete_and_ids(self, loaded, docs):
        backend = loaded
        all_ids = set(indexable_determinations().values_list("id", flat=True))
        assert len(all_ids) == 150
        assert backend.count(SearchQuery()) == 150
        assert backend.ids("determination") == all_ids
        gone = sorted(all_ids)[:2]
        try:
            backend.delete_determinations(gone)
            backend.refresh()
            assert backend.count(SearchQuery()) == 148
            assert backend.ids("determination") == all_ids - set(gone)
            # Re-indexing a document replaces it (no duplicates).
            backend.index_determinations([d for d in docs if d["id"] in gone] * 2)
            backend.index_determinations([d for d in docs if d["id"] == gone[0]])
            backend.refresh()
        finally:
            backend.index_determinations([d for d in docs if d["id"] in gone])
            backend.refresh()
        assert backend.count(SearchQuery()) == 150
        assert backend.ids("determination") == all_ids

    # --- text ---------------------------------------------------------------------------------
    def test_text_query_with_expansions(self, loaded, docs):
        backend = loaded
        plain = backend.search(SearchQuery(text="Norco", page_size=ALL, facets=[]))
        expanded = backend.search(SearchQuery(text="Norco", expansions=["hydrocodone", "hydrocodone/acetaminophen"],
                                              page_size=ALL, facets=[]))
        assert plain.total > 0
        assert set(result_ids(plain)) <= set(result_ids(expanded))
        pattern = re.compile(r"\bnorco\b|\bhydrocodone\b", re.I)

        def text_of(d):
            return " ".join([d["requests"], d["rationale"], d["summary"], *d["procedure"], *d["procedure_category"],
                             *d["guideline_document"], *d["guideline_section"]])

        expected = {d["id"] for d in docs if pattern.search(text_of(d))}
        assert set(result_ids(expanded)) == expected
        assert expanded.total == len(expected) > plain.total

    def test_all_typed_words_required(self, loaded, docs):
        result = loaded.search(SearchQuery(text="lumbar MRI", page_size=ALL, facets=[]))
        assert result.total > 0
        for hit in result.hits:
            text = " ".join([hit.source["requests"], hit.source["rationale"], hit.source["summary"],
                             *hit.source["procedure"], *hit.source["body_region"]]).lower()
            assert "lumbar" in text and "mri" in text

    def test_query_syntax_words_are_plain_words(self, loaded):
        # Users type AND/OR/NOT, quotes and brackets; no backend may read them as its own syntax.
        for text in ["knee AND", "OR OR AND", '"unterminated (* AND OR', "NOT", "knee) [x"]:
            loaded.search(SearchQuery(text=text, page_size=5))
        knee = loaded.count(SearchQuery(text="knee"))
        assert 0 < loaded.count(SearchQuery(text="knee AND")) <= knee

    # --- facets ---------------------------------------------------------------------------------
    def test_every_facet_count_equals_the_database(self, loaded):
        result = loaded.search(SearchQuery(facet_size=ALL, page_size=1))
        expected = db_facet_counts()
        assert set(result.facets) == set(FACETS)
        for facet in FACETS:
            got = {fv.value: fv.count for fv in result.facets[facet]}
            assert got == expected[facet], facet
            counts = [(-fv.count, fv.value) for fv in result.facets[facet]]
            assert counts == sorted(counts), f"{facet} not sorted by count desc, value"
        assert result.facets["procedure"], "the taxonomy classified no procedure"
        assert result.facets["guideline_document"]

    def test_facet_size_keeps_the_top_values(self, loaded):
        full = loaded.search(SearchQuery(facet_size=ALL, page_size=1, facets=["procedure"])).facets["procedure"]
        top = loaded.search(SearchQuery(facet_size=3, page_size=1, facets=["procedure"])).facets["procedure"]
        assert [fv.count for fv in top] == [fv.count for fv in full[:3]]

    # --- filters --------------------------------------------------------------------------------
    def test_filters_narrow_and_combine(self, loaded):
        backend = loaded
        upheld = backend.search(SearchQuery(filters={"decision": ["Upheld"]}, page_size=ALL, facets=[]))
        assert set(result_ids(upheld)) == self.ids_where(items__decision="Upheld")
        top = db_facet_counts()
        region = max(top["body_region"], key=top["body_region"].get)
        specialty = max(top["specialty"], key=top["specialty"].get)
        both = backend.search(SearchQuery(filters={"body_region": [region], "specialty": [specialty]},
                                          page_size=ALL, facets=["decision"]))
        expected = self.ids_where(items__body_region=region) & {
            d.id for d in indexable_determinations() if specialty in [s.strip() for s in d.reviewer_specialty]
        }
        assert set(result_ids(both)) == expected
        assert 0 < both.total < upheld.total + both.total
        # OR within a facet.
        procedures = sorted(top["procedure"], key=top["procedure"].get, reverse=True)[:2]
        either = backend.search(SearchQuery(filters={"procedure": procedures}, page_size=ALL, facets=[]))
        assert set(result_ids(either)) == self.ids_where(items__procedure__in=procedures)
        # Facet counts are computed over the filtered letters.
        decision_counts = {fv.value: fv.count for fv in both.facets["decision"]}
        for value, count in decision_counts.items():
            assert count == len(expected & self.ids_where(items__decision=value))
        # Text and filters together.
        mri = backend.search(SearchQuery(text="MRI", filters={"decision": ["Overturned"]}, page_size=ALL, facets=[]))
        plain_mri = set(result_ids(backend.search(SearchQuery(text="MRI", page_size=ALL, facets=[]))))
        assert set(result_ids(mri)) == plain_mri & self.ids_where(items__decision="Overturned")

    def test_item_level_coherence(self, loaded, docs):
        """decision=Overturned AND procedure=X means one item that is an overturned X."""
        backend = loaded
        differing = 0
        for procedure in db_facet_counts()["procedure"]:
            for decision in ("Upheld", "Overturned"):
                # One filter() call: the same item row must match both (the ORM's own semantics).
                expected = self.ids_where(items__decision=decision, items__procedure=procedure)
                naive = self.ids_where(items__decision=decision) & self.ids_where(items__procedure=procedure)
                differing += expected != naive
                got = backend.search(SearchQuery(filters={"decision": [decision], "procedure": [procedure]},
                                                 page_size=ALL, facets=[]))
                assert set(result_ids(got)) == expected, (decision, procedure)
        assert differing > 0, "no letter in the corpus exercises item-level coherence"
        # Three item facets, one of them multi-valued per item (guideline documents).
        doc_values = db_facet_counts()["guideline_document"]
        gdoc = max(doc_values, key=doc_values.get)
        got = backend.search(SearchQuery(filters={"decision": ["Upheld"], "guideline_document": [gdoc],
                                                  "procedure_category": sorted(db_facet_counts()["procedure_category"])[:3]},
                                         page_size=ALL, facets=[]))
        cats = set(sorted(db_facet_counts()["procedure_category"])[:3])
        expected = {d["id"] for d in docs if any(i["decision"] == "Upheld" and gdoc in i["guideline_documents"]
                                                  and i["procedure_category"] in cats for i in d["items"])}
        assert set(result_ids(got)) == expected

    def test_date_range(self, loaded):
        dates = sorted(indexable_determinations().exclude(decision_date=None).values_list("decision_date", flat=True))
        lo, hi = dates[len(dates) // 4], dates[3 * len(dates) // 4]
        got = loaded.search(SearchQuery(date_from=lo, date_to=hi, page_size=ALL, facets=["decision_year"]))
        assert set(result_ids(got)) == self.ids_where(decision_date__gte=lo, decision_date__lte=hi)
        only_from = loaded.search(SearchQuery(date_from=hi, page_size=ALL, facets=[]))
        assert set(result_ids(only_from)) == self.ids_where(decision_date__gte=hi)
        assert loaded.count(SearchQuery(date_to=date(1990, 1, 1))) == 0

    def test_sort_by_date(self, loaded):
        newest = loaded.search(SearchQuery(sort="-date", page_size=ALL, facets=[]))
        oldest = loaded.search(SearchQuery(sort="date", page_size=ALL, facets=[]))
        assert newest.total == oldest.total == 150
        new_dates = [h.source["decision_date"] for h in newest.hits if h.source["decision_date"]]
        old_dates = [h.source["decision_date"] for h in oldest.hits if h.source["decision_date"]]
        assert new_dates == sorted(new_dates, reverse=True) and len(set(new_dates)) > 1
        assert old_dates == sorted(old_dates)
        # Text query sorted by date.
        mri = loaded.search(SearchQuery(text="MRI", sort="-date", page_size=ALL, facets=[]))
        mri_dates = [h.source["decision_date"] or "" for h in mri.hits]
        assert mri_dates == sorted(mri_dates, reverse=True)

    @pytest.mark.parametrize("sort", ["relevance", "-date", "date"])
    def test_pagination_is_stable(self, loaded, sort):
        text = "pain" if sort == "relevance" else ""
        whole = loaded.search(SearchQuery(text=text, sort=sort, page_size=70, facets=[]))
        pages = []
        for page in range(1, 11):
            pages += result_ids(loaded.search(SearchQuery(text=text, sort=sort, page=page, page_size=7, facets=[])))
        assert pages == result_ids(whole)
        assert len(set(pages)) == len(pages) == 70
        again = loaded.search(SearchQuery(text=text, sort=sort, page=3, page_size=7, facets=[]))
        assert result_ids(again) == pages[14:21]
        beyond = loaded.search(SearchQuery(text=text, sort=sort, page=99, page_size=7))
        assert beyond.hits == [] and beyond.total == whole.total

    def test_page_size_zero_gives_counts_and_facets_only(self, loaded):
        result = loaded.search(SearchQuery(text="pain", page_size=0, facets=["decision"]))
        assert result.hits == [] and result.total > 100
        assert sum(fv.count for fv in result.facets["decision"]) >= result.total

    def test_highlights_are_escaped(self, loaded, docs):
        backend = loaded
        doc = dict(docs[0])
        doc.update(id=10**9, rationale='The request <script>alert("x")</script> for medial branch blocks & more.',
                   requests="Lumbar medial branch block <b>bilateral</b>")
        backend.index_determinations([doc])
        backend.refresh()
        try:
            result = backend.search(SearchQuery(text="MBB", expansions=["medial branch block"],
                                                filters={"decision": doc["decision"][:1]}, page_size=ALL))
            hit = next(h for h in result.hits if h.id == doc["id"])
            rationale = " ".join(hit.highlights["rationale"])
            assert "&lt;script&gt;" in rationale and "<script>" not in rationale
            assert "<mark>" in rationale and re.search(r"<mark>medial</mark>", rationale, re.I)
            # Elasticsearch's html encoder also escapes "/" as &#x2F;.
            requests = " ".join(hit.highlights["requests"]).replace("&#x2F;", "/")
            assert "&lt;b&gt;bilateral&lt;/b&gt;" in requests and "<b>" not in requests
            assert hit.source["rationale"] == doc["rationale"]  # the stored document is unescaped
            plain = backend.search(SearchQuery(text="MBB", expansions=["medial branch block"], highlight=False))
            assert all(not h.highlights for h in plain.hits)
        finally:
            backend.delete_determinations([doc["id"]])
            backend.refresh()

    # --- guideline sections ---------------------------------------------------------------------
    def test_section_search(self, loaded):
        backend = loaded
        # Section documents as search.section_documents.section_document builds them, with the wording of
        # MTUS sections the letters quote.
        sections = [
            {"id": 1, "document": "Chronic Pain Medical Treatment Guidelines", "family": "MTUS", "title": "Opioids, criteria for use",
             "text": "Ongoing management of opioids: the 4 A's <analgesia, activities of daily living, adverse effects>.",
             "quotes": "Actual use of opioids should be documented."},
            {"id": 2, "document": "Chronic Pain Medical Treatment Guidelines", "family": "MTUS", "title": "TENS, chronic pain",
             "text": "Not recommended as a primary treatment modality, but a one-month home-based TENS trial may be considered.",
             "quotes": ""},
            {"id": 3, "document": "Low Back Complaints", "family": "ACOEM", "title": "Special Studies",
             "text": "Unequivocal objective findings that identify specific nerve compromise warrant imaging (MRI).",
             "quotes": ""},
            {"id": 4, "document": "ODG: Low Back", "family": "ODG", "title": "Facet joint diagnostic blocks (injections)",
             "text": "Recommended prior to facet neurotomy: one set of medial branch blocks.", "quotes": ""},
        ]
        backend.index_sections(sections)
        backend.refresh()
        try:
            assert backend.ids("section") == {1, 2, 3, 4}
            result = backend.search_sections(SearchQuery(text="opioid"))
            assert result_ids(result) == [1]
            assert "<mark>" in " ".join(sum(result.hits[0].highlights.values(), []))
            text = " ".join(result.hits[0].highlights.get("text", []))
            assert "&lt;analgesia" in text and "<analgesia" not in text
            every = backend.search_sections(SearchQuery())
            assert every.total == 4
            assert {fv.value: fv.count for fv in every.facets["family"]} == {"MTUS": 2, "ACOEM": 1, "ODG": 1}
            assert [fv.value for fv in every.facets["guideline_document"]][0] == "Chronic Pain Medical Treatment Guidelines"
            narrowed = backend.search_sections(SearchQuery(text="block", expansions=["medial branch block"],
                                                           filters={"family": ["ODG"]}))
            assert result_ids(narrowed) == [4]
            assert backend.search_sections(SearchQuery(filters={"guideline_document": ["Low Back Complaints"]})).total == 1
            backend.delete_sections([2])
            backend.refresh()
            assert backend.ids("section") == {1, 3, 4}
            assert backend.ids("determination") == set(indexable_determinations().values_list("id", flat=True))
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
            assert backend.search(SearchQuery(page_size=1, facets=["decision"])).total == 10
        finally:
            backend.rebuild("determination", iter(docs))
            backend.refresh()
        assert backend.count(SearchQuery()) == 150


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

        extra = [dict(d, id=2_000_000 + i) for i, d in enumerate(docs[:40])]
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
            assert loaded.count(SearchQuery()) == 190
        finally:
            loaded.delete_determinations([d["id"] for d in extra])
            loaded.refresh()
        assert loaded.count(SearchQuery()) == 150


class TestElasticsearchBackend(BackendContract):
    @pytest.fixture(scope="class")
    @classmethod
    def backend(cls, osmem_es_url):
        from search.backends.elasticsearch import ElasticsearchBackend

        backend = ElasticsearchBackend(osmem_es_url, prefix=f"test-{uuid.uuid4().hex[:8]}")
        yield backend
        backend.drop()
        backend.close()
