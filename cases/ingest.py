"""Ingest IMR letter files into Determination records: one file, one transaction, one outcome.

Used by `manage.py ingest`, the admin re-parse action and the Celery task (cases.tasks).

    outcome = ingest_file("/data/CM16-0219557.pdf")
    outcomes = ingest_paths(["/data/letters/"], progress=lambda done, total, outcome: ...)

Rules (see DEVELOPERS.md):
- Idempotent: a file whose bytes (sha256) are already stored is `unchanged` and nothing is written.
- Nothing is lost: a file that cannot be read or parsed is still stored, as a Determination with
  parse_status "failed", its sha256, source name, whatever text was extracted and the errors.
  Failed records are found again by sha256, so re-ingesting a bad file is `unchanged` too.
- One bad file never stops a batch: every exception becomes a `failed` outcome naming the file.
- determination_written is sent inside the letter's transaction, so the receivers of other apps
  (citation linking, procedure taxonomy, index queue) commit or roll back with the letter.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from django.db import IntegrityError, transaction

from .models import Determination, DeterminationRevision, DisputedItem, GuidelineCitation
from .parser import ExtractionError, ParsedLetter, extract_text, parse_text
from .signals import determination_written, ingest_batch

log = logging.getLogger(__name__)

# Real letters are 50-400 KB; anything past this is not a letter, and reading it whole could
# exhaust a worker's memory.
MAX_FILE_BYTES = 20 * 1024 * 1024
# Folders are expanded to these; a file named explicitly is ingested whatever its suffix.
LETTER_SUFFIXES = (".pdf", ".txt")

NEW, UPDATED, UNCHANGED, FAILED = "new", "updated", "unchanged", "failed"

# Scalar fields copied from ParsedLetter onto Determination (field name on both).
DATE_FIELDS = ("date_assigned", "date_of_injury", "decision_date", "ur_denial_date", "application_received")
# Fields compared to tell what a re-ingest changed (recorded in DeterminationRevision).
COMPARED_FIELDS = (
    "case_number", *DATE_FIELDS, "priority", "reviewer_licensure", "reviewer_specialty", "patient_age",
    "patient_sex", "clinical_summary", "layout", "source_name", "raw_text", "parse_status", "parse_errors",
    "parse_warnings",
)

# File signatures worth naming when a ".pdf" is not a PDF at all.
MAGIC_NAMES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (or Office document)"),
    (b"\xd0\xcf\x11\xe0", "an old-format Office document"),
    (b"{\\rtf", "an RTF document"),
    (b"<!DOCTYPE html", "an HTML page"),
    (b"<html", "an HTML page"),
)


@dataclass
class Outcome:
    status: str  # new | updated | unchanged | failed
    case_number: Optional[str]
    message: str
    determination_id: Optional[int]
    source_name: str = ""
    path: str = ""

    def line(self) -> str:
        """One human-readable line: "new CM16-0219557 (CM16-0219557.pdf)", "failed foo.pdf: encrypted PDF"."""
        if self.status == FAILED:
            return f"failed {self.source_name or self.path}: {self.message}"
        label = self.case_number or "(no case number)"
        text = f"{self.status} {label} ({self.source_name})"
        return f"{text}: {self.message}" if self.message else text


@dataclass
class Summary:
    counts: dict = field(default_factory=lambda: {NEW: 0, UPDATED: 0, UNCHANGED: 0, FAILED: 0})

    def add(self, outcome: Outcome) -> None:
        self.counts[outcome.status] = self.counts.get(outcome.status, 0) + 1

    def line(self) -> str:
        return ", ".join(f"{status}: {self.counts.get(status, 0)}" for status in (NEW, UPDATED, UNCHANGED, FAILED))


class LetterRejected(Exception):
    """A file that cannot become a parsed letter; the message says why (shown to the user)."""

    def __init__(self, message: str, text: str = ""):
        super().__init__(message)
        self.text = text


# --- reading ----------------------------------------------------------------------------------

def _read_limited(path: Path) -> tuple[bytes | None, str, int]:
    """(bytes or None when over the limit, sha256 of the whole file, size). Memory stays bounded:
    at most MAX_FILE_BYTES + 1 bytes are held; the rest of a huge file is only hashed, in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        head = handle.read(MAX_FILE_BYTES + 1)
        digest.update(head)
        size = len(head)
        if size <= MAX_FILE_BYTES:
            return head, digest.hexdigest(), size
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return None, digest.hexdigest(), size


