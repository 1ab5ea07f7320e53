"""Deployment safety: the secret key must be a real one once DEBUG is off.

`refuse_insecure_secret_key()` runs when a WSGI server loads the application (imr_kb/wsgi.py):
gunicorn, or runserver, exits with the message instead of serving sessions, CSRF tokens and
password-reset links signed with a key published in this repository. Management commands and
tests still run on the development key. `check --deploy` reports it as imr_kb.E001.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

# deploy/production.env.example ships a placeholder starting with this: it is no key either.
EXAMPLE_KEY_PREFIX = "change-me"

MESSAGE = (
    "DJANGO_SECRET_KEY is {what}. With DEBUG off the server will not start on it: set "
    "DJANGO_SECRET_KEY to a long random value, e.g. the output of "
    "`python -c 'import secrets; print(secrets.token_urlsafe(50))'` (or DJANGO_DEBUG=1 for local "
    "development only)."
)


def insecure_secret_key() -> str | None:
    """Why the configured key is unfit for a deployment, or None."""
    key = settings.SECRET_KEY
    if key == settings.DEVELOPMENT_SECRET_KEY:
        return "not set (the built-in development key is in use)"
    if key.startswith(EXAMPLE_KEY_PREFIX):
        return "still the placeholder of deploy/production.env.example"
    return None


def refuse_insecure_secret_key() -> None:
    problem = insecure_secret_key()
    if problem and not settings.DEBUG:
        raise ImproperlyConfigured(MESSAGE.format(what=problem))


@register(Tags.security, deploy=True)
def check_secret_key(app_configs=None, **kwargs):
    problem = insecure_secret_key()
    if problem:
        return [Error(MESSAGE.format(what=problem), id="imr_kb.E001")]
    return []
