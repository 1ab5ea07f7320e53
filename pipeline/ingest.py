"""The ingest pipeline: letter files in; letters stored, linked, classified, quoted and queued
for the search index out. `manage.py ingest`, `manage.py reparse`, the Celery tasks (pipeline.tasks),
ingest jobs (pipeline.jobs) and the admin's re-parse all come here.

    outcomes = ingest_paths(["/data/letters/"], workers=2, progress=lambda done, total, outcome: ...)
    outcome = ingest_file("/data/CM16-0219557.pdf")
    outcomes = reparse_letters(determination_ids)       # from the stored text (after a parser fix)

A run goes through its files in batches (BATCH letters), each batch in this order:

  1. read      each file's bytes and SHA-256; keep the original (file storage, named by SHA-256)
  2. skip      files whose bytes are stored already: `unchanged` (one query for the batch)
  3. extract   the text of the PDF or text file  }  in worker processes (workers > 1), while this
  4. parse     the letter, classify each item    }  process writes the batch before
  then, in ONE database transaction for the batch:
  5. store     the letters (new, or updated with a revision), their items and citations
  6. link      the citations to guideline sections (guidelines.linking)
  7. quotes    the reviewers' quotes of guidelines, with the section each relies on
  8. queue     each letter once for the search index (search.sync: a row in this transaction),
               and the guideline sections the batch quotes
  9. record    each file's outcome in its ingest job, if any (pipeline.jobs)
  and after commit, every DISPATCH_EVERY letters and at the end: have the index queue applied
  (search.tasks.dispatch: a Celery task with the ids, or in-process without a broker). The
  sections' rows are applied at the end of a bulk run (the commands) or by the periodic
  sweep (settings.CELERY_BEAT_SCHEDULE): their documents are summaries, and re-indexing them
  for every single letter would cost more than the letter.

Failures: a bad file is stored as a failed record with its error and the batch goes on. A lock
("database is locked") or a conflict with another process storing the same letter rolls the
batch back and retries it (it re-checks what is stored): it is never a letter's failure. Any
other error redoes the batch one letter per transaction, so only the letter that raised fails.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import random
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from cases.models import Determination, DisputedItem, IngestJob, IngestJobFile, original_name
from cases.parser.pdf import is_pdf
from guidelines.linking import current_catalog, link_new_items, relink
from pipeline import store
from pipeline.files import UnreadableFile, expand_paths, read_letter, read_upload, too_large_message
from pipeline.outcomes import FAILED, NEW, UNCHANGED, UPDATED, Outcome, Summary  # noqa: F401 (callers import them here)
from pipeline.parsing import ParsedFile, parse_many
from procedures.classify import FIELDS, classify_items, current_rules
from procedures.taxonomy import default_taxonomy
from search import sync

log = logging.getLogger(__name__)

BATCH = 50  # letters per transaction
LOOKAHEAD = 2  # batches parsed ahead of the one being written
DISPATCH_EVERY = 1000  # letters between two index updates of a long run
RETRIES = 12  # attempts of a batch that meets a lock
CONFLICT_RETRIES = 3  # attempts of a batch that meets a unique constraint (another process's letter)
Progress = Callable[[int, int, Outcome], None]


@dataclass
class Letter:
    """One file on its way through the pipeline."""

    position: int
    name: str
    path: Path | None = None  # a file on this machine ...
    upload: str = ""  # ... or one in file storage (an upload)
    determination_id: int | None = None  # re-parse: the stored record
    job_file_id: int | None = None
    problem: str = ""  # found while listing the files (broken symlink, ...)
    sha256: str = ""
    data: bytes | None = None
    original_name: str = ""
    work_text: str = ""  # re-parse: the stored raw text
    work: ParsedFile | None = None
    outcome: Outcome | None = None
    keep_failure: bool = False  # the file could not be read: record a failed letter for it

    def fail(self, message: str, det_id: int | None = None) -> None:
        self.outcome = Outcome(FAILED, None, message, det_id, self.name, str(self.path or self.upload))


class Timings(defaultdict):
    """Seconds per pipeline step, summed over a run (bench/ingest.py prints the shares). The
    extract/parse/classify steps are measured in the worker processes."""

    def __init__(self):
        super().__init__(float)

    def add(self, step: str, since: float) -> float:
        now = time.perf_counter()
        self[step] += now - since
        return now


# --- entry points ---------------------------------------------------------------------------------


def ingest_paths(
    paths: Iterable[str | Path],
    progress: Progress | None = None,
    force: bool = False,
    workers: int = 1,
    timings: Timings | None = None,
    refresh_sections: bool = True,
) -> list[Outcome]:
    """Ingest files and folders; one outcome per file (and per path that could not be listed)."""
    found = expand_paths(paths)
    letters = [
        Letter(n, p.path.name, path=p.path, problem=p.message, keep_failure=p.is_letter)
        for n, p in enumerate(found.problems)
    ]
    letters += [Letter(len(letters) + n, p.name, path=p) for n, p in enumerate(found.files)]
    return run(
        letters, force=force, workers=workers, progress=progress, timings=timings, refresh_sections=refresh_sections
    )


def ingest_file(path: str | Path, force: bool = False, timings: Timings | None = None) -> Outcome:
    """Ingest one file (the one-at-a-time path: its sections' summaries wait for the periodic
    catch-up). Never raises for a bad file: the outcome says what happened."""
    path = Path(path)
    return run([Letter(0, path.name, path=path)], force=force, timings=timings)[0]


def reparse_letters(
    determination_ids: Iterable[int],
    progress: Progress | None = None,
    workers: int = 1,
    timings: Timings | None = None,
    refresh_sections: bool = False,
) -> list[Outcome]:
    """Re-parse stored letters from their raw text (or from the stored original when the text is
    empty, e.g. a PDF that failed to extract) and rewrite their items. A failed re-parse leaves a
    letter that had parsed as it was."""
    letters = [Letter(n, "", determination_id=pk) for n, pk in enumerate(determination_ids)]
    return run(
        letters, force=True, workers=workers, progress=progress, timings=timings, refresh_sections=refresh_sections
    )


def reparse_determination(det: Determination) -> Outcome:
    return reparse_letters([det.pk])[0]


# --- the run ----------------------------------------------------------------------------------------


@dataclass
class Run:
    force: bool
    job: IngestJob | None
    progress: Progress | None
    timings: Timings
    total: int
    parsers: ProcessPoolExecutor | None
    workers: int = 1
    refresh_sections: bool = False
    done: int = 0
    to_index: list[int] = field(default_factory=list)
    to_index_sections: set[int] = field(default_factory=set)
    refreshed: bool = False  # the catalog and the clerk's choices were checked for this run


def run(
    letters: list[Letter],
    force: bool = False,
    workers: int = 1,
    progress: Progress | None = None,
    job: IngestJob | None = None,
    timings: Timings | None = None,
    refresh_sections: bool = False,
) -> list[Outcome]:
    """The pipeline over these letters, in batches; returns their outcomes in order.
    refresh_sections: also apply the queued guideline sections at the end (bulk runs)."""
    workers = max(1, min(workers, os.cpu_count() or 1))
    if len(letters) <= BATCH:
        workers = 1  # one batch: not worth starting processes
    state = Run(
        force,
        job,
        progress,
        timings if timings is not None else Timings(),
        len(letters),
        None,
        workers,
        refresh_sections,
    )
    try:
        window: deque = deque()
        for batch in _batches(letters, BATCH):
            window.append(_prepare(batch, state))
            if len(window) > LOOKAHEAD:
                _finish(*window.popleft(), state)
        while window:
            _finish(*window.popleft(), state)
    finally:
        if state.parsers is not None:
            state.parsers.shutdown(cancel_futures=True)
        _apply_index(state, final=True)
    return [letter.outcome for letter in letters]


def _batches(letters: list[Letter], size: int) -> Iterator[list[Letter]]:
    for start in range(0, len(letters), size):
        yield letters[start : start + size]


def _prepare(batch: list[Letter], state: Run):
    """Steps 1-2, and 3-4 sent to the worker processes: returns (batch, pending parse)."""
    t = time.perf_counter()
    _load_stored(batch)
    for letter in batch:
        if letter.problem:
            letter.fail(letter.problem)
        elif letter.determination_id is None and letter.outcome is None:
            _read(letter)
    t = state.timings.add("read", t)
    if not state.force:
        _skip_unchanged(batch)
    t = state.timings.add("skip unchanged", t)
    _keep_originals(batch)
    t = state.timings.add("keep original", t)
    todo = [lt for lt in batch if lt.outcome is None and lt.work is None]
    work = [("bytes", lt.name, lt.data) if lt.data is not None else ("text", lt.name, lt.work_text) for lt in todo]
    if work and not state.refreshed:
        # Before the first parse of a run: the catalog (items are classified with the sections
        # their citations link to, so it must be at hand where they are parsed) and a clerk's
        # classification choices, as they are now (two queries; the worker processes inherit both).
        current_catalog()
        current_rules()
        state.refreshed = True
    if state.workers > 1 and work and state.parsers is None:
        # Started when there is something to parse (a re-run of unchanged files needs none).
        default_taxonomy()  # loaded once here, inherited by the worker processes (and so are
        # the catalog and the clerk's choices loaded above)
        # fork: the workers only run pure parsing code, never this process's database connection.
        state.parsers = ProcessPoolExecutor(state.workers, mp_context=multiprocessing.get_context("fork"))
    if state.parsers is not None and work:
        size = max(1, len(work) // (2 * state.workers))
        futures = [
            (todo[i : i + size], state.parsers.submit(parse_many, work[i : i + size]))
            for i in range(0, len(work), size)
        ]
        return batch, futures
    for letter, item in zip(todo, work):
        letter.work = parse_many([item])[0]
    return batch, []


def _finish(batch: list[Letter], futures, state: Run) -> None:
    """Wait for the batch's parses, write it (steps 5-9), report, and apply the index now and then."""
    t = time.perf_counter()
    for letters, future in futures:
        for letter, work in zip(letters, future.result()):
            letter.work = work
    t = state.timings.add("wait for parsers", t)
    for letter in batch:
        if letter.work is not None:
            for step, seconds in letter.work.seconds.items():
                state.timings[step] += seconds
        letter.data = None  # bounded memory: the bytes are in storage now
    _write_with_retries(batch, state)
    for letter in batch:
        state.done += 1
        if state.progress:
            state.progress(state.done, state.total, letter.outcome)
    if len(state.to_index) >= DISPATCH_EVERY:
        _apply_index(state)


