"""The determination filters of the list page and the API (django-filter): item decision,
reviewer specialty, decision year and, in the API, parse status.

A value that cannot be a filter (year 0, year 10000, a decision that is neither Upheld nor
Overturned) is a form error: a 400 with the message, never a query that fails.
"""

from __future__ import annotations

import django_filters
from django import forms

from cases.models import Determination, DisputedItem
from cases.queries import filter_specialty

MAX_YEAR = 9999


class CaseInsensitiveChoiceField(forms.ChoiceField):
    """Accepts "overturned" for "Overturned"; anything else lists the valid values."""

    def to_python(self, value):
        value = super().to_python(value).strip()
        for choice, _label in self.choices:
            if choice and value.lower() == str(choice).lower():
                return choice
        return value

    def validate(self, value):
        if value and value not in {choice for choice, _ in self.choices}:
            valid = ", ".join(str(choice) for choice, _ in self.choices if choice)
            # Params, not an f-string: the message is %-formatted later (a value may hold "%").
            raise forms.ValidationError(
                "%(value)r is not one of %(valid)s", code="invalid_choice", params={"value": value, "valid": valid}
            )
        super().validate(value)


class DecisionFilter(django_filters.ChoiceFilter):
    field_class = CaseInsensitiveChoiceField


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class DeterminationFilter(django_filters.FilterSet):
    decision = DecisionFilter(
        choices=DisputedItem.Decision.choices,
        method="filter_decision",
        help_text="Letters with at least one item of this decision (case-insensitive)",
    )
    specialty = django_filters.CharFilter(
        method="filter_specialty",
        help_text="Reviewer specialty (whole name, case-insensitive)",
    )
    year = YearFilter(
        field_name="decision_date",
        lookup_expr="year",
        min_value=1,
        max_value=MAX_YEAR,
        error_messages={
            "invalid": "a decision year is a whole number from 1 to 9999",
            "min_value": "a decision year is a whole number from 1 to 9999",
            "max_value": "a decision year is a whole number from 1 to 9999",
        },
        help_text="Decision year (1 to 9999)",
    )

    class Meta:
        model = Determination
        fields: list[str] = []

    def filter_decision(self, queryset, name, value):
        return queryset.filter(items__decision=value).distinct() if value else queryset

    def filter_specialty(self, queryset, name, value):
        return filter_specialty(queryset, value) if value.strip() else queryset


class DeterminationAPIFilter(DeterminationFilter):
    parse_status = django_filters.ChoiceFilter(
        choices=Determination.ParseStatus.choices,
        help_text="Parse status (default: letters that parsed, i.e. not failed)",
    )

    def filter_queryset(self, queryset):
        if not self.form.cleaned_data.get("parse_status"):
            queryset = queryset.exclude(parse_status=Determination.ParseStatus.FAILED)
        return super().filter_queryset(queryset)
