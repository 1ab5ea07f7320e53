"""A precedent request from a form, an API call or the command line: parsed once, the same way.

Parameters:
    request   the request as the treating physician wrote it ("bilateral L4-5 medial branch
              blocks"); required
    summary   optional: the clinical summary, or the UR denial's reasoning, pasted
    exclude   optional: the case number of a letter whose decisions to leave out (its own letter,
              when the request comes from a letter page)
    size      how many precedents (default 20, at most search.backends.base.PRECEDENTS_MAX)

The request is classified by the taxonomy (procedures.taxonomy.classify): its procedure picks the
first tiers of the ranking, and the body regions the request itself names (not the procedure's
default region) narrow the first tier further.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterable, Mapping

from django import forms

from cases.models import Determination
from procedures.taxonomy import Classification, classify, default_taxonomy
from procedures.taxonomy.classify import body_regions, request_text
from search.backends.base import PRECEDENTS_MAX, PrecedentQuery

DEFAULT_SIZE = 20
MAX_REQUEST = 1000
# A pasted summary or UR reasoning: a letter's summary is 1-4k characters.
MAX_SUMMARY = 20_000


class PrecedentForm(forms.Form):
    request = forms.CharField(
        max_length=MAX_REQUEST,
        strip=True,
        error_messages={"required": "Paste the request (e.g. 'bilateral L4-5 medial branch blocks')."},
    )
    summary = forms.CharField(required=False, max_length=MAX_SUMMARY, strip=True)
    exclude = forms.CharField(required=False, max_length=32, strip=True)
    size = forms.IntegerField(required=False, min_value=1, max_value=PRECEDENTS_MAX)


@dataclass
class PrecedentParams:
    request: str = ""
    summary: str = ""
    exclude: str = ""  # a case number, as given
    size: int = DEFAULT_SIZE
    exclude_letters: list[int] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @cached_property
    def classification(self) -> Classification:
        return classify(self.request)

    @property
    def procedure(self) -> str:
        """The classified procedure, or "" when the taxonomy names none ("other")."""
        name = self.classification.procedure
        return "" if name in ("", default_taxonomy().other_procedure) else name

    @cached_property
    def regions(self) -> list[str]:
        """The body regions the request names (none when it names none)."""
        tax = default_taxonomy()
        return body_regions(request_text(self.request, tax), tax)

    @property
    def text(self) -> str:
        return "\n\n".join(t for t in (self.request, self.summary) if t)

    def to_query(self) -> PrecedentQuery:
        return PrecedentQuery(
            text=self.text,
            procedure=self.procedure,
            regions=self.regions,
            exclude_letters=list(self.exclude_letters),
            size=self.size,
        )


def _value(data, key: str):
    if hasattr(data, "getlist"):
        return data.get(key)
    value = data.get(key)
    return value[-1] if isinstance(value, (list, tuple)) and value else value


def parse_precedent_params(data: Mapping | Iterable[tuple[str, str]]) -> PrecedentParams:
    """Parse a QueryDict, a mapping or (name, value) pairs. Errors name the parameter; an
    `exclude` case number that is no stored letter is an error too (one SQL query)."""
    if not isinstance(data, Mapping) and not hasattr(data, "getlist"):
        data = dict(data)
    raw = {k: _value(data, k) for k in PrecedentForm.base_fields if _value(data, k) not in (None, "")}
    form = PrecedentForm(raw)
    valid = form.is_valid()
    cleaned = form.cleaned_data
    params = PrecedentParams(
        request=cleaned.get("request") or (raw.get("request") or "").strip()[:MAX_REQUEST],
        summary=cleaned.get("summary") or "",
        exclude=cleaned.get("exclude") or "",
        size=cleaned.get("size") or DEFAULT_SIZE,
        errors={} if valid else {k: [str(m) for m in v] for k, v in form.errors.items()},
    )
    if params.exclude:
        letter = Determination.objects.filter(case_number=params.exclude).values_list("pk", flat=True).first()
        if letter is None:
            params.errors.setdefault("exclude", []).append(f"No letter with case number {params.exclude!r}.")
        else:
            params.exclude_letters = [letter]
    return params
