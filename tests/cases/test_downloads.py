"""Downloading a letter: /determinations/<case>/letter.pdf and letter.txt serve the stored original
(or a PDF's extracted text) byte for byte, with its ETag; linked from the page, the admin and the API."""

from __future__ import annotations

import hashlib

import pytest
from rest_framework.test import APIClient

from cases.models import Determination
from pipeline.ingest import ingest_paths
from tests.support.api import PDF_CASE, TXT_CASE, token_client, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def uploaded(dwc_pdf_dir, dwc_txt_dir):
    """The PDF of one real letter and the text file of another, sent through the upload API."""
    sent = {
        "pdf": (dwc_pdf_dir / f"{PDF_CASE}.pdf").read_bytes(),
        "txt": (dwc_txt_dir / f"{TXT_CASE}.txt").read_bytes(),
    }
    job = upload(token_client("alice"), (f"{PDF_CASE}.pdf", sent["pdf"]), (f"{TXT_CASE}.txt", sent["txt"])).json()
    assert job["progress"]["new"] == 2, job
    return sent


def test_downloads_are_the_bytes_sent(client, uploaded):
    pdf = client.get(f"/determinations/{PDF_CASE}/letter.pdf")
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content) == uploaded["pdf"]
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == f'attachment; filename="{PDF_CASE}.pdf"'
    assert pdf["ETag"] == f'"{hashlib.sha256(uploaded["pdf"]).hexdigest()}"'
    assert pdf["X-Content-Type-Options"] == "nosniff"

    txt = client.get(f"/determinations/{TXT_CASE}/letter.txt")
    assert txt.status_code == 200 and txt.content == uploaded["txt"]
    assert txt["Content-Type"] == "text/plain; charset=utf-8"
    assert txt["Content-Disposition"] == f'attachment; filename="{TXT_CASE}.txt"'
    assert txt["ETag"] == f'"{hashlib.sha256(uploaded["txt"]).hexdigest()}"'


def test_a_pdf_letter_s_text_is_what_the_parser_read(client, uploaded):
    det = Determination.objects.get(case_number=PDF_CASE)
    txt = client.get(f"/determinations/{PDF_CASE}/letter.txt")
    assert txt.status_code == 200 and txt.content.decode("utf-8") == det.raw_text
    assert f"Case Number: {PDF_CASE}" in txt.content.decode("utf-8")  # the letter's own words
    assert txt["ETag"] == f'"{hashlib.sha256(det.raw_text.encode()).hexdigest()}"'
    assert txt["Content-Disposition"] == f'attachment; filename="{PDF_CASE}.txt"'


@pytest.mark.parametrize(
    "path",
    [
        f"/determinations/{PDF_CASE}/letter.pdf",
        f"/determinations/{TXT_CASE}/letter.txt",
        f"/determinations/{PDF_CASE}/letter.txt",
    ],
)
def test_a_matching_if_none_match_is_a_304(client, uploaded, path):
    etag = client.get(path)["ETag"]
    again = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    assert client.get(path, HTTP_IF_NONE_MATCH=f'"other", {etag}').status_code == 304
    assert client.get(path, HTTP_IF_NONE_MATCH='"0000"').status_code == 200


def test_a_text_letter_has_no_pdf_and_unknown_letters_are_404(client, uploaded):
    missing = client.get(f"/determinations/{TXT_CASE}/letter.pdf")
    assert missing.status_code == 404 and b"ingested as a text file, not a PDF" in missing.content
    assert client.get("/determinations/CM99-0000000/letter.pdf").status_code == 404
    assert client.get("/determinations/id/99999999999999999999999/letter.txt").status_code == 404


def test_a_letter_stored_before_originals_were_kept_is_a_plain_404(client, uploaded, media):
    Determination.objects.filter(case_number=PDF_CASE).update(original="")
    for suffix in ("pdf", "txt"):
        page = client.get(f"/determinations/{PDF_CASE}/letter.{suffix}")
        assert page.status_code == 404 and b"was not kept" in page.content
        assert b"Traceback" not in page.content
    # An original gone from the file storage: also a 404 that says so.
    det = Determination.objects.get(case_number=TXT_CASE)
    (media / det.original.name).unlink()
    gone = client.get(f"/determinations/{TXT_CASE}/letter.txt")
    assert gone.status_code == 404 and b"missing from the file storage" in gone.content
    page = client.get(f"/determinations/{PDF_CASE}/")
    assert page.status_code == 200 and b"the original file was not kept" in page.content
    assert b"letter.pdf" not in page.content


def test_a_letter_without_a_case_number_downloads_by_id(client, seed_letter_path, media):
    [outcome] = ingest_paths([seed_letter_path])
    det = Determination.objects.get(pk=outcome.determination_id)
    assert det.case_number is None
    txt = client.get(f"/determinations/id/{det.pk}/letter.txt")
    assert txt.status_code == 200 and txt.content == seed_letter_path.read_bytes()
    expected = seed_letter_path.stem.replace(" ", "_")
    assert txt["Content-Disposition"] == f'attachment; filename="{expected}.txt"'
    assert f'href="/determinations/id/{det.pk}/letter.txt"' in client.get(det.get_absolute_url()).content.decode()


def test_a_failed_upload_s_filename_is_made_safe(client, media):
    job = upload(token_client("alice"), ('../"evil" name;.pdf', b"GIF89a" + bytes(range(128, 256)))).json()
    det = Determination.objects.get(pk=job["files"][0]["determination"]["id"])
    assert det.parse_status == "failed" and det.source_name == '"evil" name;.pdf'
    response = client.get(f"/determinations/id/{det.pk}/letter.txt")
    assert response.status_code == 200 and response.content.startswith(b"GIF89a")
    assert response["Content-Disposition"] == 'attachment; filename="evil_name.txt"'
    assert response["Content-Type"] == "text/plain; charset=windows-1252"  # not UTF-8: served as bytes


def test_the_page_the_admin_and_the_api_link_the_downloads(client, admin_client, uploaded):
    page = client.get(f"/determinations/{PDF_CASE}/").content.decode()
    assert f'href="/determinations/{PDF_CASE}/letter.pdf"' in page
    assert f'href="/determinations/{PDF_CASE}/letter.txt"' in page and "Extracted text" in page
    text_page = client.get(f"/determinations/{TXT_CASE}/").content.decode()
    assert f'href="/determinations/{TXT_CASE}/letter.txt"' in text_page and "letter.pdf" not in text_page

    det = Determination.objects.get(case_number=PDF_CASE)
    admin_page = admin_client.get(f"/admin/cases/determination/{det.pk}/change/").content.decode()
    assert f'<a href="/determinations/{PDF_CASE}/letter.pdf">original PDF</a>' in admin_page
    assert f'<a href="/determinations/{PDF_CASE}/letter.txt">text</a>' in admin_page

    api = APIClient()
    detail = api.get(f"/api/determinations/{PDF_CASE}/").json()
    assert detail["letter_pdf_url"] == f"http://testserver/determinations/{PDF_CASE}/letter.pdf"
    assert detail["letter_txt_url"] == f"http://testserver/determinations/{PDF_CASE}/letter.txt"
    listing = {d["case_number"]: d for d in api.get("/api/determinations/").json()["results"]}
    assert listing[TXT_CASE]["letter_pdf_url"] is None
    assert listing[TXT_CASE]["letter_txt_url"] == f"http://testserver/determinations/{TXT_CASE}/letter.txt"
    assert api.get(detail["letter_pdf_url"]).status_code == 200
