"""Bad input: each kind is stored as a failed record (hash, name, reason), the batch goes on,
and re-ingesting the same bad files is unchanged."""

from __future__ import annotations

import hashlib
import os
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader, PdfWriter

from cases.models import Determination
from cases.parser.pdf import MAX_BYTES as MAX_FILE_BYTES
from pipeline import ingest as ingest_module
from pipeline.ingest import ingest_file, ingest_paths
from tests.support.letters import copy_letters, row_counts

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
    again = {o.source_name: o for o in ingest_paths([folder])}
    # Unchanged files: nothing is written; the bad ones are still failed letters and say so.
    assert again.pop("CM16-0219557.txt").status == "unchanged"
    assert {o.status for o in again.values()} == {"failed"}
    assert row_counts() == counts
    assert "unchanged, stored earlier as failed: encrypted" in again["encrypted.pdf"].message


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
    real_link = ingest_module.link_new_items

    def exploding_link(items, catalog, plans=None):
        if any(item.determination.case_number == "CM16-0221706" for item, _ in items):
            raise RuntimeError("disk on fire")
        return real_link(items, catalog, plans)

    monkeypatch.setattr(ingest_module, "link_new_items", exploding_link)
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

    # Re-run: nothing changed, but seven letters are stored as failed: --fail-on-error says so.
    out = StringIO()
    with pytest.raises(CommandError) as error:
        call_command("ingest", str(folder), "--fail-on-error", "--quiet", stdout=out, stderr=StringIO())
    assert error.value.returncode == 1
    lines = out.getvalue().splitlines()
    assert lines[-1] == "new: 0, updated: 0, unchanged: 1, failed: 7"
    assert "failed encrypted.pdf: unchanged, stored earlier as failed: encrypted PDF (password required)" in lines
    # Only the good letter: exit 0.
    call_command(
        "ingest", str(folder / "CM16-0219557.txt"), "--fail-on-error", "--quiet", stdout=StringIO(), stderr=StringIO()
    )
    (folder / "new-bad.txt").write_bytes(b"\x00\x01 not the same bytes as any file above")
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("ingest", str(folder / "new-bad.txt"), "--fail-on-error", "--quiet", stdout=out, stderr=StringIO())
    # --quiet still names the failure.
    assert out.getvalue().splitlines() == [
        "failed new-bad.txt: binary file (contains NUL bytes); expected a PDF or a text file",
        "new: 0, updated: 0, unchanged: 0, failed: 1",
    ]


def test_progress_bar_on_stderr(dwc_txt_dir, tmp_path):
    copy_letters(dwc_txt_dir, tmp_path, ["CM16-0219557.txt", "CM16-0221706.txt"])
    err = StringIO()
    call_command("ingest", str(tmp_path), "--progress", stdout=StringIO(), stderr=err)
    assert "\r" in err.getvalue() and "2/2" in err.getvalue() and "100%" in err.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_step_that_raises_rolls_its_letter_back(dwc_txt_dir, tmp_path, monkeypatch):
    """Real commits: a step failing on one letter (here the linker) rolls that letter back, items
    and all; it is kept as failed with its text, and the other letter of the batch is stored."""
    files = copy_letters(dwc_txt_dir, tmp_path, ["CM16-0219557.txt", "CM16-0221706.txt"])
    real_link = ingest_module.link_new_items

    def linker(items, catalog, plans=None):
        if any(item.determination.case_number == "CM16-0221706" for item, _ in items):
            raise RuntimeError("linker exploded")
        return real_link(items, catalog, plans)

    monkeypatch.setattr(ingest_module, "link_new_items", linker)
    outcomes = ingest_paths(files)
    assert [o.status for o in outcomes] == ["new", "failed"]
    assert "linker exploded" in outcomes[1].message
    good = Determination.objects.get(case_number="CM16-0219557")
    assert good.items.exists() and good.items.first().citations.first().link is not None
    rolled_back = Determination.objects.get(pk=outcomes[1].determination_id)
    assert rolled_back.parse_status == "failed" and rolled_back.case_number is None
    assert not rolled_back.items.exists()
    assert rolled_back.raw_text == files[1].read_text(encoding="utf-8")


def test_force_recovers_a_letter_that_failed_because_of_a_step(dwc_txt_dir, tmp_path, monkeypatch):
    path = copy_letters(dwc_txt_dir, tmp_path, ["CM16-0219557.txt"])[0]
    ingest_file(path)
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")

    def broken(items, catalog, plans=None):
        raise RuntimeError("linker bug")

    real_link = ingest_module.link_new_items
    monkeypatch.setattr(ingest_module, "link_new_items", broken)
    assert ingest_file(path).status == "failed"
    monkeypatch.setattr(ingest_module, "link_new_items", real_link)
    good = Determination.objects.get(case_number="CM16-0219557")
    assert good.sha256 != hashlib.sha256(path.read_bytes()).hexdigest()  # the old version is intact
    assert ingest_file(path).status == "failed"  # the same bytes: kept as failed until forced

    outcome = ingest_file(path, force=True)
    assert (outcome.status, outcome.determination_id) == ("updated", good.pk)
    assert Determination.objects.count() == 1  # the stale failure is gone
    good.refresh_from_db()
    assert good.sha256 == hashlib.sha256(path.read_bytes()).hexdigest() and good.revisions.count() == 1
