"""Guideline documents as sections, and the links from letter citations to them.

The catalog (titles, numbers, page ranges: facts) comes from guidelines/data/catalog.yaml; the
official text of a section is blank until a deployment imports its own copy (import_guideline).
"""

from django.db import models
from django.urls import reverse


class GuidelineDocument(models.Model):
    class Family(models.TextChoices):
        MTUS = "MTUS", "MTUS"
        ACOEM = "ACOEM", "ACOEM"
        ODG = "ODG", "ODG"
        OTHER = "OTHER", "Other"

    family = models.CharField(max_length=8, choices=Family.choices, db_index=True)
    title = models.CharField(max_length=255)
    short_title = models.CharField(max_length=120, blank=True)
    edition_year = models.PositiveSmallIntegerField(null=True, blank=True)
    slug = models.SlugField(max_length=120, unique=True)
    regulation = models.CharField(max_length=40, blank=True, help_text='MTUS only, e.g. "8 CCR 9792.24.2"')
    edition = models.CharField(max_length=60, blank=True, help_text='e.g. "2nd ed. (2004)", "3rd ed."')
    page_start = models.PositiveIntegerField(null=True, blank=True)
    page_end = models.PositiveIntegerField(null=True, blank=True)
    aliases = models.JSONField(default=list, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    text_source = models.CharField(max_length=255, blank=True, help_text="File the official text was imported from")
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["family", "order", "title", "edition_year"]

    def __str__(self):
        return f"{self.get_family_display()} {self.title}{f' ({self.edition_year})' if self.edition_year else ''}"

    def get_absolute_url(self):
        return reverse("guidelines:document", args=[self.slug])

    @property
    def label(self) -> str:
        """The name a reader tells apart from every other document, editions included:
        "Chronic Pain Medical Treatment Guidelines (2009)" vs "(2016)", "ACOEM Low Back
        Disorders (3rd ed.)", "ODG Knee & Leg (Acute & Chronic)". Search facets show it."""
        if self.family == self.Family.ODG:
            return self.title if self.title.startswith("ODG") else f"ODG {self.title}"
        if self.family == self.Family.ACOEM:
            name = self.title if self.title.startswith("ACOEM") else f"ACOEM {self.title}"
            return f"{name} ({self.edition})" if self.edition else name
        return f"{self.title} ({self.edition_year})" if self.edition_year else self.title


class GuidelineSection(models.Model):
    document = models.ForeignKey(GuidelineDocument, on_delete=models.CASCADE, related_name="sections")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    number = models.CharField(max_length=40, blank=True)
    title = models.CharField(max_length=400)
    anchor = models.SlugField(max_length=120)
    page_start = models.PositiveIntegerField(null=True, blank=True)
    page_end = models.PositiveIntegerField(null=True, blank=True)
    text = models.TextField(blank=True, help_text="Official text; blank until a deployment imports it")
    order = models.PositiveIntegerField(default=0)
    aliases = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["document", "order"]
        constraints = [models.UniqueConstraint(fields=["document", "anchor"], name="unique_section_anchor")]

    def __str__(self):
        label = f"{self.number} {self.title}" if self.number else self.title
        return f"{self.document.short_title or self.document.title} {self.document.edition_year or ''}: {label}"

    @property
    def label(self):
        return f"{self.number} {self.title}" if self.number else self.title

    def get_absolute_url(self):
        return reverse("guidelines:section", args=[self.document.slug, self.anchor])

    @property
    def url(self) -> str:
        return self.get_absolute_url()

    @property
    def qualified_label(self) -> str:
        """The section qualified by its document ("Low Back Complaints (2004) › Special
        Studies"): "Summary" or "Treatment" alone name a section in many documents."""
        return f"{self.document.label} › {self.label}"


class ManualResolution(models.Model):
    """A person's choice for a citation text: applies to every citation with the same normalised
    key (the same unmatched clause in other letters resolves too) and survives re-linking."""

    key = models.CharField(
        max_length=500, unique=True, help_text="Normalised citation text (kind|document|year|sections)"
    )
    example = models.TextField(blank=True, help_text="A citation as written, for people")
    document = models.ForeignKey(
        GuidelineDocument,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text="Leave blank to mark the source as not a catalog guideline",
    )
    sections = models.ManyToManyField(GuidelineSection, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.example[:80] or self.key[:80]


class CitationLink(models.Model):
    class Method(models.TextChoices):
        EXACT_TITLE = "exact_title", "Exact title"
        ALIAS = "alias", "Alias"
        NUMBER = "number", "Section number"
        PAGE_RANGE = "page_range", "Page within range"
        FUZZY = "fuzzy", "Close spelling"
        DOCUMENT_ONLY = "document_only", "Document only"
        MANUAL = "manual", "Manual"
        UNRESOLVED = "unresolved", "Unresolved"

    citation = models.OneToOneField("cases.GuidelineCitation", on_delete=models.CASCADE, related_name="link")
    document = models.ForeignKey(
        GuidelineDocument, null=True, blank=True, on_delete=models.SET_NULL, related_name="citation_links"
    )
    sections = models.ManyToManyField(GuidelineSection, blank=True, related_name="citation_links")
    method = models.CharField(max_length=16, choices=Method.choices, db_index=True)
    confidence = models.FloatField(default=0.0)
    needs_review = models.BooleanField(default=False, db_index=True)
    problem = models.CharField(max_length=300, blank=True, help_text="What the linker could not resolve")
    resolution_key = models.CharField(max_length=500, blank=True, db_index=True)
    manual = models.ForeignKey(ManualResolution, null=True, blank=True, on_delete=models.SET_NULL, related_name="links")
    linked_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-linked_at"]

    def __str__(self):
        return f"{self.citation} -> {self.document or 'unresolved'} ({self.method})"


class QuotedPassage(models.Model):
    """A sentence of a rationale stating what a guideline says, kept with the section (or document)
    the item's MAXIMUS citation resolved to."""

    item = models.ForeignKey("cases.DisputedItem", on_delete=models.CASCADE, related_name="quoted_passages")
    document = models.ForeignKey(
        GuidelineDocument, null=True, blank=True, on_delete=models.CASCADE, related_name="quoted_passages"
    )
    section = models.ForeignKey(
        GuidelineSection, null=True, blank=True, on_delete=models.SET_NULL, related_name="quoted_passages"
    )
    text = models.TextField()
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["item", "order"]

    def __str__(self):
        return self.text[:80]