# --- steps 1-2: read, skip unchanged -----------------------------------------------------------------


def _read(letter: Letter) -> None:
    try:
        got = read_upload(letter.upload) if letter.upload else read_letter(letter.path)
    except UnreadableFile as exc:
        letter.keep_failure = True
        letter.fail(str(exc))
        return
    letter.sha256 = got.sha256
    if got.data is None:
        letter.work = ParsedFile(errors=[too_large_message(got.size)])
    else:
        letter.data = got.data


def _load_stored(batch: list[Letter]) -> None:
    """Re-parse: the stored letters' text (one query for the batch)."""
    ids = [lt.determination_id for lt in batch if lt.determination_id is not None]
    if not ids:
        return
    fields = ("id", "source_name", "sha256", "raw_text", "original", "case_number")
    stored = {d.pk: d for d in Determination.objects.filter(pk__in=ids).only(*fields)}
    for letter in batch:
        if letter.determination_id is None:
            continue
        det = stored.get(letter.determination_id)
        if det is None:
            letter.fail("the letter was deleted meanwhile")
            continue
        letter.name, letter.sha256, letter.original_name = det.source_name, det.sha256, det.original.name
        letter.work_text = det.raw_text
        if not det.raw_text.strip():
            if det.original:
                with det.original.open("rb") as handle:
                    letter.data = handle.read()
            else:
                letter.work = ParsedFile(errors=["no stored text or original file to re-parse"])


