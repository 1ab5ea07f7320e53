"""IMR final determinations as structured records. The raw letter text and the original file
are always kept. IngestJob / IngestJobFile record what an ingest was asked to do and how each
file went (see pipeline.jobs)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse


def original_name(sha256: str, is_pdf: bool) -> str:
    """Where a letter's original file is stored: named by its SHA-256, so the same bytes are
    stored once whatever the file was called, and a name says what it holds."""
    return f"letters/{sha256[:2]}/{sha256}.{'pdf' if is_pdf else 'txt'}"


class Determination(models.Model):
    class Priority(models.TextChoices):
        STANDARD = "Standard", "Standard"
        EXPEDITED = "Expedited", "Expedited"

    class Sex(models.TextChoices):
        MALE = "male", "Male"
        FEMALE = "female", "Female"

    class ParseStatus(models.TextChoices):
        OK = "ok", "Parsed"
        WARNINGS = "warnings", "Parsed with warnings"
        FAILED = "failed", "Failed"

    # Null for letters that carry no case number (the older layout) and for files that failed
    # to parse; unique among those that have one (NULLs do not collide).
    case_number = models.CharField(max_length=32, unique=True, null=True, blank=True)
    date_assigned = models.DateField(null=True, blank=True)
    date_of_injury = models.DateField(null=True, blank=True)
    decision_date = models.DateField(null=True, blank=True, db_index=True)
    ur_denial_date = models.DateField(null=True, blank=True)
    application_received = models.DateField(null=True, blank=True)
    priority = models.CharField(max_length=16, choices=Priority.choices, blank=True)

    reviewer_licensure = models.JSONField(default=list, blank=True, help_text="States of licensure")
    reviewer_specialty = models.JSONField(default=list, blank=True, help_text="Certifications / specialties")

    patient_age = models.PositiveSmallIntegerField(null=True, blank=True)
    patient_sex = models.CharField(max_length=8, choices=Sex.choices, blank=True)

    clinical_summary = models.TextField(blank=True)
    layout = models.CharField(max_length=16, blank=True, help_text="Letter layout recognised by the parser")

    source_name = models.CharField(max_length=255, help_text="File name the letter was ingested from")
    sha256 = models.CharField(max_length=64, db_index=True, help_text="SHA-256 of the source file bytes")
    raw_text = models.TextField(blank=True, help_text="Text extracted from the source, kept verbatim")
    # The file's bytes in Django's default storage (MEDIA_ROOT), named by sha256 (original_name).
    # Blank for letters stored before originals were kept (re-ingest the file to attach it) and
    # for files too large to read.
    original = models.FileField(max_length=120, blank=True, help_text="The letter file as ingested (PDF or text)")

    parse_status = models.CharField(max_length=16, choices=ParseStatus.choices, default=ParseStatus.OK, db_index=True)
    parse_errors = models.JSONField(default=list, blank=True)
    parse_warnings = models.JSONField(default=list, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-decision_date", "case_number"]
        indexes = [
            models.Index(fields=["parse_status", "decision_date"]),
            models.Index(fields=["source_name"]),
        ]
        constraints = [
            # One record per file content: concurrent ingests of the same bytes (a letter with no
            # case number, or a failed file) cannot both insert; the loser retries and finds it.
            models.UniqueConstraint(fields=["sha256"], condition=~Q(sha256=""), name="unique_determination_sha256"),
        ]

    def __str__(self):
        return self.case_number or f"{self.source_name} ({self.get_parse_status_display()})"

    def get_absolute_url(self):
        if self.case_number:
            return reverse("web:letter", args=[self.case_number])
        return reverse("web:letter_pk", args=[self.pk])

    # --- the letter's downloads (cases.downloads) ---
    @property
    def original_is_pdf(self) -> bool:
        return self.original.name.endswith(".pdf")

    @property
    def has_letter_text(self) -> bool:
        """A text to download: the original text file, or the text extracted from the PDF."""
        return bool(self.original) and (not self.original_is_pdf or bool(self.raw_text.strip()))

    def _download_url(self, suffix: str) -> str:
        if self.case_number:
            return reverse(f"cases:letter_{suffix}", args=[self.case_number])
        return reverse(f"cases:letter_{suffix}_pk", args=[self.pk])

    def letter_pdf_url(self) -> str | None:
        """Path of the original PDF (None: the letter was not a PDF, or its original was not kept)."""
        return self._download_url("pdf") if self.original and self.original_is_pdf else None

    def letter_txt_url(self) -> str | None:
        """Path of the letter's text (None: no original kept, or a PDF with no extracted text)."""
        return self._download_url("txt") if self.has_letter_text else None


class DeterminationRevision(models.Model):
    """A re-ingest that changed a letter already stored: what it was and what changed."""

    determination = models.ForeignKey(Determination, on_delete=models.CASCADE, related_name="revisions")
    recorded_at = models.DateTimeField(auto_now_add=True)
    source_name = models.CharField(max_length=255)
    previous_sha256 = models.CharField(max_length=64)
    new_sha256 = models.CharField(max_length=64)
    changed_fields = models.JSONField(default=list, blank=True)
    previous_raw_text = models.TextField(blank=True)

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self):
        return f"{self.determination} revised {self.recorded_at:%Y-%m-%d %H:%M}"


