"""Step 5 of the ingest pipeline: letters, items and citations into the database, in bulk.

    plan = match_letters(letters, force)     # which record each letter becomes (a few queries)
    written = write_letters(plan)            # inserts and updates for the whole batch

Rules (see DEVELOPERS.md):
- Idempotent: a file whose bytes (sha256, unique) are stored already is `unchanged`.
- A letter is matched to its stored record by case number, or (letters without one, failed
  files) by source name; a changed letter updates that record and records a revision.
- A failed parse never overwrites a record that parsed: it gets its own failed record, without
  the case number the good one holds.
Called inside the pipeline's transaction; the caller links, quotes and queues afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from cases.models import Determination, DeterminationRevision, DisputedItem, GuidelineCitation
from cases.parser import ParsedLetter
from guidelines.models import CitationLink, QuotedPassage
from pipeline.outcomes import FAILED, NEW, UNCHANGED, UPDATED

FAILED_STATUS = Determination.ParseStatus.FAILED
# Scalar fields copied from ParsedLetter onto Determination (field name on both).
DATE_FIELDS = ("date_assigned", "date_of_injury", "decision_date", "ur_denial_date", "application_received")
LETTER_FIELDS = (
    "case_number",
    *DATE_FIELDS,
    "priority",
    "reviewer_licensure",
    "reviewer_specialty",
    "patient_age",
    "patient_sex",
    "clinical_summary",
    "layout",
    "source_name",
    "sha256",
    "raw_text",
    "parse_status",
    "parse_errors",
    "parse_warnings",
    "original",
    "updated_at",
)
# Fields compared to tell what a re-ingest changed (recorded in DeterminationRevision).
COMPARED_FIELDS = (
    "case_number",
    *DATE_FIELDS,
    "priority",
    "reviewer_licensure",
    "reviewer_specialty",
    "patient_age",
    "patient_sex",
    "clinical_summary",
    "layout",
    "source_name",
    "raw_text",
    "parse_status",
    "parse_errors",
    "parse_warnings",
)
PARTIES = (GuidelineCitation.Party.CLAIMS_ADMINISTRATOR, GuidelineCitation.Party.MAXIMUS)


@dataclass
class Write:
    """One letter's write: the record (new or existing) and what became of it."""

    letter: object  # pipeline.ingest.Letter
    det: Determination
    status: str
    message: str = ""
    writes: bool = True  # False: unchanged, or a failed parse leaving the stored record as it was
    before: dict | None = None  # snapshot of an updated record, for its revision
    previous: tuple[str, str] = ("", "")  # (sha256, raw_text) before the update
    rewrite: bool = False  # the same bytes re-parsed (forced): no revision
    stale_failure: int | None = None  # a failed record of these bytes, replaced by this write
    items: list[tuple[DisputedItem, list[GuidelineCitation]]] = field(default_factory=list)


def stored_by_sha(shas, full: bool = False) -> dict[str, Determination]:
    """The records holding these bytes; full: every field (they are about to be rewritten)."""
    shas = [s for s in set(shas) if s]
    if not shas:
        return {}
    rows = Determination.objects.filter(sha256__in=shas)
    if not full:
        rows = rows.only("id", "sha256", "case_number", "source_name", "parse_status", "parse_errors", "original")
    return {d.sha256: d for d in rows}


def unchanged_outcome(letter, det: Determination) -> tuple[str, str]:
    """(status, message) of a file whose bytes are stored already. A letter stored as failed
    stays failed: it counts as failed (so --fail-on-error sees it) until a fixed parser or a
    fixed file changes that."""
    notes = [] if det.source_name == letter.name else [f"same content as {det.source_name}"]
    if det.parse_status == FAILED_STATUS:
        return FAILED, "; ".join(notes + ["unchanged, stored earlier as failed: " + "; ".join(det.parse_errors or [])])
    return UNCHANGED, "; ".join(notes)


def _snapshot(det: Determination) -> dict:
    data = {name: getattr(det, name) for name in COMPARED_FIELDS}
    data["items"] = [
        (
            i.request,
            i.disputed_portion,
            i.decision,
            i.rationale,
            sorted(
                (c.party, c.order, c.kind, c.document, c.year, tuple(c.sections), c.pages, c.clause)
                for c in i.citations.all()
            ),
        )
        for i in det.items.order_by("order").prefetch_related("citations")
    ]
    return data


def _apply_letter(det: Determination, parsed: ParsedLetter | None, errors: list[str]) -> None:
    """Copy the parse onto the record (no save). A failed parse keeps only what the parser found."""
    p = parsed or ParsedLetter()
    for name in DATE_FIELDS:
        setattr(det, name, getattr(p, name))
    det.priority = p.priority or ""
    det.reviewer_licensure = list(p.reviewer.licensure)
    det.reviewer_specialty = list(p.reviewer.specialty)
    det.patient_age = p.patient.age
    det.patient_sex = p.patient.sex or ""
    det.clinical_summary = p.clinical_summary or ""
    det.layout = p.layout or ""
    det.parse_errors = list(errors)
    det.parse_warnings = list(p.warnings)
    if errors:
        det.parse_status = FAILED_STATUS
    elif p.warnings:
        det.parse_status = Determination.ParseStatus.WARNINGS
    else:
        det.parse_status = Determination.ParseStatus.OK