def _is_pdf(data: bytes) -> bool:
    # The spec lets "%PDF-" appear within the first 1024 bytes (some writers prepend junk).
    return b"%PDF-" in data[:1024]


def _describe_magic(data: bytes) -> str | None:
    start = data[:64].lstrip().lower()
    for magic, name in MAGIC_NAMES:
        if start.startswith(magic.lower()):
            return name
    return None


def _extract(path: Path, data: bytes) -> str:
    """The letter's text, or LetterRejected saying why there is none. The parser's extract_text
    does the PDF and text-decoding work; the checks here only name the commonest wrong files."""
    if not data.strip():
        raise LetterRejected("empty file")
    if not _is_pdf(data):
        magic = _describe_magic(data)
        if path.suffix.lower() == ".pdf":
            raise LetterRejected(f"not a PDF (the file is {magic})" if magic else "not a PDF (no %PDF- header)")
        if magic:
            raise LetterRejected(f"not a letter: the file is {magic}")
    try:
        text = extract_text(path)
    except ExtractionError as exc:
        raise LetterRejected(str(exc) or "text extraction failed") from exc
    if not text.strip():
        raise LetterRejected("no text found in the file")
    return text


def _unprefixed(messages: Iterable[str], path: Path) -> list[str]:
    """Messages without the leading "<path>: " the parser adds: the record and the outcome line
    name the file already."""
    prefixes = (f"{path}: ", f"{path.name}: ")
    out = []
    for message in messages:
        for prefix in prefixes:
            if message.startswith(prefix):
                message = message[len(prefix):]
                break
        out.append(message)
    return out


def _parse(path: Path, data: bytes) -> tuple[ParsedLetter | None, str, list[str]]:
    """(parsed letter or None, text extracted, errors). Errors non-empty means failed."""
    try:
        text = _extract(path, data)
    except LetterRejected as exc:
        return None, exc.text, _unprefixed([str(exc)], path)
    try:
        parsed = parse_text(text, source_name=path.name)
    except Exception as exc:  # noqa: BLE001 - a parser bug fails this letter, keeping its text
        log.exception("parser crashed on %s", path)
        return None, text, [f"parser error: {type(exc).__name__}: {exc}"]
    errors = _unprefixed(parsed.errors, path)
    parsed.warnings = _unprefixed(parsed.warnings, path)
    if not errors and not parsed.items:
        errors.append("not an IMR determination letter (no disputed items found)")
    return parsed, text, errors


# --- storing ----------------------------------------------------------------------------------

def _snapshot(det: Determination) -> dict:
    data = {name: getattr(det, name) for name in COMPARED_FIELDS}
    if det.pk:
        data["items"] = [
            (i.request, i.disputed_portion, i.decision, i.rationale,
             sorted((c.party, c.order, c.kind, c.document, c.year, tuple(c.sections), c.pages, c.clause)
                    for c in i.citations.all()))
            for i in det.items.order_by("order").prefetch_related("citations")
        ]
    else:
        data["items"] = []
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
        det.parse_status = Determination.ParseStatus.FAILED
    elif p.warnings:
        det.parse_status = Determination.ParseStatus.WARNINGS
    else:
        det.parse_status = Determination.ParseStatus.OK


def _write_items(det: Determination, parsed: ParsedLetter | None) -> int:
    """Replace the record's items and citations with the parse's. Returns the number of items."""
    det.items.all().delete()  # cascades to citations (and to any rows other apps hang off them)
    if parsed is None or det.parse_status == Determination.ParseStatus.FAILED:
        return 0
    items = DisputedItem.objects.bulk_create([
        DisputedItem(
            determination=det, order=n, request=item.request, disputed_portion=item.disputed_portion,
            decision=item.decision or "", rationale=item.rationale or "",
        )
        for n, item in enumerate(parsed.items)
    ])
    if any(i.pk is None for i in items):  # backends that do not return ids from bulk inserts
        items = list(det.items.order_by("order"))
    citations = []
    for row, item in zip(items, parsed.items):
        for party in (GuidelineCitation.Party.CLAIMS_ADMINISTRATOR, GuidelineCitation.Party.MAXIMUS):
            for n, cit in enumerate(getattr(item, party.value)):
                citations.append(GuidelineCitation(
                    item=row, party=party, order=n, kind=cit.kind, document=cit.document, year=cit.year,
                    sections=list(cit.sections), pages=cit.pages, clause=cit.clause or "",
                ))
    GuidelineCitation.objects.bulk_create(citations)
    return len(items)


