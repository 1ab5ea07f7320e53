"""The sync path: queue rows written in the ingest transaction, the after-commit task, engine
failures leaving rows for `search_index --catch-up`, and --rebuild / --check; writers outside
ingest (hand edits, the catalog loader) queue what they change explicitly; section documents stay
bounded. Real letters, the real embedded index (tmp dir) and a real unreachable Elasticsearch URL
for the failure case."""

from __future__ import annotations

import socket
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from cases.models import Determination, DisputedItem
from pipeline.ingest import ingest_paths, rederive
from search import sync
from search.backends import get_backend, reset_backend
from search.backends.base import SearchQuery
from search.models import IndexQueue

pytestmark = pytest.mark.django_db

LETTERS = ["CM16-0219557.txt", "CM16-0221706.txt", "CM16-0224814.txt"]


@pytest.fixture
def letters(dwc_txt_dir):
    return [dwc_txt_dir / name for name in LETTERS]


def queued() -> set[tuple[str, int, str]]:
    return set(IndexQueue.objects.values_list("kind", "object_id", "action"))


def dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens there once the socket is closed


def test_ingest_enqueues_in_the_same_transaction(letters, django_capture_on_commit_callbacks, monkeypatch, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # as with a broker: the task is sent to a worker
    sent = []
    monkeypatch.setattr("search.tasks.apply_index_queue.delay", lambda *args: sent.append(args))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ingest_paths(letters[:1])
        det = Determination.objects.get()
        # The row is there before any commit: it belongs to the ingest transaction.
        assert queued() == {("determination", det.id, "index")}
    assert callbacks, "no after-commit task scheduled"
    for callback in callbacks:
        callback()
    # Ids only, once per transaction.
    assert sent == [({"determination": [det.id]},)]
    # What the worker then runs: apply the rows for those ids and delete them.
    from search.tasks import apply_index_queue

    assert apply_index_queue.apply(args=sent[0]).get() == 1
    assert IndexQueue.objects.count() == 0
    assert get_backend().ids("determination") == {det.id}


def test_rolled_back_ingest_leaves_no_row(letters, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                ingest_paths(letters[:1])
                assert IndexQueue.objects.count() == 1
                raise RuntimeError("roll back")
    assert IndexQueue.objects.count() == 0 and Determination.objects.count() == 0
    assert callbacks == []
    assert get_backend().generation("determination") is None  # nothing was ever written


def test_after_commit_task_applies_and_clears_the_queue(letters, django_capture_on_commit_callbacks):
    backend = get_backend()
    with django_capture_on_commit_callbacks(execute=True):
        ingest_paths(letters)
    ids = set(Determination.objects.values_list("id", flat=True))
    assert len(ids) == 3
    assert IndexQueue.objects.count() == 0
    assert backend.ids("determination") == ids
    det = Determination.objects.order_by("id").first()
    assert backend.search(SearchQuery(words=[det.case_number])).hits[0].id == det.id

    # A hand edit (what the admin does on save) is derived again and re-indexes the letter.
    item = DisputedItem.objects.filter(determination=det).first()
    with django_capture_on_commit_callbacks(execute=True):
        item.request = "Zygapophysial quokka injection"
        item.save()
        rederive([det.id])
    assert IndexQueue.objects.count() == 0
    assert [h.id for h in backend.search(SearchQuery(words=["quokka"])).hits] == [det.id]

    # A deletion (the admin's delete) removes it.
    det_id = det.id
    with django_capture_on_commit_callbacks(execute=True):
        det.delete()
        sync.queue_for_index(sync.DETERMINATION, [det_id], sync.DELETE)
    assert IndexQueue.objects.count() == 0
    assert backend.ids("determination") == ids - {det_id}


def test_engine_failure_leaves_rows_and_catch_up_applies_them(letters, settings, django_capture_on_commit_callbacks):
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = dead_url()
    reset_backend()
    with django_capture_on_commit_callbacks(execute=True):
        ingest_paths(letters)  # the task retries (eagerly here) and gives up; the ingest succeeds
    ids = set(Determination.objects.values_list("id", flat=True))
    assert len(ids) == 3
    assert {r[1] for r in queued()} == ids
    row = IndexQueue.objects.first()
    assert row.attempts == 1 and "elasticsearch" in row.last_error.lower()

    # The worker task retries (autoretry_for, exponential backoff; run eagerly here, so without
    # the waits) up to max_retries, then fails; the rows are still pending.
    from search.tasks import apply_index_queue

    result = apply_index_queue.apply(args=[{"determination": sorted(ids)}])
    assert result.failed()
    assert IndexQueue.objects.get(pk=row.pk).attempts == 1 + 1 + apply_index_queue.max_retries
    assert IndexQueue.objects.count() == 3

    # --catch-up against the dead engine fails clearly and keeps the rows.
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="search engine error"):
        call_command("search_index", "--catch-up", stdout=StringIO())
    assert IndexQueue.objects.count() == 3

    # The engine is back (here: the embedded backend): --catch-up applies everything pending.
    settings.SEARCH_BACKEND = "embedded"
    reset_backend()
    out = StringIO()
    call_command("search_index", "--catch-up", stdout=out)
    # Nothing was ever written there: the catch-up builds it from the database.
    assert "determination index: never built: rebuilding" in out.getvalue()
    assert "rebuilt embedded index: 3 determinations" in out.getvalue()
    assert IndexQueue.objects.count() == 0
    assert get_backend().ids("determination") == ids


def test_rebuild_and_check(letters, django_capture_on_commit_callbacks, capsys):
    out = StringIO()
    call_command("search_index", "--check", stdout=out, stderr=StringIO())
    assert "determination index: empty" in out.getvalue() and "drift: 0" in out.getvalue()  # nothing to index yet
    with django_capture_on_commit_callbacks(execute=False):
        ingest_paths(letters[:1])
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("search_index", "--check", stdout=out, stderr=StringIO())
    assert "determination index: never built" in out.getvalue()  # letters, but no index
    Determination.objects.all().delete()
    IndexQueue.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        ingest_paths(letters[:1])  # applied: the index is made, with one letter
    with django_capture_on_commit_callbacks(execute=False):
        ingest_paths(letters[1:])  # committed rows, task never ran (worker died)
    ids = set(Determination.objects.values_list("id", flat=True))
    assert IndexQueue.objects.filter(kind="determination").count() == 2

    out = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("search_index", "--check", stdout=out, stderr=StringIO())
    assert exit_info.value.code == 1
    assert "determination index: ok" in out.getvalue()
    assert "determination: database 3, index 1, missing 2, extra 0" in out.getvalue()
    assert "pending index-queue rows: 2" in out.getvalue() and "drift: 2" in out.getvalue()

    err = StringIO()
    out = StringIO()
    call_command("search_index", "--rebuild", stdout=out, stderr=err)
    assert "rebuilt embedded index: 3 determinations" in out.getvalue()
    assert "3/3" in err.getvalue()  # progress
    assert IndexQueue.objects.count() == 0
    assert get_backend().ids("determination") == ids

    out = StringIO()
    call_command("search_index", "--check", stdout=out)
    assert "index matches the database" in out.getvalue()
    # From the shell too: run_from_argv runs Django's system checks, which call BaseCommand.check.
    from django.core.management import execute_from_command_line

    execute_from_command_line(["manage.py", "search_index", "--check"])
    assert "index matches the database" in capsys.readouterr().out

    # A letter the index has but the database does not (e.g. deleted while the engine was down).
    backend = get_backend()
    from search.documents import determination_documents

    letter = next(determination_documents())
    backend.index_determinations(
        [
            {
                "id": 987654,
                "decisions": [
                    {**d, "id": 9_876_540 + n, "letter_id": 987654} for n, d in enumerate(letter["decisions"])
                ],
            }
        ]
    )
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("search_index", "--check", stdout=out, stderr=StringIO())
    assert "missing 0, extra 1" in out.getvalue() and "987654" in out.getvalue()


def test_failed_letters_stay_out_of_the_index(tmp_path, django_capture_on_commit_callbacks):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4\nthis is not really a PDF")
    with django_capture_on_commit_callbacks(execute=True):
        ingest_paths([bad])
    det = Determination.objects.get()
    assert det.parse_status == Determination.ParseStatus.FAILED
    assert IndexQueue.objects.count() == 0
    assert get_backend().generation("determination") is None  # nothing was queued, nothing written


def test_index_with_an_old_schema_asks_for_a_rebuild(letters, search_index_dir, django_capture_on_commit_callbacks):
    import tantivy

    from search.backends.base import SearchBackendError

    # An index directory left by an older version (different fields), behind the usual symlink.
    old = search_index_dir / "decisions.old-version"
    old.mkdir(parents=True)
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("id", stored=True, indexed=True, fast=True)
    tantivy.Index(sb.build(), path=str(old))
    (search_index_dir / "decisions").symlink_to(old.name)
    with pytest.raises(SearchBackendError, match="search_index --rebuild"):
        get_backend().ids("determination")
    with django_capture_on_commit_callbacks(execute=True):
        ingest_paths(letters[:1])
    assert IndexQueue.objects.count() == 1  # kept for later
    call_command("search_index", "--rebuild", stdout=StringIO(), stderr=StringIO())
    assert get_backend().ids("determination") == set(Determination.objects.values_list("id", flat=True))
    assert not old.exists()


def test_catalog_loader_queues_its_sections(tmp_path, django_capture_on_commit_callbacks):
    from guidelines.linker.catalog import CATALOG_FILE
    from guidelines.models import GuidelineSection
    from pipeline.catalog import load_catalog

    backend = get_backend()
    with django_capture_on_commit_callbacks(execute=True):
        load_catalog()
    assert IndexQueue.objects.count() == 0
    assert backend.ids("section") == set(GuidelineSection.objects.values_list("pk", flat=True))
    special = GuidelineSection.objects.get(document__slug="mtus-low-back-2004", anchor="special-studies")
    [hit] = [h for h in backend.search_sections(SearchQuery(text="special studies")).hits if h.id == special.pk]
    assert hit.source["document"] == special.document.title

    # A catalog whose document was renamed: its sections are re-indexed with the new title.
    renamed = tmp_path / "catalog.yaml"
    old_title = special.document.title
    renamed.write_text(
        CATALOG_FILE.read_text(encoding="utf-8").replace(f"title: {old_title}\n", f"title: {old_title} (renamed)\n", 1)
    )
    assert renamed.read_text(encoding="utf-8") != CATALOG_FILE.read_text(encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        load_catalog(renamed)
    assert IndexQueue.objects.count() == 0
    [hit] = [h for h in backend.search_sections(SearchQuery(text="special studies")).hits if h.id == special.pk]
    assert hit.source["document"].endswith("(renamed)")


def test_section_documents_stay_bounded(dwc_txt_dir, django_capture_on_commit_callbacks):
    """The most quoted section of the 150 letters: its document holds the count and at most five
    quotes, the ones quoted most often; the ingest run queued it once, at its end."""
    from django.db.models import Count

    from guidelines.models import GuidelineSection, QuotedPassage
    from pipeline.catalog import load_catalog
    from search.section_documents import REPRESENTATIVE_QUOTES, section_document

    load_catalog()
    IndexQueue.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=False):
        ingest_paths([dwc_txt_dir])
    quoted = set(QuotedPassage.objects.exclude(section=None).values_list("section_id", flat=True))
    assert set(IndexQueue.objects.filter(kind="section").values_list("object_id", flat=True)) == quoted
    top = (
        QuotedPassage.objects.exclude(section=None).values("section_id").annotate(n=Count("id")).order_by("-n").first()
    )
    assert top["n"] > REPRESENTATIVE_QUOTES
    doc = section_document(GuidelineSection.objects.get(pk=top["section_id"]))
    lines = doc["quotes"].splitlines()
    assert doc["quote_count"] == top["n"] and 0 < len(lines) <= REPRESENTATIVE_QUOTES
    texts = list(QuotedPassage.objects.filter(section_id=top["section_id"]).values_list("text", flat=True))
    most_often = max(texts.count(t) for t in texts)
    assert texts.count(lines[0]) == most_often


@pytest.mark.django_db(transaction=True)
def test_bulk_ingest_applies_the_index_once_at_the_end(letters, monkeypatch):
    """Each letter commits on its own (real commits here), but a batch applies its index updates
    once when it ends: one engine commit for the batch instead of one per letter."""
    import search.tasks

    calls = []
    real_apply = search.tasks.apply_pending

    def spy(keys=None, **kwargs):
        calls.append(keys)
        return real_apply(keys, **kwargs)

    monkeypatch.setattr(search.tasks, "apply_pending", spy)
    ingest_paths(letters)
    ids = set(Determination.objects.values_list("id", flat=True))
    assert len(ids) == 3
    determination_calls = [keys for keys in calls if keys.get("determination")]
    assert len(determination_calls) == 1, calls
    assert set(determination_calls[0]["determination"]) == ids
    assert get_backend().ids("determination") == ids
    assert IndexQueue.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_batch_that_dies_leaves_its_rows_for_catch_up(letters, monkeypatch):
    """Letters committed before a crash stay queued; the run's end applies them on the way out,
    and --catch-up whatever is left."""
    import pipeline.ingest

    monkeypatch.setattr(pipeline.ingest, "BATCH", 1)
    real_write = pipeline.ingest._write
    calls = []

    def crash_on_third(batch, state):
        calls.append(batch)
        if len(calls) == 3:
            raise KeyboardInterrupt("process killed")
        return real_write(batch, state)

    monkeypatch.setattr(pipeline.ingest, "_write", crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        ingest_paths(letters)
    ids = set(Determination.objects.values_list("id", flat=True))
    assert len(ids) == 2
    assert get_backend().ids("determination") == ids
    call_command("search_index", "--catch-up", stdout=StringIO())
    assert IndexQueue.objects.count() == 0


def test_one_letter_leaves_its_sections_to_the_periodic_catch_up(
    dwc_txt_dir, django_capture_on_commit_callbacks, settings
):
    """One letter re-indexes itself at once; the summaries of the sections it quotes wait for the
    periodic catch-up (celery beat), which applies every pending row."""
    from imr_kb.celery import app
    from pipeline.catalog import load_catalog
    from pipeline.ingest import ingest_file
    from search.tasks import apply_index_queue

    load_catalog()
    IndexQueue.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        outcome = ingest_file(dwc_txt_dir / "CM16-0219557.txt")
    assert get_backend().ids("determination") == {outcome.determination_id}
    waiting = set(IndexQueue.objects.values_list("kind", flat=True))
    assert waiting == {"section"}
    schedule = settings.CELERY_BEAT_SCHEDULE["apply-index-queue"]
    assert schedule["task"] == apply_index_queue.name and apply_index_queue.name in app.tasks
    assert apply_index_queue.apply().get() > 0
    assert IndexQueue.objects.count() == 0