def keys_of(letter) -> set:
    """What a letter may collide on with another letter of the same batch."""
    keys = {("sha", letter.sha256)} if letter.sha256 else set()
    case = letter.work.parsed.case_number if letter.work and letter.work.parsed else None
    keys.add(("case", case) if case else ("name", letter.name))
    return keys


def match_letters(letters, force: bool) -> list[Write]:
    """Decide, for letters whose keys do not collide with each other, which record each one
    becomes. Reads: the records with these bytes, case numbers and (when needed) source names."""
    by_sha = stored_by_sha((letter.sha256 for letter in letters), full=force)
    cases = {lt.work.parsed.case_number for lt in letters if lt.work.parsed and lt.work.parsed.case_number}
    by_case = {d.case_number: d for d in Determination.objects.filter(case_number__in=cases)} if cases else {}
    # Letters without a case number (the older layout) and failed files are found by name.
    names = {lt.name for lt in letters if lt.work.errors or not (lt.work.parsed and lt.work.parsed.case_number)}
    names |= {
        lt.name
        for lt in letters
        if lt.work.parsed
        and lt.work.parsed.case_number in by_case
        and by_case[lt.work.parsed.case_number].parse_status != FAILED_STATUS
        and lt.work.errors
    }
    caseless: dict[str, list[Determination]] = {}
    if names:
        for d in Determination.objects.filter(case_number__isnull=True, source_name__in=names).order_by(
            "-updated_at", "-pk"
        ):
            caseless.setdefault(d.source_name, []).append(d)
    return [_match(letter, by_sha.get(letter.sha256), by_case, caseless, force) for letter in letters]


def _match(letter, same_bytes, by_case, caseless, force: bool) -> Write:
    work = letter.work
    errors = list(work.errors)
    failed = bool(errors)
    parsed = work.parsed
    case_number = parsed.case_number if parsed else None
    if same_bytes is not None and not force:
        status, message = unchanged_outcome(letter, same_bytes)
        return Write(letter, same_bytes, status, message, writes=False)
    target, rewrite = None, False
    if same_bytes is not None and same_bytes.parse_status != FAILED_STATUS:
        # Forced re-parse of bytes stored as a good record: rewrite that record, never a second one.
        if failed:
            return Write(letter, same_bytes, FAILED, "; ".join(errors) + " (the stored version is kept)", writes=False)
        target, rewrite = same_bytes, True
        case_number = case_number or target.case_number
    elif same_bytes is not None and failed:
        target, rewrite = same_bytes, True  # these bytes fail again
    if target is None and case_number:
        found = by_case.get(case_number)
        if found is not None and (not failed or found.parse_status == FAILED_STATUS):
            target = found
        elif found is not None:
            errors.append(f"case number {case_number} is already stored from a letter that parsed")
            case_number = None
    if target is None and not case_number:
        for candidate in caseless.get(letter.name, []):
            if not failed or candidate.parse_status == FAILED_STATUS:
                target = candidate
                break
    if target is None and same_bytes is not None:
        # The failed record of these bytes now parses (a fixed parser): it becomes the letter.
        target, rewrite = same_bytes, True
    write = Write(letter, target or Determination(), NEW if target is None else UPDATED, rewrite=rewrite)
    if target is not None and not rewrite:
        write.before = _snapshot(target)
        write.previous = (target.sha256, target.raw_text)
    if same_bytes is not None and (target is None or target.pk != same_bytes.pk):
        # An earlier failure of these very bytes is stale: the letter it kept is stored here now.
        write.stale_failure = same_bytes.pk
    det = write.det
    det.case_number = case_number
    det.source_name = letter.name
    det.sha256 = letter.sha256
    det.raw_text = work.text
    if letter.original_name:
        det.original.name = letter.original_name
    det.updated_at = timezone.now()
    _apply_letter(det, parsed, errors)
    if failed:
        write.status, write.message = FAILED, "; ".join(errors)
    return write


def _delete_where_in(model, column: str, subquery) -> None:
    """DELETE FROM model WHERE column IN (subquery): one statement, no rows fetched (the ORM's
    delete() loads every row, rationales and all, to cascade by hand)."""
    sql, params = subquery.query.sql_with_params()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quote(model._meta.db_table)} WHERE {quote(column)} IN ({sql})", params)


