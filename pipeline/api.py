"""The write API: POST /api/letters/ uploads letters as an ingest job; GET /api/jobs/ and
/api/jobs/<id>/ say how it goes.

Who may: uploading needs a user, by token (`Authorization: Token <key>`) or a session (with its
CSRF token), whose role lets them upload: clerks and administrators (the permission
UPLOAD_PERMISSION, docs/accounts.md); anonymous requests get 401, readers 403. Jobs are read by
authenticated users: staff see every job (uploads, `manage.py ingest`, Celery bulk ingests),
other users the jobs they asked for; another user's job is a 404.

What is refused and what fails: problems seen in the request itself (no files, an empty file,
a file over the size limit, too many files) are a 400 naming each file, and nothing is stored.
What only the pipeline finds out (not a PDF, a broken PDF, not a letter) is a failed file of
the job with its message, while the job's other files are stored.
"""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.exceptions import TooManyFilesSent
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.models import IngestJob
from cases.parser.pdf import MAX_BYTES
from pipeline.files import too_large_message
from pipeline.jobs import create_upload_job, with_counts
from pipeline.outcomes import STATUSES
from pipeline.serializers import IngestJobDetailSerializer, IngestJobSerializer, JobFileSerializer, job_files
from pipeline.tasks import start_job

FIELD = "files"
# The Django permission of the clerks' and administrators' roles (accounts.roles): starting an
# ingest job is adding one.
UPLOAD_PERMISSION = "cases.add_ingestjob"


class MayUploadLetters(BasePermission):
    message = "Your account may not upload letters: uploading is for clerks and administrators."

    def has_permission(self, request, view):
        return bool(request.user and request.user.has_perm(UPLOAD_PERMISSION))


UPLOAD_REQUEST = {
    "multipart/form-data": {
        "type": "object",
        "properties": {
            FIELD: {
                "type": "array",
                "items": {"type": "string", "format": "binary"},
                "description": "One or more letters: PDF or text files",
            }
        },
        "required": [FIELD],
    }
}
ERRORS_400 = OpenApiResponse(
    description="Nothing stored: no files, or a file empty or too large (each named)",
    examples=[OpenApiExample("empty file", value={FIELD: ["notes.txt: empty file"]})],
)


def jobs_queryset():
    return with_counts(IngestJob.objects.all()).order_by("-created_at", "-pk")


def upload_problems(request) -> list[str]:
    try:
        uploads = request.FILES.getlist(FIELD)
    except TooManyFilesSent:  # Django's own limit, met while parsing the body
        return [f"too many files: at most {settings.DATA_UPLOAD_MAX_NUMBER_FILES} per request"]
    if not uploads:
        others = sorted(request.FILES)
        hint = f" (got file field(s): {', '.join(others)})" if others else ""
        return [f"no files sent: send one or more letters (PDF or text) as the multipart field {FIELD!r}{hint}"]
    problems = []
    for upload in uploads:
        if upload.size == 0:
            problems.append(f"{upload.name}: empty file")
        elif upload.size > MAX_BYTES:
            problems.append(f"{upload.name}: {too_large_message(upload.size)}")
    return problems


class LetterUploadView(APIView):
    parser_classes = [MultiPartParser, FormParser]
    permission_classes = [IsAuthenticated, MayUploadLetters]

    @extend_schema(
        operation_id="upload_letters",
        summary="Upload letters (PDF or text) as an ingest job",
        description=(
            "multipart/form-data with one or more files in the field `files`. Answers 202 with the ingest "
            "job; poll its `url` (GET /api/jobs/{id}/) until `state` is `done`. A file the pipeline cannot "
            "read as a letter (not a PDF, broken PDF) is a `failed` file of the job with its message; the "
            "other files are stored. The same bytes sent again are `unchanged`. Needs a token "
            f"(`Authorization: Token <key>`) or a session of a clerk or administrator. At most {settings.DATA_UPLOAD_MAX_NUMBER_FILES} "
            f"files per request, each at most {MAX_BYTES // 1048576} MB."
        ),
        request=UPLOAD_REQUEST,
        responses={
            202: IngestJobDetailSerializer,
            400: ERRORS_400,
            401: OpenApiResponse(description="No or an invalid token"),
            403: OpenApiResponse(
                description="A reader's account (uploading is for clerks), or a session without its CSRF token"
            ),
        },
        tags=["jobs"],
    )
    def post(self, request):
        problems = upload_problems(request)
        if problems:
            raise ValidationError({FIELD: problems})
        job = create_upload_job(
            request.FILES.getlist(FIELD), requested_by=request.user, remote_addr=get_client_ip_address(request)
        )
        start_job(job)  # Celery workers; in this process when no broker is configured
        job = jobs_queryset().get(pk=job.pk)
        data = IngestJobDetailSerializer(job, context={"request": request}).data
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})


@extend_schema_view(
    list=extend_schema(summary="Ingest jobs, newest first (staff: all; others: their own)", tags=["jobs"]),
    retrieve=extend_schema(summary="One ingest job: state, progress and every file's outcome", tags=["jobs"]),
)
class IngestJobViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [IsAuthenticated]
    # An id the database can hold (larger ones would overflow SQLite's INTEGER): others are 404s.
    lookup_value_regex = "[0-9]{1,18}"

    def get_serializer_class(self):
        return IngestJobDetailSerializer if self.action == "retrieve" else IngestJobSerializer

    def get_queryset(self):
        jobs = jobs_queryset()
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the model
            return jobs.none()
        if not self.request.user.is_staff:
            jobs = jobs.filter(requested_by=self.request.user)
        return jobs

    @extend_schema(
        summary="One ingest job's files, in the order sent, paginated",
        tags=["jobs"],
        parameters=[
            OpenApiParameter("status", enum=["pending", *STATUSES], description="Only the files with this outcome")
        ],
        responses=JobFileSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def files(self, request, pk=None):
        job = self.get_object()
        rows = job_files(job)
        wanted = request.query_params.get("status")
        if wanted is not None:
            if wanted not in ("pending", *STATUSES):
                raise ValidationError({"status": [f"unknown status {wanted!r}: one of pending, {', '.join(STATUSES)}"]})
            rows = rows.filter(status=wanted)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(JobFileSerializer(page, many=True, context={"request": request}).data)
