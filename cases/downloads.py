"""The letter as published: /determinations/<case>/letter.pdf and letter.txt (and the same under
/determinations/id/<pk>/ for letters without a case number).

    letter.pdf   the stored original, when it is a PDF (404 otherwise)
    letter.txt   the original text file, or for a PDF the text the parser read (Determination.raw_text)

Both are attachments named after the case number, with an ETag (the SHA-256 of the bytes served:
an original's is its storage name) and a 304 for a matching If-None-Match. A letter whose original
was not kept (stored before originals were) or whose file is gone from storage is a 404 page
saying so, never a 500.
"""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import PurePosixPath

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import get_conditional_response
from django.utils.http import content_disposition_header

from cases.models import Determination
from cases.queries import MAX_ID

log = logging.getLogger(__name__)

PDF, TXT = "pdf", "txt"
# Revalidate every time: the ETag makes that a 304, and a re-ingested letter is seen at once.
CACHE_CONTROL = "no-cache"


def safe_filename(det: Determination, suffix: str) -> str:
    """CM16-0219557.pdf; a letter without a case number is named after its source file, reduced
    to characters every client and file system accepts."""
    stem = det.case_number or PurePosixPath(det.source_name).stem
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._")[:100] or f"letter-{det.pk}"
    return f"{stem}.{suffix}"


def text_charset(data: bytes) -> str:
    """The charset of a stored text letter, as the parser decodes it (cases.parser.pdf.bytes_to_text)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "windows-1252"
    return "utf-8"


def _unavailable(request, det: Determination, reason: str):
    return render(request, "cases/letter_unavailable.html", {"det": det, "reason": reason}, status=404)


def _headers(response, det: Determination, suffix: str, etag: str):
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    response["Content-Disposition"] = content_disposition_header(True, safe_filename(det, suffix))
    return response


def serve(request, det: Determination, suffix: str):
    if not det.original:
        return _unavailable(
            request,
            det,
            "The original file of this letter was not kept (it was stored before "
            "originals were). Ingesting the file again attaches it.",
        )
    if suffix == PDF and not det.original_is_pdf:
        return _unavailable(
            request, det, "This letter was ingested as a text file, not a PDF: download the text instead."
        )
    if suffix == TXT and det.original_is_pdf:
        data = det.raw_text.encode("utf-8")
        if not det.raw_text.strip():
            return _unavailable(request, det, "No text could be extracted from this letter's PDF.")
        etag = f'"{hashlib.sha256(data).hexdigest()}"'
        content_type = "text/plain; charset=utf-8"
    else:
        # Originals are named by the SHA-256 of their bytes (cases.models.original_name).
        etag = f'"{PurePosixPath(det.original.name).stem}"'
        data = None
        content_type = "application/pdf" if suffix == PDF else None
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        return _headers(not_modified, det, suffix, etag)
    if data is not None:
        return _headers(HttpResponse(data, content_type=content_type), det, suffix, etag)
    try:
        handle = det.original.open("rb")
    except FileNotFoundError:
        log.error("letter %s: its original %s is missing from storage", det.pk, det.original.name)
        return _unavailable(request, det, "The original file of this letter is missing from the file storage.")
    if content_type is None:  # a text original: read whole (letters are small; MAX_BYTES bounds it)
        with handle:
            data = handle.read()
        return _headers(HttpResponse(data, content_type=f"text/plain; charset={text_charset(data)}"), det, suffix, etag)
    return _headers(FileResponse(handle, content_type=content_type), det, suffix, etag)


def _by_case(case_number: str) -> Determination:
    return get_object_or_404(Determination, case_number=case_number)


def _by_pk(pk: int) -> Determination:
    if pk > MAX_ID:
        raise Http404("No determination has this id.")
    return get_object_or_404(Determination, pk=pk)


def letter_pdf(request, case_number: str):
    return serve(request, _by_case(case_number), PDF)


def letter_txt(request, case_number: str):
    return serve(request, _by_case(case_number), TXT)


def letter_pdf_pk(request, pk: int):
    return serve(request, _by_pk(pk), PDF)


def letter_txt_pk(request, pk: int):
    return serve(request, _by_pk(pk), TXT)
