"""Django glue for the procedure taxonomy: fills a DisputedItem's classification (procedure,
category, DWC request category, body region, laterality, confidence, deciding signal, the signals
seen) from procedures.taxonomy.classify, with the sections its reviewer relies on and a clerk's
choices (procedures.models).

    values = classification(request, cited=..., rules=cached_rules())   # ingest workers: no database
    changed, letters = classify_items(items)                              # stored items: reclassify

Called explicitly: the ingest pipeline classifies each item in its worker processes, before the
letter's transaction (pipeline.parsing); `manage.py reclassify`, a clerk's choice and an admin edit
recompute stored items (pipeline).

Two kinds of choices a person makes: a rule for every request it applies to (an alias or a
section mapping from the review queue, procedures.models, applied by `classify`), and the
classification of one decision chosen by hand in the admin, stored with taxonomy_version MANUAL:
the taxonomy does not overrule it (re-derivation after an edit, `reclassify`, `reclassify --all`
leave it); clearing it in the admin gives the item back to the taxonomy. Re-parsing a letter
builds its items again from the letter, with the taxonomy's classification.
"""

from __future__ import annotations

from typing import Iterable, Optional

from django.db import connection

from cases.models import DisputedItem, GuidelineCitation
from guidelines.models import CitationLink, GuidelineSection
from procedures.models import ProcedureAlias, SectionProcedure
from procedures.taxonomy import Cited, Rules, Taxonomy, classify, default_taxonomy
from procedures.taxonomy.classify import alias_index

FIELDS = [
    "procedure",
    "procedure_category",
    "body_region",
    "laterality",
    "taxonomy_version",
    "request_category",
    "classification_confidence",
    "classification_signal",
    "classification_evidence",
    "classification_signals",
]
MANUAL = "manual"  # taxonomy_version of a classification a person chose for one decision
# Decisions below this confidence (or left "other") are listed in the admin's review queue.
REVIEW_BELOW = 0.7
MAXIMUS = GuidelineCitation.Party.MAXIMUS
CHUNK = 1000


# --- a clerk's choices, once per process ---------------------------------------------------------


def rules_version() -> tuple:
    """One query telling whether a clerk's choices changed (counts and last changes)."""
    aliases, sections = (connection.ops.quote_name(m._meta.db_table) for m in (ProcedureAlias, SectionProcedure))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {aliases}), (SELECT MAX(updated_at) FROM {aliases}),"
            f" (SELECT COUNT(*) FROM {sections}), (SELECT MAX(updated_at) FROM {sections})"
        )
        return tuple(str(v) for v in cursor.fetchone())


def load_rules(taxonomy: Optional[Taxonomy] = None, version: tuple = ()) -> Rules:
    tax = taxonomy or default_taxonomy()
    names = {p.name for p in tax.procedures}
    index = alias_index(
        tax,
        [(phrase, proc) for phrase, proc in ProcedureAlias.objects.values_list("phrase", "procedure") if proc in names],
    )
    sections = {
        f"{slug}/{anchor}": procedure
        for slug, anchor, procedure in SectionProcedure.objects.values_list(
            "section__document__slug", "section__anchor", "procedure"
        )
        if procedure in names
    }
    return Rules(aliases=index, sections=sections, version=version)


_cache: dict = {}


def current_rules() -> Rules:
    """The clerk's choices, reloaded when they changed since this process read them."""
    version = rules_version()
    if _cache.get("rules") is None or _cache["rules"].version != version:
        _cache["rules"] = load_rules(version=version)
    return _cache["rules"]


def cached_rules() -> Rules:
    """The choices this process read last, without asking the database (the ingest workers: the
    writer refreshes them before it forks them)."""
    return _cache.get("rules") or Rules()


def clear_cache() -> None:
    _cache.clear()


# --- one request -----------------------------------------------------------------------------------


def classification(
    request: str,
    taxonomy: Optional[Taxonomy] = None,
    cited: Iterable[Cited] = (),
    rules: Optional[Rules] = None,
) -> dict:
    """The classification fields of a disputed item with this request (DisputedItem field -> value)."""
    tax = taxonomy or default_taxonomy()
    # The disputed portion (what is left for IMR after a partial authorisation) names the same
    # service; the request as written decides the procedure.
    result = classify(request or "", tax, cited=cited, rules=rules)
    return {
        "procedure": result.procedure[:120],
        "procedure_category": result.category[:80],
        "body_region": result.body_region[:80],
        "laterality": result.laterality[:16],
        "taxonomy_version": tax.version,
        "request_category": result.dwc[:120],
        "classification_confidence": result.confidence,
        "classification_signal": result.signal[:16],
        "classification_evidence": result.evidence[:200],
        "classification_signals": [s.to_dict() for s in result.signals],
    }


def cited_sections(citations: Iterable, linked: dict[int, list[tuple[str, str]]]) -> list[Cited]:
    """What the reviewer relies on, for the section signal: for each of the MAXIMUS citations (in
    their order; objects with party, kind, document, sections, clause), the catalog sections it
    links to (linked: position of the citation -> [(key, title)]), else the sections as cited, and
    the text of a Non-MTUS citation (an ODG topic named in it)."""
    out: list[Cited] = []
    for n, c in enumerate(citations):
        if c.party != MAXIMUS:
            continue
        sections = linked.get(n) or []
        if sections:
            out += [Cited(title=title, key=key) for key, title in sections]
        else:
            out += [Cited(title=s) for s in c.sections or [] if s]
        if c.kind == GuidelineCitation.Kind.NON_MTUS:
            out.append(Cited(text=c.document or c.clause or ""))
    return out


