"""Ingest jobs (who asked, per-file outcomes, progress), the stored originals (named by SHA-256,
re-parsed when a letter failed), and the files a folder holds that cannot be read."""

from __future__ import annotations

import hashlib
import os
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from cases.models import Determination, IngestJob
from cases.parser import ExtractionError
from pipeline import parsing
from pipeline.ingest import ingest_paths
from pipeline.jobs import create_job, create_upload_job, job_progress, run_job
from tests.support.letters import copy_letters

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_originals_are_kept_once_named_by_their_bytes(dwc_pdf_dir, dwc_txt_dir, tmp_path, media):
    pdf = dwc_pdf_dir / "CM16-0219557.pdf"
    copy = tmp_path / "renamed.pdf"
    copy.write_bytes(pdf.read_bytes())
    outcomes = ingest_paths([pdf, copy, dwc_txt_dir / "CM16-0221706.txt"])
    assert [o.status for o in outcomes] == ["new", "unchanged", "new"]
    det = Determination.objects.get(case_number="CM16-0219557")
    sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert det.original.name == f"letters/{sha[:2]}/{sha}.pdf"
    with det.original.open("rb") as handle:
        assert handle.read() == pdf.read_bytes()
    text = Determination.objects.get(case_number="CM16-0221706")
    assert text.original.name.endswith(".txt")
    # The same bytes under another name are stored once.
    assert sorted(p.name for p in media.rglob("*") if p.is_file()) == sorted(
        [f"{sha}.pdf", text.original.name.rsplit("/", 1)[1]]
    )


def test_a_letter_stored_before_originals_gets_its_file_on_re_ingest(dwc_txt_dir):
    path = dwc_txt_dir / "CM16-0221706.txt"
    ingest_paths([path])
    Determination.objects.update(original="")
    assert ingest_paths([path])[0].status == "unchanged"
    assert Determination.objects.get().original.name.endswith(".txt")


def test_a_failed_pdf_is_re_parsed_from_its_original_once_the_parser_is_fixed(dwc_pdf_dir, monkeypatch):
    def broken(data, name, suffix=""):
        raise ExtractionError(f"{name}: extraction bug")

    monkeypatch.setattr(parsing, "extract_bytes", broken)
    [outcome] = ingest_paths([dwc_pdf_dir / "CM16-0219557.pdf"])
    assert outcome.status == "failed" and "extraction bug" in outcome.message
    det = Determination.objects.get()
    assert det.raw_text == "" and det.original  # nothing extracted, but the file is kept

    monkeypatch.undo()  # the parser is fixed
    out = StringIO()
    call_command("reparse", "--failed", stdout=out)
    assert out.getvalue().splitlines()[-1] == "new: 0, updated: 1, unchanged: 0, failed: 0"
    det = Determination.objects.get()
    assert (det.case_number, det.parse_status) == ("CM16-0219557", "ok") and det.items.exists()
    assert "CM16-0219557" in det.raw_text


