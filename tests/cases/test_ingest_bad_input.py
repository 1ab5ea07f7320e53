"""Bad input: each kind is stored as a failed record (hash, name, reason), the batch goes on,
and re-ingesting the same bad files is unchanged."""
from __future__ import annotations

import hashlib
import os
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader, PdfWriter

from cases import ingest as ingest_module
from cases.ingest import MAX_FILE_BYTES, ingest_file, ingest_paths
from cases.models import Determination, DisputedItem
from cases.signals import determination_written

from .helpers import copy_letters, row_counts

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x02\x00\x00\x00\x90wS\xde"


def make_bad_files(folder, dwc_pdf_dir):
    """{file name: expected words in the reason}."""
    folder.mkdir(parents=True, exist_ok=True)
    real_pdf = (dwc_pdf_dir / "CM16-0221706.pdf").read_bytes()

    (folder / "image.pdf").write_bytes(PNG + os.urandom(200))

    writer = PdfWriter(clone_from=PdfReader(dwc_pdf_dir / "CM16-0221706.pdf"))
    writer.encrypt(user_password="secret", owner_password="owner")
    with (folder / "encrypted.pdf").open("wb") as handle:
        writer.write(handle)

    (folder / "empty.pdf").write_bytes(b"")
    (folder / "truncated.pdf").write_bytes(real_pdf[: len(real_pdf) // 2])
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (folder / "notes.txt").write_text("Shopping list\n\nmilk, eggs, bread\nCall the dentist on Monday.\n")
    with (folder / "huge.pdf").open("wb") as handle:  # sparse: no disk or memory cost
        handle.write(b"%PDF-1.7\n")
        handle.truncate(MAX_FILE_BYTES + 1024 * 1024)
    return {
        "image.pdf": "not a PDF (the file is a PNG image)",
        "encrypted.pdf": "encrypted",
        "empty.pdf": "empty file",
        "truncated.pdf": "truncated",
        "binary.txt": "binary",
        "notes.txt": "not an IMR determination letter",
        "huge.pdf": "file too large",
    }


def test_each_kind_of_bad_input_is_a_failed_record_and_the_batch_goes_on(dwc_pdf_dir, dwc_txt_dir, tmp_path):
    folder = tmp_path / "batch"
    expected = make_bad_files(folder, dwc_pdf_dir)
    copy_letters(dwc_txt_dir, folder, ["CM16-0219557.txt"])  # a good letter amid the bad ones

    outcomes = {o.source_name: o for o in ingest_paths([folder])}
    assert outcomes["CM16-0219557.txt"].status == "new"
    for name, reason in expected.items():
        outcome = outcomes[name]
        assert outcome.status == "failed", (name, outcome)
        assert reason in outcome.message, (name, outcome.message)
        assert outcome.line().startswith(f"failed {name}: ")
        det = Determination.objects.get(pk=outcome.determination_id)
        assert det.parse_status == "failed"
        assert det.source_name == name
        assert det.case_number is None
        assert det.sha256 == hashlib.sha256((folder / name).read_bytes()).hexdigest()
        assert any(reason in e for e in det.parse_errors), (name, det.parse_errors)
        assert not det.items.exists()
    # The plain text file keeps its text (nothing is lost); a PDF that could not be read has none.
    assert "Shopping list" in Determination.objects.get(source_name="notes.txt").raw_text
    assert Determination.objects.get(source_name="encrypted.pdf").raw_text == ""

    counts = row_counts()
    again = ingest_paths([folder])
    assert {o.status for o in again} == {"unchanged"}
    assert row_counts() == counts
    bad_again = next(o for o in again if o.source_name == "encrypted.pdf")
    assert "stored earlier as failed" in bad_again.message


def test_huge_file_is_not_read_into_memory(tmp_path, monkeypatch):
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES * 2)
    reads = []
    real_open = type(path).open

    def spying_open(self, *args, **kwargs):
        handle = real_open(self, *args, **kwargs)
        original_read = handle.read

        def read(size=-1):
            assert size != -1 and size <= MAX_FILE_BYTES + 1, "unbounded read"
            data = original_read(size)
            reads.append(len(data))
            return data

        handle.read = read
        return handle

    monkeypatch.setattr(type(path), "open", spying_open)
    outcome = ingest_file(path)
    assert outcome.status == "failed" and "file too large (40.0 MB" in outcome.message
    assert max(reads) <= MAX_FILE_BYTES + 1


def test_missing_path_is_reported_and_the_batch_goes_on(dwc_txt_dir, tmp_path):
    good = copy_letters(dwc_txt_dir, tmp_path, ["CM16-0219557.txt"])[0]
    outcomes = ingest_paths([tmp_path / "nope.pdf", good])
    assert [(o.status, o.source_name) for o in outcomes] == [("failed", "nope.pdf"), ("new", "CM16-0219557.txt")]
    assert "no such file" in outcomes[0].message


def test_an_exception_in_one_file_does_not_stop_the_batch(dwc_txt_dir, tmp_path, monkeypatch):
    files = copy_letters(dwc_txt_dir, tmp_path, ["CM16-0219557.txt", "CM16-0221706.txt", "CM16-0224814.txt"])
    real_store = ingest_module._store

    def exploding_store(source_name, *args, **kwargs):
        if source_name == "CM16-0221706.txt":
            raise RuntimeError("disk on fire")
        return real_store(source_name, *args, **kwargs)

    monkeypatch.setattr(ingest_module, "_store", exploding_store)
    outcomes = ingest_paths(files)
    assert [o.status for o in outcomes] == ["new", "failed", "new"]
    assert outcomes[1].message == "RuntimeError: disk on fire"
    failed = Determination.objects.get(pk=outcomes[1].determination_id)
    assert failed.parse_status == "failed" and failed.parse_errors == ["RuntimeError: disk on fire"]
    assert failed.raw_text == files[1].read_text(encoding="utf-8")  # the text is kept


def test_parsed_letter_with_errors_is_stored_failed_with_its_text(dwc_txt_dir, tmp_path):
    """A letter cut before its items: the parser finds the case number but no items."""
    text = (dwc_txt_dir / "CM16-0219557.txt").read_text(encoding="utf-8")
    cut = text[: text.index("IMR ISSUES, DECISIONS AND RATIONALES")]
    path = tmp_path / "CM16-0219557.txt"
    path.write_text(cut, encoding="utf-8")
    outcome = ingest_file(path)
    assert outcome.status == "failed"
    det = Determination.objects.get()
    assert det.parse_status == "failed"
    assert det.case_number == "CM16-0219557"  # what the parser found is kept
    assert det.raw_text == cut
    assert det.parse_errors and "IMR ISSUES" in det.parse_errors[0]

    # The complete letter then replaces the failed record (same case number), with a revision.
    path.write_text(text, encoding="utf-8")
    fixed = ingest_file(path)
    assert (fixed.status, fixed.determination_id) == ("updated", outcome.determination_id)
    det.refresh_from_db()
    assert det.parse_status == "ok" and det.items.exists() and det.revisions.count() == 1


def test_failed_copy_never_overwrites_a_good_record(dwc_txt_dir, tmp_path):
    good = copy_letters(dwc_txt_dir, tmp_path, ["CM16-0219557.txt"])[0]
    ingest_file(good)
    text = good.read_text(encoding="utf-8")
    broken = tmp_path / "CM16-0219557-partial.txt"
    broken.write_text(text[: text.index("IMR ISSUES, DECISIONS AND RATIONALES")], encoding="utf-8")
    outcome = ingest_file(broken)
    assert outcome.status == "failed"
    assert "already stored" in outcome.message
    kept = Determination.objects.get(case_number="CM16-0219557")
    assert kept.parse_status == "ok" and kept.items.exists() and kept.source_name == "CM16-0219557.txt"
    failed = Determination.objects.get(pk=outcome.determination_id)
    assert failed.case_number is None and failed.source_name == broken.name


def test_command_output_and_fail_on_error(dwc_txt_dir, dwc_pdf_dir, tmp_path):
    folder = tmp_path / "batch"
    make_bad_files(folder, dwc_pdf_dir)
    copy_letters(dwc_txt_dir, folder, ["CM16-0219557.txt"])
    out = StringIO()
    call_command("ingest", str(folder), stdout=out, stderr=StringIO())
    lines = out.getvalue().splitlines()
    assert "new CM16-0219557 (CM16-0219557.txt)" in lines
    assert any(line.startswith("failed encrypted.pdf: ") and "encrypted" in line for line in lines)
    assert lines[-1] == "new: 1, updated: 0, unchanged: 0, failed: 7"

    # Re-run: all unchanged, so --fail-on-error passes; a new bad file makes it exit 1.
    call_command("ingest", str(folder), "--fail-on-error", "--quiet", stdout=StringIO(), stderr=StringIO())
    (folder / "new-bad.txt").write_bytes(b"\x00\x01 not the same bytes as any file above")
    out = StringIO()
    with pytest.raises(CommandError) as error:
        call_command("ingest", str(folder), "--fail-on-error", "--quiet", stdout=out, stderr=StringIO())
    assert error.value.returncode == 1
    # --quiet still names the failure.
    assert out.getvalue().splitlines() == [
        "failed new-bad.txt: binary file (contains NUL bytes); expected a PDF or a text file",
                                           "new: 0, updated: 0, unchanged: 8, failed: 1"]


def test_progress_bar_on_stderr(dwc_txt_dir, tmp_path):
    copy_letters(dwc_txt_dir, tmp_path, ["CM16-0219557.txt", "CM16-0221706.txt"])
    err = StringIO()
    call_command("ingest", str(tmp_path), "--progress", stdout=StringIO(), stderr=err)
    assert "\r[" in err.getvalue() and "2/2" in err.getvalue()


@pytest.mark.django_db(transaction=True)
def test_signal_is_sent_inside_the_letter_transaction(dwc_txt_dir, tmp_path):
    from django.db import connection

    files = copy_letters(dwc_txt_dir, tmp_path, ["CM16-0219557.txt", "CM16-0221706.txt"])
    seen = []

    def receiver(sender, determination_id, **kwargs):
        det = Determination.objects.get(pk=determination_id)
        seen.append((sender, det.case_number, connection.in_atomic_block, det.items.count()))
        if det.case_number == "CM16-0221706":
            raise RuntimeError("linker exploded")

    determination_written.connect(receiver, weak=False)
    try:
        outcomes = ingest_paths(files)
    finally:
        determination_written.disconnect(receiver)

    assert seen[0] == (Determination, "CM16-0219557", True, DisputedItem.objects.filter(
        determination__case_number="CM16-0219557").count())
    assert seen[0][3] > 0  # items were already written when the receivers ran
    assert seen[1][1:3] == ("CM16-0221706", True)
    # The receiver's error rolled the second letter back (items and all); it is kept as failed.
    assert [o.status for o in outcomes] == ["new", "failed"]
    assert "linker exploded" in outcomes[1].message
    rolled_back = Determination.objects.get(pk=outcomes[1].determination_id)
    assert rolled_back.parse_status == "failed" and rolled_back.case_number is None
    assert not rolled_back.items.exists()


def test_force_recovers_a_letter_that_failed_because_of_a_receiver(dwc_txt_dir, tmp_path):
    path = copy_letters(dwc_txt_dir, tmp_path, ["CM16-0219557.txt"])[0]
    ingest_file(path)
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")

    def broken(sender, determination_id, **kwargs):
        raise RuntimeError("receiver bug")

    determination_written.connect(broken, weak=False)
    try:
        assert ingest_file(path).status == "failed"
    finally:
        determination_written.disconnect(broken)
    good = Determination.objects.get(case_number="CM16-0219557")
    assert good.sha256 != hashlib.sha256(path.read_bytes()).hexdigest()  # the old version is intact
    assert ingest_file(path).status == "unchanged"  # the same bytes: kept as failed until forced

    outcome = ingest_file(path, force=True)
    assert (outcome.status, outcome.determination_id) == ("updated", good.pk)
    assert Determination.objects.count() == 1  # the stale failure is gone
    good.refresh_from_db()
    assert good.sha256 == hashlib.sha256(path.read_bytes()).hexdigest() and good.revisions.count() == 1