# --- one decision classified by hand (the admin) ------------------------------------------------------


class UnknownClassification(ValueError):
    """A procedure or body region the taxonomy does not have."""


def procedure_names(taxonomy: Optional[Taxonomy] = None) -> list[str]:
    """Every procedure a decision can be classified as, the taxonomy's order, then "other"."""
    tax = taxonomy or default_taxonomy()
    return [p.name for p in tax.procedures] + [tax.other_procedure]


def region_names(taxonomy: Optional[Taxonomy] = None) -> list[str]:
    tax = taxonomy or default_taxonomy()
    return [r.name for r in tax.regions] + [tax.multiple_region, tax.unspecified_region]


def manual_classification(
    procedure: str, body_region: str, laterality: str, taxonomy: Optional[Taxonomy] = None
) -> dict:
    """The classification fields for a person's choice: the category and the DWC request category
    follow the procedure; the deciding signal is "manual", with full confidence."""
    tax = taxonomy or default_taxonomy()
    if procedure == tax.other_procedure:
        category, dwc = tax.other_category, ""
    else:
        try:
            proc = tax.procedure(procedure)
        except KeyError:
            raise UnknownClassification(f"procedure {procedure!r} is not in the taxonomy") from None
        category, dwc = proc.category, tax.dwc_for(proc)
    if body_region not in region_names(tax):
        raise UnknownClassification(f"body region {body_region!r} is not in the taxonomy")
    return {
        "procedure": procedure,
        "procedure_category": category,
        "body_region": body_region,
        "laterality": laterality,
        "taxonomy_version": MANUAL,
        "request_category": dwc,
        "classification_confidence": 1.0,
        "classification_signal": MANUAL,
        "classification_evidence": "chosen in the admin",
        "classification_signals": [],
    }


# --- stored items ------------------------------------------------------------------------------------


class SectionTitles:
    """Catalog section id -> ("<document slug>/<anchor>", title), read once per run."""

    def __init__(self):
        self.known = {
            pk: (f"{slug}/{anchor}", title)
            for pk, slug, anchor, title in GuidelineSection.objects.values_list(
                "pk", "document__slug", "anchor", "title"
            )
        }


def _cited_by_item(item_ids: list[int], titles: SectionTitles) -> dict[int, list[Cited]]:
    """The sections each item's reviewer relies on: two queries for a chunk of items."""
    citations: dict[int, list[GuidelineCitation]] = {}
    rows = (
        GuidelineCitation.objects.filter(item_id__in=item_ids, party=MAXIMUS)
        .order_by("item_id", "order", "pk")
        .only("id", "item_id", "party", "kind", "document", "sections", "clause")
    )
    for c in rows:
        citations.setdefault(c.item_id, []).append(c)
    ids = [c.pk for cs in citations.values() for c in cs]
    sections: dict[int, list[int]] = {}
    through = CitationLink.sections.through
    for citation_id, section_id in (
        through.objects.filter(citationlink__citation_id__in=ids)
        .order_by("citationlink__citation_id", "guidelinesection_id")
        .values_list("citationlink__citation_id", "guidelinesection_id")
    ):
        sections.setdefault(citation_id, []).append(section_id)
    out = {}
    for item_id, cs in citations.items():
        linked = {n: [titles.known[s] for s in sections.get(c.pk, []) if s in titles.known] for n, c in enumerate(cs)}
        out[item_id] = cited_sections(cs, linked)
    return out


def classify_item(
    item: DisputedItem, taxonomy: Optional[Taxonomy] = None, cited: Iterable[Cited] = (), rules: Optional[Rules] = None
) -> bool:
    """Set the classification fields on `item` (not saved). True when anything changed. A person's
    choice for this decision (MANUAL) is left as it is."""
    if item.taxonomy_version == MANUAL:
        return False
    values = classification(item.request, taxonomy, cited, rules)
    changed = any(getattr(item, k) != v for k, v in values.items())
    for k, v in values.items():
        setattr(item, k, v)
    return changed


def _chunks(items: Iterable[DisputedItem], size: int):
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _bulk_update(items: list[DisputedItem]) -> None:
    """One UPDATE per row, in the caller's transaction: Django's bulk_update builds a CASE over
    every field and row, which costs more than the classification itself at 100k rows."""
    columns = [DisputedItem._meta.get_field(f) for f in FIELDS]
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(DisputedItem._meta.db_table)} SET "
        + ", ".join(f"{quote(c.column)} = %s" for c in columns)
        + f" WHERE {quote('id')} = %s"
    )
    rows = [[c.get_db_prep_save(getattr(item, c.attname), connection) for c in columns] + [item.pk] for item in items]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def classify_items(
    items: Iterable[DisputedItem],
    taxonomy: Optional[Taxonomy] = None,
    rules: Optional[Rules] = None,
    batch_size: int = CHUNK,
    dry_run: bool = False,
) -> tuple[int, set[int]]:
    """Classify and save items (they need id, determination_id and request), reading the sections
    their reviewers rely on. Returns (items changed, ids of their determinations)."""
    tax = taxonomy or default_taxonomy()
    rules = rules if rules is not None else current_rules()
    titles = SectionTitles()
    total = 0
    determinations: set[int] = set()
    for chunk in _chunks(items, batch_size):
        cited = _cited_by_item([i.pk for i in chunk], titles)
        changed = [item for item in chunk if classify_item(item, tax, cited.get(item.pk, ()), rules)]
        if changed and not dry_run:
            _bulk_update(changed)
        total += len(changed)
        determinations.update(item.determination_id for item in changed)
    return total, determinations