def _skip_unchanged(batch: list[Letter]) -> None:
    """Files whose bytes are stored: their outcome now, without parsing (one query)."""
    waiting = [lt for lt in batch if lt.outcome is None and lt.sha256]
    stored = store.stored_by_sha(lt.sha256 for lt in waiting)
    for letter in waiting:
        det = stored.get(letter.sha256)
        if det is None:
            continue
        status, message = store.unchanged_outcome(letter, det)
        letter.outcome = Outcome(status, det.case_number, message, det.pk, letter.name, str(letter.path or ""))
        if not det.original and letter.data is not None:
            # Stored before originals were kept: attach the file now.
            det.original.name = _save_original(letter)
            Determination.objects.filter(pk=det.pk).update(original=det.original.name)


def _save_original(letter: Letter) -> str:
    """Step 1's keeping of the original: the bytes under their SHA-256 name, once."""
    name = original_name(letter.sha256, is_pdf(letter.data))
    if not default_storage.exists(name):
        saved = default_storage.save(name, ContentFile(letter.data))
        if saved != name:  # another process saved the same bytes meanwhile
            default_storage.delete(saved)
    return name


def _keep_originals(batch: list[Letter]) -> None:
    for letter in batch:
        if letter.outcome is None and letter.data is not None and not letter.original_name:
            letter.original_name = _save_original(letter)