class DisputedItem(models.Model):
    class Decision(models.TextChoices):
        UPHELD = "Upheld", "Upheld"
        OVERTURNED = "Overturned", "Overturned"

    determination = models.ForeignKey(Determination, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(default=0)
    request = models.TextField(help_text="The request as written in the letter")
    disputed_portion = models.TextField(
        null=True, blank=True, help_text="For a partly authorized request: the part left for IMR"
    )
    decision = models.CharField(max_length=16, choices=Decision.choices, blank=True, db_index=True)
    rationale = models.TextField(blank=True)

    # Procedure taxonomy (procedures app's data files), recomputed when the taxonomy changes.
    procedure = models.CharField(max_length=120, blank=True, db_index=True)
    procedure_category = models.CharField(max_length=80, blank=True, db_index=True)
    body_region = models.CharField(max_length=80, blank=True, db_index=True)
    laterality = models.CharField(max_length=16, blank=True)
    taxonomy_version = models.CharField(max_length=64, blank=True)
    # The DWC's request category ("Pharmaceuticals › Opioids", or a category alone), and how the
    # classification was decided: which signal, how sure, on what evidence, and every signal seen
    # (docs/classification.md).
    request_category = models.CharField(
        max_length=120, blank=True, db_index=True, help_text="DWC request category: Category › Sub-category"
    )
    classification_confidence = models.FloatField(default=0.0, db_index=True)
    classification_signal = models.CharField(max_length=16, blank=True, db_index=True)
    classification_evidence = models.CharField(max_length=200, blank=True)
    classification_signals = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["determination", "order"]
        constraints = [
            models.UniqueConstraint(fields=["determination", "order"], name="unique_item_order"),
        ]

    def __str__(self):
        return f"{self.request[:80]}: {self.decision}"

    @property
    def dwc_category(self) -> str:
        return self.request_category.partition(" › ")[0]

    @property
    def dwc_subcategory(self) -> str:
        return self.request_category.partition(" › ")[2]


class GuidelineCitation(models.Model):
    class Party(models.TextChoices):
        CLAIMS_ADMINISTRATOR = "claims_administrator", "Claims administrator"
        MAXIMUS = "maximus", "MAXIMUS reviewer"

    class Kind(models.TextChoices):
        MTUS = "MTUS", "MTUS"
        NON_MTUS = "NON_MTUS", "Non-MTUS"
        NONE = "NONE", "No medical evidence cited"

    item = models.ForeignKey(DisputedItem, on_delete=models.CASCADE, related_name="citations")
    party = models.CharField(max_length=24, choices=Party.choices, db_index=True)
    order = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=Kind.choices, db_index=True)
    document = models.TextField(null=True, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    sections = models.JSONField(default=list, blank=True)
    pages = models.CharField(max_length=120, null=True, blank=True)
    clause = models.TextField(blank=True, help_text="The citation as written in the letter")

    class Meta:
        ordering = ["item", "party", "order"]
        indexes = [models.Index(fields=["kind", "year"])]

    def __str__(self):
        label = self.document or self.get_kind_display()
        return f"{self.get_party_display()}: {label[:80]}"


class IngestJob(models.Model):
    """One ingest request: the command, the Celery bulk ingest or an upload. Its files (one
    IngestJobFile each, written in the same transaction as the letter) say how each went; the
    counts are derived from them, so a redelivered chunk never counts a file twice."""

    class Origin(models.TextChoices):
        COMMAND = "command", "manage.py ingest"
        CELERY = "celery", "Celery bulk ingest"
        UPLOAD = "upload", "Upload (API)"
        ADMIN = "admin", "Admin"

    origin = models.CharField(max_length=16, choices=Origin.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="ingest_jobs"
    )
    requester = models.CharField(
        max_length=150, blank=True, help_text="Who asked: user name, or the shell user and host"
    )
    remote_addr = models.GenericIPAddressField(null=True, blank=True, help_text="Client address of an upload")
    request = models.JSONField(default=dict, blank=True, help_text="What was asked: paths, uploads, options")
    force = models.BooleanField(default=False)
    total = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Last time a chunk committed: a running job whose progress is older than the broker's
    # visibility timeout has lost its worker (its chunks come back after that timeout).
    progressed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"ingest job {self.pk} ({self.get_origin_display()}, {self.total} file(s))"


class IngestJobFile(models.Model):
    """One file of a job: where to read it, and once done, its outcome (new / updated /
    unchanged / failed), the letter it became and the message."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        NEW = "new", "New"
        UPDATED = "updated", "Updated"
        UNCHANGED = "unchanged", "Unchanged"
        FAILED = "failed", "Failed"

    job = models.ForeignKey(IngestJob, on_delete=models.CASCADE, related_name="files")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=255, help_text="File name, stored as the letter's source name")
    path = models.TextField(blank=True, help_text="Absolute path of a file on the server")
    upload = models.CharField(max_length=120, blank=True, help_text="Storage name of an uploaded file")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    determination = models.ForeignKey(Determination, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    case_number = models.CharField(max_length=32, blank=True)
    message = models.TextField(blank=True)
    # Deliveries of the chunk holding this file: a file whose worker died several times is
    # recorded as failed rather than crash workers for ever.
    attempts = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job", "position"]
        constraints = [models.UniqueConstraint(fields=["job", "position"], name="unique_job_file_position")]
        indexes = [models.Index(fields=["job", "status"])]

    def __str__(self):
        return f"{self.name}: {self.status}"
