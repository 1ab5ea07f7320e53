"""Admin form fields as a records clerk edits them: lists one item per line (not JSON), a
procedure and a body region chosen from the taxonomy (typed with the browser's own completion
from a <datalist>: no script, nothing for the Content-Security-Policy to refuse), and inputs
sized so a page fits a 1366 px screen."""

from __future__ import annotations

from django import forms
from django.contrib.admin.widgets import AdminTextareaWidget
from django.utils.html import format_html, format_html_join

from cases.models import Determination, DisputedItem, GuidelineCitation
from procedures.classify import MANUAL, procedure_names, region_names

LATERALITY = [("", "none named"), ("left", "left"), ("right", "right"), ("bilateral", "bilateral")]


class LinesField(forms.CharField):
    """A list of strings edited as text, one per line; blank lines and surrounding spaces go."""

    def __init__(self, *args, rows: int = 3, **kwargs):
        kwargs.setdefault("widget", AdminTextareaWidget(attrs={"rows": rows, "cols": 40, "class": "lines"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return "\n".join(str(v) for v in value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def has_changed(self, initial, data):
        return (initial or []) != self.to_python(data)


class DatalistInput(forms.TextInput):
    """A text input offering `options` as the browser's completion list."""

    def __init__(self, options, attrs=None):
        super().__init__(attrs)
        self.options = list(options)

    def render(self, name, value, attrs=None, renderer=None):
        list_id = f"{(attrs or {}).get('id') or name}-options"
        field = super().render(name, value, {**(attrs or {}), "list": list_id}, renderer)
        options = format_html_join("", '<option value="{}">', ((o,) for o in self.options))
        return format_html('{}<datalist id="{}">{}</datalist>', field, list_id, options)


class TaxonomyChoiceField(forms.CharField):
    """One of the taxonomy's names, typed with completion; anything else is refused by name."""

    def __init__(self, *, names, what: str, **kwargs):
        self.names, self.what = list(names), what
        kwargs.setdefault("widget", DatalistInput(self.names, attrs={"size": 40, "autocomplete": "off"}))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value and value not in self.names:
            close = [n for n in self.names if value.lower() in n.lower()][:5]
            hint = f" Did you mean: {', '.join(close)}?" if close else " Choose one from the list."
            raise forms.ValidationError(f"{value!r} is not a {self.what} of the taxonomy.{hint}")
        return value


class DeterminationForm(forms.ModelForm):
    reviewer_licensure = LinesField(label="Reviewer licensure", help_text="States of licensure, one per line", rows=2)
    reviewer_specialty = LinesField(
        label="Reviewer specialty", help_text="Certifications and specialties, one per line", rows=3
    )

    class Meta:
        model = Determination
        fields = "__all__"


class DisputedItemForm(forms.ModelForm):
    """An item with its classification chosen from the taxonomy. A procedure, region or side set
    here is kept (procedures.classify.MANUAL) until "Classify from the request" is ticked."""

    procedure = TaxonomyChoiceField(names=[], what="procedure", required=False)
    body_region = TaxonomyChoiceField(names=[], what="body region", required=False)
    laterality = forms.ChoiceField(choices=LATERALITY, required=False)
    reclassify = forms.BooleanField(
        required=False,
        label="Classify from the request",
        help_text="Let the taxonomy classify this decision from its request again (undoes a choice made here).",
    )

    class Meta:
        model = DisputedItem
        fields = ["determination", "order", "request", "disputed_portion", "decision", "rationale"]
        widgets = {
            "request": AdminTextareaWidget(attrs={"rows": 2}),
            "disputed_portion": AdminTextareaWidget(attrs={"rows": 2}),
            "rationale": AdminTextareaWidget(attrs={"rows": 12}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The taxonomy is read when the form is made: a changed data file is picked up on restart.
        procedures, regions = procedure_names(), region_names()
        for name, names in (("procedure", procedures), ("body_region", regions)):
            field = self.fields[name]
            field.names = names
            field.widget.options = names
        if self.instance.pk:
            for name in ("procedure", "body_region", "laterality"):
                self.initial.setdefault(name, getattr(self.instance, name))

    def clean(self):
        data = super().clean()
        if not data.get("reclassify") and any(n in self.changed_data for n in ("procedure", "body_region")):
            for name in ("procedure", "body_region"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, "Choose one from the list (or tick “Classify from the request”).")
        return data

    @property
    def classification_changed(self) -> bool:
        return any(n in self.changed_data for n in ("procedure", "body_region", "laterality"))

    @property
    def classified_by_hand(self) -> bool:
        return self.instance.taxonomy_version == MANUAL


class CitationInlineForm(forms.ModelForm):
    sections = LinesField(label="Sections", rows=2, help_text="One per line")

    class Meta:
        model = GuidelineCitation
        fields = ["party", "order", "kind", "document", "year", "sections", "pages", "clause"]
        widgets = {
            "document": forms.TextInput(attrs={"size": 28}),
            "pages": forms.TextInput(attrs={"size": 6}),
            "clause": AdminTextareaWidget(attrs={"rows": 2, "cols": 36}),
            "order": forms.NumberInput(attrs={"class": "vSmallField"}),
            "year": forms.NumberInput(attrs={"class": "vSmallField"}),
        }
