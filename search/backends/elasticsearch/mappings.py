"""Elasticsearch mappings: one document per decision (its letter's fields copied), and sections.

Why flat decision documents rather than letters with `nested` decisions: both engines then index
the same shape and run the same query, field for field (tantivy has no nested documents), every
facet is a plain terms aggregation over decisions, and letters are grouped at query time with
`collapse`. Measured on osmem-server by bench/es_layout.py (see the README's benchmarks).

Text is analysed twice, as in the embedded backend: stemmed (`english_stem`) for typed words,
unstemmed (`exact_words`) for the taxonomy's phrases ("positional MRI" must not match "positive").
"""

from __future__ import annotations

from elasticsearch_dsl import (
    Boolean,
    Date,
    Document,
    Integer,
    Keyword,
    Long,
    Object,
    Text,
    analyzer,
    char_filter,
    token_filter,
)

from search.facets import DECISION_FACETS, searchable_names, single_valued

# Split on anything that is not a letter or digit, like tantivy's simple tokenizer: the standard
# (UAX#29) tokenizer alone keeps "Norco.Subjective" (a missing space in a letter) as one word.
# Done with a char filter in front of the standard tokenizer because osmem-server indexes with
# pattern/char_group tokenizers wrongly (it keeps the separators as tokens; _analyze is right).
non_alnum_to_space = char_filter("non_alnum_to_space", "pattern_replace", pattern="[^\\p{L}\\p{N}]", replacement=" ")
# No stop words, matching tantivy's "en_stem": a required "of" must not make a query fail.
english_stem = analyzer(
    "english_stem",
    tokenizer="standard",
    char_filter=[non_alnum_to_space],
    filter=["lowercase", token_filter("english_snowball", type="snowball", language="English")],
)
exact_words = analyzer("exact_words", tokenizer="standard", char_filter=[non_alnum_to_space], filter=["lowercase"])


def _text():
    return Text(analyzer=english_stem, fields={"exact": Text(analyzer=exact_words)})


class DecisionDoc(Document):
    id = Long()
    letter_id = Long()
    first = Boolean()
    order = Integer()
    n_decisions = Integer()
    case_number = Keyword()
    decision_date = Date()
    decision_year = Keyword()
    decision_month = Keyword()
    ingested_at = Date()
    date_assigned = Date()
    days_to_decision = Integer()
    priority = Keyword()
    specialty = Keyword()
    licensure = Keyword()
    patient_age = Integer()
    patient_sex = Keyword()
    request = Text(index=False)
    disputed_portion = Text(index=False)
    title = Text(index=False)
    decision = Keyword()
    procedure = Keyword()
    procedure_category = Keyword()
    body_region = Keyword()
    regions = Keyword()
    laterality = Keyword()
    guideline_document = Keyword()
    guideline_section = Keyword()
    sections = Object(enabled=False)
    # Searched text (request_text = the request and its disputed portion; names = the
    # procedure, region, guideline and specialty names and the case number).
    request_text = _text()
    rationale = _text()
    summary = _text()
    quotes = Text(analyzer=english_stem)
    names = Text(analyzer=english_stem)


# A facet declared in search.facets and not above is a keyword field like the others.
for _facet in DECISION_FACETS:
    if _facet.name not in DecisionDoc._doc_type.mapping:
        DecisionDoc._doc_type.mapping.field(_facet.name, Keyword())


class SectionDoc(Document):
    id = Integer()
    document = Keyword()
    family = Keyword()
    title = Text(analyzer=english_stem)
    text = Text(analyzer=english_stem)
    quotes = Text(analyzer=english_stem)
    url = Keyword(index=False)


def decision_source(doc: dict) -> dict:
    """The decision document as indexed: search.documents' fields plus the searched ones."""
    names = searchable_names(doc)
    # Elasticsearch counts "" as a facet value; tantivy (and the contract) has no such value.
    blanks = {k: None for k in (*single_valued(), "decision_month") if doc.get(k) == ""}
    return {
        **doc,
        **blanks,
        "request_text": "\n".join(t for t in (doc.get("request"), doc.get("disputed_portion")) if t),
        "names": "\n".join(n for n in names if n),
    }