# --- steps 5-9: one transaction per batch ------------------------------------------------------------


def _write_with_retries(batch: list[Letter], state: Run) -> None:
    try:
        _retrying(lambda: _write(batch, state))
    except OperationalError:
        raise  # the database is unusable (locked past every retry, gone): stop, say so
    except Exception:  # noqa: BLE001 - a bug or a conflict met by one letter: find it, store the others
        log.exception("a batch failed; writing its letters one at a time")
        for letter in batch:
            try:
                _retrying(lambda letter=letter: _write([letter], state))
            except OperationalError:
                raise
            except Exception as exc:  # noqa: BLE001 - this letter fails, with its error kept
                log.exception("ingest of %s failed", letter.name)
                if isinstance(exc, IntegrityError):
                    message = f"conflicts with a stored letter ({exc})"
                else:
                    message = f"{type(exc).__name__}: {exc}"
                _retrying(lambda letter=letter, message=message: _record_crash(letter, message, state))


def _retrying(write: Callable[[], None]) -> None:
    """Run a write transaction; a lock rolls it back and runs it again with growing pauses, and so
    does a conflict with another process storing the same letter (the retry re-reads what is
    stored and finds it). A conflict that stays is the letter's own: raised after a few tries."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return write()
        except (OperationalError, IntegrityError) as exc:
            if attempt >= (RETRIES if isinstance(exc, OperationalError) else CONFLICT_RETRIES):
                raise
            pause = min(0.05 * 2**attempt, 5.0) * (0.5 + random.random())
            log.warning("ingest batch retried in %.2f s (attempt %d): %s", pause, attempt, exc)
            time.sleep(pause)


def _write(batch: list[Letter], state: Run) -> None:
    if state.job is None and all(
        lt.outcome is not None and not (lt.keep_failure and lt.outcome.determination_id is None) for lt in batch
    ):
        return  # nothing to write: every file was unchanged (or could not even be named)
    t = time.perf_counter()
    results: dict[int, Outcome] = {}
    index: list[int] = []
    sections: set[int] = set()
    with transaction.atomic():
        for failure in [lt for lt in batch if lt.keep_failure and lt.outcome and lt.outcome.determination_id is None]:
            det = store.failure_record(failure.name, "", "", failure.outcome.message)
            results[failure.position] = Outcome(
                FAILED, None, failure.outcome.message, det.pk, failure.name, failure.outcome.path
            )
        catalog = None
        pending = [lt for lt in batch if lt.outcome is None]
        while pending:
            # Letters of one batch sharing bytes, a case number or a name are written in turn.
            round_, later, claimed = [], [], set()
            for letter in pending:
                keys = store.keys_of(letter)
                (later if keys & claimed else round_).append(letter)
                claimed |= keys
            writes = store.match_letters(round_, state.force)
            parsed = store.write_letters(writes)
            t = state.timings.add("store", t)
            if parsed:
                catalog = catalog or current_catalog()
                plans = [plan for w in parsed for plan in (w.letter.work.plans or [None] * len(w.items))]
                sections |= link_new_items([item for w in parsed for item in w.items], catalog, plans)
                t = state.timings.add("link and quotes", t)
                index += [w.det.pk for w in parsed]
            for w in writes:
                results[w.letter.position] = Outcome(
                    w.status,
                    w.det.case_number,
                    w.message,
                    w.det.pk,
                    w.letter.name,
                    str(w.letter.path or w.letter.upload),
                )
            pending = later
        # The letters, and the guideline sections they quote (their documents count the quotes).
        sync.enqueue_keys({sync.DETERMINATION: index, sync.SECTION: sections})
        t = state.timings.add("queue", t)
        _record_job(batch, results, state)
        t = state.timings.add("record job", t)
    state.timings.add("commit", t)
    for letter in batch:
        if letter.position in results:
            letter.outcome = results[letter.position]
    state.to_index += index
    state.to_index_sections |= sections


def _record_crash(letter: Letter, message: str, state: Run) -> None:
    """A letter that raised: kept as a failed record with its text and the error."""
    with transaction.atomic():
        det = store.failure_record(
            letter.name, letter.sha256, letter.work.text if letter.work else "", message, letter.original_name
        )
        letter.outcome = Outcome(FAILED, None, message, det.pk, letter.name, str(letter.path or letter.upload))
        _record_job([letter], {letter.position: letter.outcome}, state)


def _record_job(batch: list[Letter], results: dict[int, Outcome], state: Run) -> None:
    """Step 9: the files' outcomes, in the transaction that stored them (a redelivered chunk
    finds them done and does not count them twice)."""
    if state.job is None:
        return
    now = timezone.now()
    rows = []
    for letter in batch:
        outcome = results.get(letter.position) or letter.outcome
        if letter.job_file_id is None or outcome is None:
            continue
        rows.append(
            IngestJobFile(
                job_id=state.job.pk,
                position=letter.position,
                name=letter.name,
                path=str(letter.path or ""),
                upload=letter.upload,
                status=outcome.status,
                determination_id=outcome.determination_id,
                case_number=outcome.case_number or "",
                message=outcome.message,
                finished_at=now,
            )
        )
    if rows:
        # The rows exist: one upsert on (job, position) sets their outcomes in a single statement.
        IngestJobFile.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["job", "position"],
            update_fields=["status", "determination", "case_number", "message", "finished_at"],
        )
        IngestJob.objects.filter(pk=state.job.pk).update(progressed_at=now)


# --- after commit: the index ----------------------------------------------------------------------------


def _apply_index(state: Run, final: bool = False) -> None:
    """Have the queued rows applied (they are committed: if this process dies now, the next
    dispatch or `search_index --catch-up` applies them): the letters', and at the end of a bulk
    run the quoted sections' (else the periodic catch-up applies those)."""
    keys = {sync.DETERMINATION: state.to_index}
    if final and state.refresh_sections:
        keys[sync.SECTION] = sorted(state.to_index_sections)
    keys = sync.merge(keys)
    state.to_index = []
    if keys:
        t = time.perf_counter()
        # Now, or when the caller's own transaction commits, if the run is inside one.
        sync.dispatch_after_commit(keys)
        state.timings.add("index", t)


# --- after a hand edit -----------------------------------------------------------------------------


def rederive(determination_ids: Iterable[int]) -> None:
    """Steps 4 and 6-8 again for stored letters whose items or citations a person edited (the
    admin): relink their citations and quotes, classify their items, and queue them for the
    index (applied after the caller's transaction commits)."""
    ids = sorted({int(i) for i in determination_ids if i is not None})
    items = DisputedItem.objects.filter(determination_id__in=ids)
    # Links first: classification reads the sections the citations link to.
    relink(items.values_list("pk", flat=True))
    classify_items(items.only("id", "determination_id", "request", *FIELDS))
    sync.queue_for_index(sync.DETERMINATION, ids)