def _delete_items(det_ids: list[int]) -> None:
    """Remove the items of these letters and all that hangs off them, children first."""
    if not det_ids:
        return
    # order_by(): the models' default ordering would join the letters into every subquery.
    items = DisputedItem.objects.filter(determination_id__in=det_ids).order_by().values("pk")
    citations = GuidelineCitation.objects.filter(item__determination_id__in=det_ids).order_by().values("pk")
    links = CitationLink.objects.filter(citation__item__determination_id__in=det_ids).order_by().values("pk")
    _delete_where_in(CitationLink.sections.through, "citationlink_id", links)
    _delete_where_in(QuotedPassage, "item_id", items)
    _delete_where_in(CitationLink, "citation_id", citations)
    _delete_where_in(GuidelineCitation, "item_id", items)
    _delete_where_in(
        DisputedItem, "determination_id", Determination.objects.filter(pk__in=det_ids).order_by().values("pk")
    )


def write_letters(writes: list[Write]) -> list[Write]:
    """Insert or update the records of these writes, replace their items and citations, record
    revisions. Returns the writes that stored a letter that parsed (to link, quote and index)."""
    stale = [w.stale_failure for w in writes if w.stale_failure]
    if stale:  # first: sha256 is unique
        Determination.objects.filter(pk__in=stale, parse_status=FAILED_STATUS).delete()
    active = [w for w in writes if w.writes]
    new = [w for w in active if w.det.pk is None]
    old = [w for w in active if w.det.pk is not None]
    Determination.objects.bulk_create([w.det for w in new])
    if old:
        # An upsert on the primary key: one statement (bulk_update's CASE per field and row costs
        # milliseconds a letter to build).
        Determination.objects.bulk_create(
            [w.det for w in old], update_conflicts=True, unique_fields=["id"], update_fields=list(LETTER_FIELDS)
        )
        _delete_items([w.det.pk for w in old])
    parsed = [w for w in active if w.det.parse_status != FAILED_STATUS]
    _write_items(parsed)
    revisions = []
    for w in old:
        if w.rewrite:
            w.message = "re-parsed" if w.status == UPDATED else w.message
            continue
        after = _snapshot(w.det)
        changed = [name for name in after if after[name] != w.before[name]]
        revisions.append(
            DeterminationRevision(
                determination=w.det,
                source_name=w.det.source_name,
                previous_sha256=w.previous[0],
                new_sha256=w.det.sha256,
                changed_fields=changed,
                previous_raw_text=w.previous[1],
            )
        )
        if w.status == UPDATED:
            w.message = "changed: " + (", ".join(changed) or "file bytes only")
    DeterminationRevision.objects.bulk_create(revisions)
    return parsed


def _write_items(writes: list[Write]) -> None:
    """Items (classified) and citations of parsed letters: two bulk inserts for the batch."""
    items = []
    for w in writes:
        parsed, classes = w.letter.work.parsed, w.letter.work.classes
        w.items = []
        for n, (item, values) in enumerate(zip(parsed.items, classes)):
            row = item_row(item, n, values, w.det)
            w.items.append((row, []))
            items.append(row)
    DisputedItem.objects.bulk_create(items)
    citations = []
    for w in writes:
        for (row, cits), item in zip(w.items, w.letter.work.parsed.items):
            cits += citation_rows(item, row)
            citations += cits
    GuidelineCitation.objects.bulk_create(citations)


def item_row(item, n: int, classes: dict, det: Determination | None = None) -> DisputedItem:
    return DisputedItem(
        determination=det,
        order=n,
        request=item.request,
        disputed_portion=item.disputed_portion,
        decision=item.decision or "",
        rationale=item.rationale or "",
        **classes,
    )


def citation_rows(item, row: DisputedItem | None = None) -> list[GuidelineCitation]:
    """A parsed item's citations as rows, in their stored order (claims administrator's, then
    the MAXIMUS reviewer's)."""
    return [
        GuidelineCitation(
            item=row,
            party=party,
            order=n,
            kind=c.kind,
            document=c.document,
            year=c.year,
            sections=list(c.sections),
            pages=c.pages,
            clause=c.clause or "",
        )
        for party in PARTIES
        for n, c in enumerate(getattr(item, party.value))
    ]


def failure_record(name: str, sha256: str, text: str, message: str, original: str = "") -> Determination:
    """Keep a file that could not be stored normally (an unexpected error): its record with the
    error, found again by its bytes (or, with none, by name)."""
    query = Q(sha256=sha256) if sha256 else Q(sha256="", source_name=name, parse_status=FAILED_STATUS)
    det = Determination.objects.filter(query).first() or Determination(source_name=name, sha256=sha256)
    if det.parse_status != FAILED_STATUS and det.pk is not None:
        return det  # these bytes are stored as a good letter already: nothing to record over it
    det.source_name = name
    det.raw_text = text
    det.parse_status = FAILED_STATUS
    det.parse_errors = [message]
    if original:
        det.original.name = original
    det.save()
    return det