def _find_existing(case_number: str | None, source_name: str, failed: bool):
    """(record to update or None, case number to store). A failed parse never overwrites a good
    record: it gets its own failed record, without the case number (unique) the good one holds."""
    qs = Determination.objects.select_for_update()
    if case_number:
        det = qs.filter(case_number=case_number).first()
        if det is not None and (not failed or det.parse_status == Determination.ParseStatus.FAILED):
            return det, case_number
        if det is not None:
            case_number = None
    # Letters without a case number (the older layout) and earlier failures of the same file.
    candidates = qs.filter(case_number__isnull=True, source_name=source_name)
    if failed:
        candidates = candidates.filter(parse_status=Determination.ParseStatus.FAILED)
    return candidates.order_by("-updated_at", "-pk").first(), case_number


def _store(source_name: str, sha256: str, text: str, parsed: ParsedLetter | None, errors: list[str]) -> Outcome:
    failed = bool(errors)
    case_number = parsed.case_number if parsed else None
    with transaction.atomic():
        det, case_number = _find_existing(case_number, source_name, failed)
        if det is not None and det.sha256 == sha256:
            # Another worker stored these very bytes since our hash lookup.
            return Outcome(UNCHANGED, det.case_number, "", det.id, source_name)
        if failed and parsed and parsed.case_number and not case_number:
            errors = errors + [f"case number {parsed.case_number} is already stored from a letter that parsed"]
        before = _snapshot(det) if det is not None else None
        previous_sha, previous_text = (det.sha256, det.raw_text) if det is not None else ("", "")
        if det is None:
            det = Determination()
        det.case_number = case_number
        det.source_name = source_name
        det.sha256 = sha256
        det.raw_text = text
        _apply_letter(det, parsed, errors)
        det.save()
        _write_items(det, parsed)
        if before is not None:
            after = _snapshot(det)
            changed = [name for name in after if after[name] != before[name]]
            DeterminationRevision.objects.create(
                determination=det, source_name=source_name, previous_sha256=previous_sha, new_sha256=sha256,
                changed_fields=changed, previous_raw_text=previous_text,
            )
        if not failed:
            # Earlier failures of these very bytes (e.g. a receiver error, since fixed, then a
            # forced re-ingest) are stale: the letter they kept is now stored here.
            Determination.objects.filter(sha256=sha256, parse_status=Determination.ParseStatus.FAILED).exclude(
                pk=det.pk).delete()
        determination_written.send(sender=Determination, determination_id=det.id)
    if failed:
        status, message = FAILED, "; ".join(errors)
    else:
        status = UPDATED if before is not None else NEW
        message = "" if status == NEW else "changed: " + (", ".join(changed) or "file bytes only")
    return Outcome(status, det.case_number, message, det.id, source_name)


def _store_failure(source_name: str, sha256: str, text: str, message: str) -> Optional[int]:
    """Last resort after an unexpected error: keep the file's record with the error. No signal:
    the error may have come from a receiver, and a failed record has nothing to link or index."""
    try:
        with transaction.atomic():
            det = Determination.objects.filter(sha256=sha256, parse_status=Determination.ParseStatus.FAILED).first()
            det = det or Determination(source_name=source_name, sha256=sha256)
            det.raw_text = text
            det.parse_status = Determination.ParseStatus.FAILED
            det.parse_errors = [message]
            det.save()
            return det.id
    except Exception:  # noqa: BLE001 - the outcome already reports the original error
        log.exception("could not store the failure of %s", source_name)
        return None


def ingest_file(path: str | Path, force: bool = False) -> Outcome:
    """Ingest one file. Never raises for a bad file: the outcome says what happened.
    force: re-parse and rewrite even when the same bytes are already stored."""
    path = Path(path)
    name = path.name
    sha256, text = "", ""
    try:
        try:
            data, sha256, size = _read_limited(path)
        except OSError as exc:
            return Outcome(FAILED, None, f"cannot read file: {exc.strerror or exc}", None, name, str(path))

        existing = Determination.objects.filter(sha256=sha256).order_by("pk").first()
        if existing is not None and not force:
            notes = [] if existing.source_name == name else [f"same content as {existing.source_name}"]
            if existing.parse_status == Determination.ParseStatus.FAILED:
                notes.append("stored earlier as failed: " + "; ".join(existing.parse_errors or []))
            return Outcome(UNCHANGED, existing.case_number, "; ".join(notes), existing.id, name, str(path))

        if data is None:
            parsed, errors = None, [f"file too large ({size / 1048576:.1f} MB; the limit is "
                                    f"{MAX_FILE_BYTES // 1048576} MB)"]
        else:
            parsed, text, errors = _parse(path, data)
        for attempt in (1, 2):
            try:
                if existing is not None and force and existing.parse_status != Determination.ParseStatus.FAILED:
                    outcome = _rewrite(existing, parsed, text, errors, source_name=name)
                else:
                    outcome = _store(name, sha256, text, parsed, errors)
                break
            except IntegrityError:
                # Another worker stored the same case number meanwhile: the retry updates it.
                if attempt == 2:
                    raise
        outcome.path = str(path)
        return outcome
    except Exception as exc:  # noqa: BLE001 - one file never stops a batch
        log.exception("ingest of %s failed", path)
        message = f"{type(exc).__name__}: {exc}"
        det_id = _store_failure(name, sha256, text, message) if sha256 else None
        return Outcome(FAILED, None, message, det_id, name, str(path))


