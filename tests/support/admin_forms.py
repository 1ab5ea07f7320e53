"""The POST data of an admin change page as a browser would send it unchanged: the main form's
and every inline's fields with their current values (lists already as the admin shows them),
and the inlines' management forms. A test changes what it edits and posts it back."""

from __future__ import annotations


def _fields(form, data: dict) -> None:
    for bound in form:
        value = bound.value()
        if value is None or value is False:
            continue  # an unticked checkbox or an empty field is not sent
        if value is True:
            value = "on"
        elif isinstance(value, (list, tuple)):
            value = [str(v) for v in value]
        data[bound.html_name] = value


def change_form_data(response) -> dict:
    assert response.status_code == 200, response.content[:500]
    data: dict = {}
    _fields(response.context["adminform"].form, data)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        _fields(formset.management_form, data)
        for form in formset.forms:
            _fields(form, data)
    return data
