"""A clerk's classification choices, stored as data that reclassification applies (the review
queue in the admin, pipeline.admin.procedures, makes them):

- ProcedureAlias: a phrase that names a procedure ("Kera-Tek gel" is a salicylate/menthol
  topical). Found in a request as the taxonomy's terms are (any case, inflections, compounds,
  word order), it decides before every other signal.
- SectionProcedure: the procedure a guideline section stands for when a request's words say
  nothing, for one catalog section; it goes before procedures/data/sections.yaml.

Both survive `manage.py reclassify` and re-parsing: classification reads them every time
(procedures.classify.current_rules). ClassificationReview is the disputed items seen as the
review queue (a proxy: no table of its own).
"""

from django.core.exceptions import ValidationError
from django.db import models

from cases.models import DisputedItem
from guidelines.models import GuidelineSection
from procedures.taxonomy import default_taxonomy


def validate_procedure(name: str) -> None:
    if name not in {p.name for p in default_taxonomy().procedures}:
        raise ValidationError(f"{name!r} is not a procedure of the taxonomy (procedures/data/).")


def procedure_choices() -> list[tuple[str, str]]:
    tax = default_taxonomy()
    return [(p.name, f"{p.name} ({p.category})") for p in sorted(tax.procedures, key=lambda p: (p.category, p.name))]


class ProcedureAlias(models.Model):
    phrase = models.CharField(max_length=200, unique=True, help_text="Words of a request that name the procedure")
    procedure = models.CharField(max_length=120, validators=[validate_procedure])
    note = models.TextField(blank=True)
    example = models.TextField(blank=True, help_text="The request the choice was made on")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["phrase"]
        verbose_name = "procedure alias"
        verbose_name_plural = "procedure aliases"

    def __str__(self):
        return f"{self.phrase} → {self.procedure}"


class SectionProcedure(models.Model):
    section = models.OneToOneField(GuidelineSection, on_delete=models.CASCADE, related_name="procedure_choice")
    procedure = models.CharField(max_length=120, validators=[validate_procedure])
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["section"]
        verbose_name = "section procedure"

    def __str__(self):
        return f"{self.section} → {self.procedure}"


class ClassificationReview(DisputedItem):
    """Decisions whose classification a person should look at: left "other", or decided with
    little confidence (procedures.classify.REVIEW_BELOW)."""

    class Meta:
        proxy = True
        verbose_name = "classification to review"
        verbose_name_plural = "classification review queue"
