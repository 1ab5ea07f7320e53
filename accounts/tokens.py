"""A user's own API token (rest_framework.authtoken: `Authorization: Token <key>`): created from
the profile, its key shown once in the answer to that request, revocable. One per user; creating
another replaces it."""

from __future__ import annotations

from django.db import transaction
from rest_framework.authtoken.models import Token


def create_token(user) -> str:
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user).key


def revoke_token(user) -> bool:
    deleted, _ = Token.objects.filter(user=user).delete()
    return bool(deleted)


def token_of(user) -> Token | None:
    return Token.objects.filter(user=user).first()
