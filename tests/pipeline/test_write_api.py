"""The write API as a client uses it: POST /api/letters/ (multipart) makes an ingest job, GET
/api/jobs/<id>/ reports it, and the stored letters are searchable and downloadable byte for byte.
Real letters from ../shared/data; Celery runs eagerly (no broker in the tests)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from cases.models import Determination, IngestJob
from cases.parser.pdf import MAX_BYTES
from pipeline.jobs import create_job, run_job
from tests.support.api import PDF_CASE, PDF_QUERY, TXT_CASE, TXT_QUERY, token_client, upload

pytestmark = pytest.mark.django_db

PROGRESS_KEYS = {"total", "done", "pending", "new", "updated", "unchanged", "failed"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def alice():
    return token_client("alice")


@pytest.fixture
def letters(dwc_pdf_dir, dwc_txt_dir):
    return {
        "pdf": (dwc_pdf_dir / f"{PDF_CASE}.pdf").read_bytes(),
        "txt": (dwc_txt_dir / f"{TXT_CASE}.txt").read_bytes(),
    }


def test_anonymous_upload_is_401(letters):
    response = upload(APIClient(), (f"{TXT_CASE}.txt", letters["txt"]))
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert not IngestJob.objects.exists() and not Determination.objects.exists()


def test_admin_session_needs_its_csrf_token(letters):
    admin = User.objects.create_user("editor", is_staff=True, is_superuser=True)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(admin)
    refused = upload(client, (f"{TXT_CASE}.txt", letters["txt"]))
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    # What Swagger UI does for a logged-in admin: its start-up script's CSRF token in X-CSRFToken.
    script = client.get("/api/docs/", {"script": ""}).content.decode()
    token = re.search(r'request\.headers\["X-CSRFTOKEN"\] = "([^"]+)"', script)
    assert token, script[:2000]
    client.credentials(HTTP_X_CSRFTOKEN=token.group(1))
    accepted = upload(client, (f"{TXT_CASE}.txt", letters["txt"]))
    assert accepted.status_code == 202, accepted.content
    assert accepted.json()["requester"] == "editor"


def test_token_upload_makes_a_job_that_stores_the_letters_searchable(
    alice, letters, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the index queue is applied after commit
        response = upload(alice, (f"{PDF_CASE}.pdf", letters["pdf"]), (f"{TXT_CASE}.txt", letters["txt"]))
    assert response.status_code == 202, response.content
    job = response.json()
    assert response["Location"] == job["url"] == f"http://testserver/api/jobs/{job['id']}/"
    assert job["origin"] == "upload" and job["requester"] == "alice" and job["state"] == "done"
    assert job["progress"] == {"total": 2, "done": 2, "pending": 0, "new": 2, "updated": 0, "unchanged": 0, "failed": 0}
    assert job["created_at"] and job["started_at"] and job["finished_at"]
    files = job["files"]
    assert [(f["position"], f["name"], f["status"]) for f in files] == [
        (0, f"{PDF_CASE}.pdf", "new"),
        (1, f"{TXT_CASE}.txt", "new"),
    ]
    for row, case in zip(files, (PDF_CASE, TXT_CASE)):
        det = Determination.objects.get(case_number=case)
        assert row["determination"] == {
            "id": det.pk,
            "case_number": case,
            "api_url": f"http://testserver/api/determinations/{case}/",
            "url": f"http://testserver/determinations/{case}/",
        }
    # The polled job says the same; the stored record knows where it came from.
    assert alice.get(job["url"]).json() == job
    stored = IngestJob.objects.get(pk=job["id"])
    assert stored.requested_by == alice.user and stored.remote_addr == "127.0.0.1"
    for case, query in ((PDF_CASE, PDF_QUERY), (TXT_CASE, TXT_QUERY)):
        found = APIClient().get("/api/search/", {"q": query, "page_size": 100}).json()
        assert case in [r["case_number"] for r in found["results"]], (query, found["total"])


def test_the_same_file_again_is_unchanged(alice, letters):
    first = upload(alice, (f"{TXT_CASE}.txt", letters["txt"])).json()
    again = upload(alice, ("renamed-copy.txt", letters["txt"])).json()
    assert again["id"] != first["id"]
    assert again["progress"]["unchanged"] == 1 and again["progress"]["new"] == 0
    assert again["files"][0]["status"] == "unchanged"
    assert again["files"][0]["determination"]["id"] == first["files"][0]["determination"]["id"]
    assert Determination.objects.count() == 1


def test_a_broken_pdf_fails_while_the_rest_is_stored(alice, letters):
    truncated = letters["pdf"][: len(letters["pdf"]) // 3]  # a real PDF cut short: no cross-reference table
    job = upload(
        alice,
        ("truncated.pdf", truncated),
        ("picture.pdf", b"GIF89a" + b"\0" * 200),
        (f"{TXT_CASE}.txt", letters["txt"]),
    ).json()
    assert job["state"] == "done"
    assert job["progress"] == {"total": 3, "done": 3, "pending": 0, "new": 1, "updated": 0, "unchanged": 0, "failed": 2}
    by_name = {f["name"]: f for f in job["files"]}
    assert by_name[f"{TXT_CASE}.txt"]["status"] == "new"
    assert by_name["picture.pdf"] == {
        **by_name["picture.pdf"],
        "status": "failed",
        "message": "not a PDF (the file is a GIF image)",
    }
    broken = by_name["truncated.pdf"]
    assert (broken["status"], broken["message"]) == ("failed", "truncated or corrupt PDF (no end-of-file marker)")
    # A failed file is kept as a failed record (its page and original), with no case number.
    record = Determination.objects.get(pk=broken["determination"]["id"])
    assert record.parse_status == "failed" and broken["determination"]["case_number"] is None
    assert broken["determination"]["api_url"] is None
    assert broken["determination"]["url"] == f"http://testserver/determinations/id/{record.pk}/"
    assert Determination.objects.filter(case_number=TXT_CASE, parse_status="ok").exists()


@pytest.mark.parametrize(
    "files, field, fragment",
    [
        ((), "files", "no files sent"),
        ((("letter.txt", b"Case Number: CM16-0219557"),), "file", "got file field(s): file"),
        ((("empty.txt", b""),), "files", "empty.txt: empty file"),
        (
            (("big.pdf", b"%PDF-1.4\n" + b"0" * MAX_BYTES),),
            "files",
            "big.pdf: file too large (20.0 MB; the limit is 20 MB)",
        ),
    ],
)
def test_request_problems_are_400_and_store_nothing(alice, letters, files, field, fragment):
    files = files or ()
    response = upload(alice, *files, field=field) if files else alice.post("/api/letters/", {}, format="multipart")
    assert response.status_code == 400, response.content
    [message] = response.json()["files"]
    assert fragment in message
    assert not IngestJob.objects.exists() and not Determination.objects.exists()


def test_one_bad_file_refuses_the_whole_request_naming_it(alice, letters):
    response = upload(alice, (f"{TXT_CASE}.txt", letters["txt"]), ("blank.txt", b""))
    assert response.status_code == 400 and response.json() == {"files": ["blank.txt: empty file"]}
    assert not IngestJob.objects.exists()


def test_more_files_than_the_limit_is_a_400(alice, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    response = upload(alice, *[(f"{n}.txt", b"x") for n in range(4)])
    assert response.status_code == 400 and response.json() == {"files": ["too many files: at most 3 per request"]}
    assert not IngestJob.objects.exists()


def test_a_json_body_is_415(alice):
    response = alice.post("/api/letters/", {"files": []}, format="json")
    assert response.status_code == 415 and "application/json" in response.json()["detail"]


def test_jobs_are_read_by_their_requester_and_by_staff(alice, letters, dwc_txt_dir):
    bob, staff = token_client("bob"), token_client("operator", staff=True)
    mine = upload(alice, (f"{TXT_CASE}.txt", letters["txt"])).json()
    command = create_job([dwc_txt_dir / "CM16-0224814.txt"], origin=IngestJob.Origin.COMMAND, requester="root@host")
    run_job(command)

    assert APIClient().get("/api/jobs/").status_code == 401
    assert APIClient().get(f"/api/jobs/{mine['id']}/").status_code == 401
    listing = alice.get("/api/jobs/").json()
    assert set(listing) == {"count", "page", "page_size", "num_pages", "next", "previous", "results"}
    assert [j["id"] for j in listing["results"]] == [mine["id"]]
    assert "files" not in listing["results"][0] and set(listing["results"][0]["progress"]) == PROGRESS_KEYS
    assert bob.get("/api/jobs/").json()["count"] == 0
    assert bob.get(f"/api/jobs/{mine['id']}/").status_code == 404  # not even told it exists
    everything = staff.get("/api/jobs/").json()
    assert [j["id"] for j in everything["results"]] == [command.pk, mine["id"]]  # newest first
    assert everything["results"][0]["origin"] == "command" and everything["results"][0]["requester"] == "root@host"
    assert staff.get(f"/api/jobs/{command.pk}/").json()["files"][0]["determination"]["case_number"] == "CM16-0224814"
    for bad in ("abc", "0", "99999999999999999999999"):
        assert staff.get(f"/api/jobs/{bad}/").status_code == 404
    assert alice.post("/api/jobs/", {}).status_code == 405


def test_job_detail_queries_do_not_grow_with_its_files(dwc_txt_dir, django_assert_max_num_queries):
    staff = token_client("operator", staff=True)
    names = sorted(p.name for p in dwc_txt_dir.glob("*.txt"))
    small = create_job([dwc_txt_dir / n for n in names[:2]], origin=IngestJob.Origin.COMMAND)
    large = create_job([dwc_txt_dir / n for n in names[:40]], origin=IngestJob.Origin.COMMAND)
    run_job(small)
    run_job(large)
    # The token and its user, the job with its counts, its files with their letters.
    for job, n in ((small, 2), (large, 40)):
        with django_assert_max_num_queries(3):
            body = staff.get(f"/api/jobs/{job.pk}/").json()
        assert len(body["files"]) == n and body["progress"]["done"] == n
    with django_assert_max_num_queries(3):  # the token, the count, the page with its counts
        assert staff.get("/api/jobs/").json()["count"] == 2


def test_the_upload_is_multipart_binary_files_in_the_schema():
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    post = schema["paths"]["/api/letters/"]["post"]
    body = post["requestBody"]["content"]
    assert list(body) == ["multipart/form-data"]
    files = body["multipart/form-data"]["schema"]["properties"]["files"]
    assert files == {**files, "type": "array", "items": {"type": "string", "format": "binary"}}
    assert {"tokenAuth": []} in post["security"]
    assert set(post["responses"]) >= {"202", "400", "401"}
    job = schema["paths"]["/api/jobs/{id}/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert job["$ref"].endswith("/IngestJobDetail")
    assert schema["components"]["securitySchemes"]["tokenAuth"]["in"] == "header"


def test_a_large_job_lists_its_first_files_and_pages_the_rest(dwc_txt_dir, monkeypatch, django_assert_max_num_queries):
    """A `manage.py ingest` of a whole folder: the detail stays bounded, files_url pages every file
    and narrows to an outcome."""
    from pipeline import serializers as job_serializers

    monkeypatch.setattr(job_serializers, "FILES_IN_DETAIL", 5)
    staff = token_client("operator", staff=True)
    paths = sorted(dwc_txt_dir.glob("*.txt"))[:12]
    job = create_job(paths, origin=IngestJob.Origin.COMMAND)
    run_job(job)
    body = staff.get(f"/api/jobs/{job.pk}/").json()
    assert [f["position"] for f in body["files"]] == [0, 1, 2, 3, 4] and body["files_truncated"] is True
    assert body["progress"]["total"] == 12
    with django_assert_max_num_queries(4):  # the token, the job, the count, the page
        page = staff.get(body["files_url"], {"page_size": 10}).json()
    assert page["count"] == 12 and len(page["results"]) == 10 and page["next"]
    rest = staff.get(page["next"]).json()["results"]
    names = [f["name"] for f in page["results"] + rest]
    assert names == [p.name for p in paths]
    assert all(f["determination"]["case_number"] == p.stem for f, p in zip(page["results"] + rest, paths))
    assert staff.get(body["files_url"], {"status": "new"}).json()["count"] == 12
    assert staff.get(body["files_url"], {"status": "failed"}).json()["count"] == 0
    other = token_client("someone")  # not staff, not the requester
    assert other.get(body["files_url"]).status_code == 404
    bad = staff.get(body["files_url"], {"status": "lost"})
    assert bad.status_code == 400 and "unknown status 'lost'" in bad.json()["status"][0]
