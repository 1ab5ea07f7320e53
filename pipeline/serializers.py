"""API representations of ingest jobs (pipeline.jobs): state, progress counts, per-file outcomes.

The counts come annotated on the job (pipeline.jobs.with_counts) and the files prefetched with their
letter, so a job reads in a constant number of queries whatever its number of files.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from pipeline.jobs import job_state
from pipeline.outcomes import STATUSES


def _absolute(request, path: str | None) -> str | None:
    if path is None:
        return None
    return request.build_absolute_uri(path) if request else path


class JobProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Files in the job")
    done = serializers.IntegerField(help_text="Files with an outcome (new + updated + unchanged + failed)")
    pending = serializers.IntegerField()
    new = serializers.IntegerField()
    updated = serializers.IntegerField(help_text="A letter already stored, re-ingested from other bytes")
    unchanged = serializers.IntegerField(help_text="The same bytes were stored already")
    failed = serializers.IntegerField()


class JobLetterSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case_number = serializers.CharField(allow_null=True)
    api_url = serializers.URLField(allow_null=True, help_text="The determination in the API (null: no case number)")
    url = serializers.URLField(help_text="The letter's page")


class JobFileSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=["pending", *STATUSES])
    message = serializers.CharField(help_text="Why it failed, or a note on the outcome; empty when none")
    finished_at = serializers.DateTimeField(allow_null=True)
    determination = serializers.SerializerMethodField()

    @extend_schema_field(JobLetterSerializer(allow_null=True))
    def get_determination(self, row) -> dict | None:
        """The letter stored from this file (a failed file's failed record too); null while pending."""
        det = row.determination
        if det is None:
            return None
        request = self.context.get("request")
        api = reverse("determination-detail", kwargs={"case_number": det.case_number}) if det.case_number else None
        return {
            "id": det.pk,
            "case_number": det.case_number,
            "api_url": _absolute(request, api),
            "url": _absolute(request, det.get_absolute_url()),
        }


class IngestJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    origin = serializers.CharField(help_text="upload (API), command (manage.py ingest), celery, admin")
    state = serializers.SerializerMethodField()
    requester = serializers.CharField(help_text="Who asked: the user name")
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    progressed_at = serializers.DateTimeField(allow_null=True, help_text="Last time a chunk of files committed")
    progress = serializers.SerializerMethodField()

    @extend_schema_field(serializers.URLField())
    def get_url(self, job) -> str:
        return _absolute(self.context.get("request"), reverse("ingestjob-detail", kwargs={"pk": job.pk}))

    @extend_schema_field(serializers.ChoiceField(choices=["queued", "running", "stalled", "done"]))
    def get_state(self, job) -> str:
        return job_state(job)

    @extend_schema_field(JobProgressSerializer)
    def get_progress(self, job) -> dict:
        return {
            "total": job.total,
            "done": job.n_done,
            "pending": job.n_pending,
            **{s: getattr(job, f"n_{s}") for s in STATUSES},
        }


# Files listed in a job's detail; a larger job (a `manage.py ingest` of a whole folder) pages the
# rest through its files_url, so the detail stays small whatever the job's size.
FILES_IN_DETAIL = 500


def job_files(job):
    """A job's files in the order sent, with the letter each became (for one query)."""
    return (
        job.files.select_related("determination")
        .only(
            "job_id",
            "position",
            "name",
            "status",
            "message",
            "finished_at",
            "determination__id",
            "determination__case_number",
        )
        .order_by("position")
    )


class IngestJobDetailSerializer(IngestJobSerializer):
    files = serializers.SerializerMethodField()
    files_url = serializers.SerializerMethodField()
    files_truncated = serializers.SerializerMethodField()

    @extend_schema_field(JobFileSerializer(many=True))
    def get_files(self, job) -> list:
        """The first FILES_IN_DETAIL files in the order sent (all of them through files_url)."""
        return JobFileSerializer(job_files(job)[:FILES_IN_DETAIL], many=True, context=self.context).data

    @extend_schema_field(serializers.URLField())
    def get_files_url(self, job) -> str:
        """Every file, paginated; ?status=failed (or pending, new, updated, unchanged) narrows it."""
        return _absolute(self.context.get("request"), reverse("ingestjob-files", kwargs={"pk": job.pk}))

    @extend_schema_field(serializers.BooleanField())
    def get_files_truncated(self, job) -> bool:
        """Whether `files` lists only the first files of the job."""
        return job.total > FILES_IN_DETAIL
