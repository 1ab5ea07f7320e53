"""The name django-axes counts failed sign-ins under (settings.AXES_USERNAME_CALLABLE): the
admin's form sends `username`, allauth's sign-in form `login`, which allauth passes on to the
authentication backends as `username` or `email`."""

from __future__ import annotations


def login_name(request, credentials=None) -> str | None:
    if credentials:
        return credentials.get("username") or credentials.get("email")
    data = getattr(request, "data", None) or request.POST
    return data.get("username") or data.get("login")