def test_a_folder_s_unreadable_files_and_bad_symlinks_are_reported_and_kept(dwc_txt_dir, tmp_path):
    folder = tmp_path / "letters"
    copy_letters(dwc_txt_dir, folder, ["CM16-0219557.txt"])
    (folder / "gone.pdf").symlink_to(folder / "missing-target.pdf")
    (folder / "loop-a.pdf").symlink_to(folder / "loop-b.pdf")
    (folder / "loop-b.pdf").symlink_to(folder / "loop-a.pdf")
    unreadable = folder / "unreadable.pdf"
    if os.geteuid() == 0:
        unreadable.symlink_to("/proc/self/mem")  # root reads any mode; this file fails with EIO
    else:
        unreadable.write_bytes(b"%PDF-1.4")
        unreadable.chmod(0)
    out = StringIO()
    call_command("ingest", str(folder), stdout=out, stderr=StringIO())
    lines = out.getvalue().splitlines()
    assert "new CM16-0219557 (CM16-0219557.txt)" in lines
    reasons = {line.split(":", 1)[0]: line for line in lines if line.startswith("failed ")}
    assert "broken symlink" in reasons["failed gone.pdf"]
    assert "symlink loop" in reasons["failed loop-a.pdf"] and "symlink loop" in reasons["failed loop-b.pdf"]
    assert "cannot read file" in reasons["failed unreadable.pdf"]
    assert lines[-1] == "new: 1, updated: 0, unchanged: 0, failed: 4"
    failed = Determination.objects.filter(parse_status="failed")
    assert sorted(failed.values_list("source_name", flat=True)) == [
        "gone.pdf",
        "loop-a.pdf",
        "loop-b.pdf",
        "unreadable.pdf",
    ]
    # Re-running finds the same records (nothing duplicated) and still says they failed.
    out = StringIO()
    call_command("ingest", str(folder), stdout=out, stderr=StringIO())
    assert out.getvalue().splitlines()[-1] == "new: 0, updated: 0, unchanged: 1, failed: 4"
    assert Determination.objects.count() == 5


def test_a_job_records_who_asked_and_each_file(dwc_txt_dir, tmp_path):
    folder = tmp_path / "letters"
    copy_letters(dwc_txt_dir, folder, ["CM16-0219557.txt", "CM16-0221706.txt"])
    (folder / "empty.txt").write_bytes(b"")
    job = create_job([folder, tmp_path / "nope"], origin=IngestJob.Origin.COMMAND, requester="alice@host")
    assert job.total == 4 and job_progress(job)["state"] == "queued"
    assert job_progress(job)["failed"] == 1  # the missing path, known before the job runs
    run_job(job)
    progress = job_progress(job)
    assert {k: progress[k] for k in ("state", "total", "done", "new", "failed", "pending")} == {
        "state": "done",
        "total": 4,
        "done": 4,
        "new": 2,
        "failed": 2,
        "pending": 0,
    }
    files = {f.name: f for f in job.files.all()}
    assert files["empty.txt"].message == "empty file" and files["empty.txt"].determination.parse_status == "failed"
    assert files["nope"].message == "no such file or folder"
    assert files["CM16-0219557.txt"].determination.case_number == "CM16-0219557"
    assert job.requester == "alice@host" and job.request["paths"] == [str(folder), str(tmp_path / "nope")]
    # The command makes one too, shown in the admin with its progress.
    call_command("ingest", str(folder), stdout=StringIO(), stderr=StringIO())
    latest = IngestJob.objects.order_by("-pk").first()
    assert latest.origin == "command" and job_progress(latest)["unchanged"] == 2


def test_an_upload_job_keeps_the_files_before_it_runs(dwc_txt_dir, admin_client, media):
    data = (dwc_txt_dir / "CM16-0219557.txt").read_bytes()
    job = create_upload_job(
        [SimpleUploadedFile("CM16-0219557.txt", data), SimpleUploadedFile("bad.pdf", b"GIF89a")],
        remote_addr="203.0.113.7",
        requester="api-client",
    )
    sha = hashlib.sha256(data).hexdigest()
    assert (media / f"letters/{sha[:2]}/{sha}.txt").read_bytes() == data  # saved before the job ran
    run_job(job)
    assert job_progress(job)["new"] == 1 and job_progress(job)["failed"] == 1
    bad = job.files.get(name="bad.pdf")
    assert bad.message == "not a PDF (the file is a GIF image)"
    assert Determination.objects.get(case_number="CM16-0219557").original.name == f"letters/{sha[:2]}/{sha}.txt"
    page = admin_client.get(f"/admin/cases/ingestjob/{job.pk}/change/").content.decode()
    assert "bad.pdf" in page and "203.0.113.7" in page
    listing = admin_client.get("/admin/cases/ingestjob/").content.decode()
    assert "2/2" in listing and "done" in listing