def _rewrite(det: Determination, parsed: ParsedLetter | None, text: str, errors: list[str],
             source_name: str | None = None) -> Outcome:
    """Rewrite an existing record from a fresh parse of the same letter (no revision: the letter
    itself did not change). Used by re-parse and forced re-ingest."""
    failed = bool(errors)
    if failed and det.parse_status != Determination.ParseStatus.FAILED:
        # Same rule as ingest: a failed parse never overwrites a record that parsed.
        return Outcome(FAILED, det.case_number, "; ".join(errors) + " (the stored version is kept)", det.id,
                       det.source_name)
    with transaction.atomic():
        det = Determination.objects.select_for_update().get(pk=det.pk)
        if not failed and parsed and parsed.case_number:
            det.case_number = parsed.case_number
        if source_name:
            det.source_name = source_name
        det.raw_text = text
        _apply_letter(det, parsed, errors)
        det.save()
        _write_items(det, parsed)
        determination_written.send(sender=Determination, determination_id=det.id)
    if failed:
        return Outcome(FAILED, det.case_number, "; ".join(errors), det.id, det.source_name)
    return Outcome(UPDATED, det.case_number, "re-parsed", det.id, det.source_name)


def reparse_determination(det: Determination) -> Outcome:
    """Re-parse a stored letter from its raw text (after a parser fix) and rewrite its items."""
    try:
        if not det.raw_text.strip():
            return Outcome(FAILED, det.case_number, "no stored text to re-parse", det.id, det.source_name)
        parsed = parse_text(det.raw_text, source_name=det.source_name)
        errors = _unprefixed(parsed.errors, Path(det.source_name))
        parsed.warnings = _unprefixed(parsed.warnings, Path(det.source_name))
        if not errors and not parsed.items:
            errors.append("not an IMR determination letter (no disputed items found)")
        return _rewrite(det, parsed, det.raw_text, errors)
    except IntegrityError:
        return Outcome(FAILED, det.case_number, "the re-parsed case number belongs to another record",
                       det.id, det.source_name)
    except Exception as exc:  # noqa: BLE001 - reported per letter
        log.exception("re-parse of determination %s failed", det.pk)
        return Outcome(FAILED, det.case_number, f"{type(exc).__name__}: {exc}", det.id, det.source_name)


# --- batches ----------------------------------------------------------------------------------

def expand_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[Outcome]]:
    """Files to ingest (folders expanded recursively to *.pdf and *.txt, sorted; files given
    explicitly kept whatever their suffix) and failed outcomes for paths that do not exist."""
    files: list[Path] = []
    missing: list[Outcome] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in LETTER_SUFFIXES)
        elif path.is_file():
            found = [path]
        else:
            missing.append(Outcome(FAILED, None, "no such file or folder", None, path.name, str(path)))
            continue
        for p in found:
            key = p.resolve()
            if key not in seen:
                seen.add(key)
                files.append(p)
    return files, missing


def ingest_paths(
    paths: Iterable[str | Path],
    progress: Callable[[int, int, Outcome], None] | None = None,
    force: bool = False,
) -> list[Outcome]:
    """Ingest files and folders; one outcome per file (and per missing path), in order.
    progress(done, total, outcome) is called after each file."""
    files, outcomes = expand_paths(paths)
    total = len(files) + len(outcomes)
    for n, outcome in enumerate(outcomes, 1):
        if progress:
            progress(n, total, outcome)
    with ingest_batch():
        for path in files:
            outcome = ingest_file(path, force=force)
            outcomes.append(outcome)
            if progress:
                progress(len(outcomes), total, outcome)
    return outcomes
