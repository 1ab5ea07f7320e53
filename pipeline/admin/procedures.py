"""Admin: the classification review queue, and a clerk's choices (aliases, section procedures).

The queue lists the decisions left "other", without a DWC request category, or classified with a
confidence under procedures.classify.REVIEW_BELOW, worst first, with the signals seen (what the
request's words, the drug lexicon and the guideline section each said). Opening one, the clerk
picks the procedure and says what makes it so: a phrase of the request (stored as a
ProcedureAlias) or the guideline section the reviewer relies on (a SectionProcedure). The choice
is data: saving it reclassifies every decision it applies to and queues their letters for the
index (pipeline.classification), and `reclassify` and re-parsing keep applying it.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from cases.models import GuidelineCitation
from guidelines.models import GuidelineSection
from pipeline import classification
from procedures.classify import REVIEW_BELOW
from procedures.models import ClassificationReview, ProcedureAlias, SectionProcedure, procedure_choices
from procedures.taxonomy import default_taxonomy
from procedures.taxonomy.classify import request_text

ALIAS, SECTION = "alias", "section"


def review_queue(queryset):
    """Decisions to look at: "other", no DWC category, or little confidence; worst first."""
    return queryset.filter(
        Q(procedure__in=["", "other"]) | Q(request_category="") | Q(classification_confidence__lt=REVIEW_BELOW)
    ).order_by("classification_confidence", "pk")


def relied_on_sections(item) -> list[GuidelineSection]:
    return list(
        GuidelineSection.objects.filter(
            citation_links__citation__item=item, citation_links__citation__party=GuidelineCitation.Party.MAXIMUS
        )
        .select_related("document")
        .distinct()
    )


class ReviewForm(forms.ModelForm):
    """The clerk's choice for one decision: a procedure, and what stands for it."""

    chosen_procedure = forms.ChoiceField(label="Procedure", choices=())
    apply_as = forms.ChoiceField(
        label="Because",
        choices=[(ALIAS, "the request says so in these words (an alias)"), (SECTION, "of the guideline section")],
        widget=forms.RadioSelect,
        initial=ALIAS,
    )
    phrase = forms.CharField(
        label="Words", max_length=200, required=False, help_text="Words of the request that name the procedure"
    )
    section = forms.ModelChoiceField(
        label="Section", queryset=GuidelineSection.objects.none(), required=False, help_text="Sections it relies on"
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    class Meta:
        model = ClassificationReview
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chosen_procedure"].choices = procedure_choices()
        item = self.instance
        if item.pk:
            self.fields["chosen_procedure"].initial = item.procedure
            self.fields["phrase"].initial = request_text(item.request, default_taxonomy())[:200]
            self.fields["section"].queryset = GuidelineSection.objects.filter(
                pk__in=[s.pk for s in relied_on_sections(item)]
            ).select_related("document")

    def clean(self):
        data = super().clean()
        if data.get("apply_as") == ALIAS and not (data.get("phrase") or "").strip():
            self.add_error("phrase", "Give the words of the request that name the procedure.")
        if data.get("apply_as") == SECTION and not data.get("section"):
            self.add_error("section", "Pick the section the reviewer relies on.")
        return data


@admin.register(ClassificationReview)
class ClassificationReviewAdmin(admin.ModelAdmin):
    form = ReviewForm
    list_display = ("short_request", "procedure", "request_category", "signal", "confidence", "letter")
    list_filter = ("classification_signal", "request_category")
    search_fields = ("request", "procedure", "determination__case_number")
    readonly_fields = ("request", "letter", "procedure", "request_category", "signal", "confidence", "signals_seen")
    fields = (
        "request",
        "letter",
        "procedure",
        "request_category",
        "signal",
        "confidence",
        "signals_seen",
        "chosen_procedure",
        "apply_as",
        "phrase",
        "section",
        "note",
    )
    list_select_related = ("determination",)

    def get_queryset(self, request):
        return review_queue(super().get_queryset(request).select_related("determination"))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="request")
    def short_request(self, obj):
        return obj.request[:100]

    @admin.display(description="signal", ordering="classification_signal")
    def signal(self, obj):
        return obj.classification_signal or "-"

    @admin.display(description="confidence", ordering="classification_confidence")
    def confidence(self, obj):
        return f"{obj.classification_confidence:.2f}"

    @admin.display(description="letter")
    def letter(self, obj):
        det = obj.determination
        url = (
            reverse("web:letter", args=[det.case_number])
            if det.case_number
            else reverse("web:letter_pk", args=[det.pk])
        )
        return format_html('<a href="{}">{}</a>', url, det)

    @admin.display(description="signals seen")
    def signals_seen(self, obj):
        rows = obj.classification_signals or []
        if not rows:
            return "none: no word, drug or section said what this is"
        return format_html_join(
            "",
            "<div><strong>{}</strong>: {} <span>({})</span> on “{}”, strength {}</div>",
            (
                (
                    s.get("signal"),
                    s.get("procedure") or "-",
                    s.get("dwc") or "no DWC category",
                    s.get("evidence"),
                    s.get("strength"),
                )
                for s in rows
            ),
        )

    def save_model(self, request, obj, form, change):
        """No field of the decision is edited: the choice is stored as data and applied."""
        data = form.cleaned_data
        procedure, note = data["chosen_procedure"], data.get("note") or ""
        if data["apply_as"] == SECTION:
            choice, _ = SectionProcedure.objects.update_or_create(
                section=data["section"], defaults={"procedure": procedure, "note": note}
            )
            n, letters = classification.apply_section(choice)
            what = f"section {choice.section}"
        else:
            phrase = " ".join(data["phrase"].split())
            previous = ProcedureAlias.objects.filter(phrase__iexact=phrase).first()
            alias, _ = ProcedureAlias.objects.update_or_create(
                pk=previous.pk if previous else None,
                defaults={"phrase": phrase, "procedure": procedure, "note": note, "example": obj.request[:2000]},
            )
            n, letters = classification.apply_alias(alias)
            what = f"alias “{alias.phrase}”"
        messages.info(
            request, f"Stored the {what} → {procedure}; reclassified {n} decision(s) in {len(letters)} letter(s)."
        )

    def save_related(self, request, form, formsets, change):
        pass  # nothing of the decision itself changes


@admin.register(ProcedureAlias)
class ProcedureAliasAdmin(admin.ModelAdmin):
    list_display = ("phrase", "procedure", "updated_at")
    search_fields = ("phrase", "procedure", "example")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "procedure":
            return forms.ChoiceField(choices=procedure_choices(), label="Procedure")
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        previous = ProcedureAlias.objects.filter(pk=obj.pk).values_list("phrase", flat=True).first() or ""
        super().save_model(request, obj, form, change)
        n, letters = classification.apply_alias(obj, previous)
        messages.info(request, f"Reclassified {n} decision(s) in {len(letters)} letter(s).")

    def delete_model(self, request, obj):
        items = classification.alias_candidates(obj.phrase)
        super().delete_model(request, obj)
        classification.reclassify(items)


@admin.register(SectionProcedure)
class SectionProcedureAdmin(admin.ModelAdmin):
    list_display = ("section", "procedure", "updated_at")
    search_fields = ("section__title", "procedure")
    autocomplete_fields = ("section",)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "procedure":
            return forms.ChoiceField(choices=procedure_choices(), label="Procedure")
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        n, letters = classification.apply_section(obj)
        messages.info(request, f"Reclassified {n} decision(s) in {len(letters)} letter(s).")

    def delete_model(self, request, obj):
        section = obj.section_id
        super().delete_model(request, obj)
        classification.reclassify(classification.section_items(section))
