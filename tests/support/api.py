"""An API client as the write API's users have one (a token), and uploads of real letters."""

from __future__ import annotations

from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

PDF_CASE, PDF_QUERY = "CM16-0219557", "facet injection"  # "Facet joint injections L4-5, L5-S1: Upheld"
TXT_CASE, TXT_QUERY = "CM16-0221706", "Viagra"  # "Three months coverage of Viagra 50mg: Upheld"


def token_client(username: str, staff: bool = False, upload: bool = True) -> APIClient:
    """A token user; `upload`: with the permission to upload letters (a clerk's, given to the
    account itself: not staff unless `staff`). Roles proper: tests/accounts/."""
    user = User.objects.create_user(username, is_staff=staff)
    if upload:
        user.user_permissions.add(Permission.objects.get(content_type__app_label="cases", codename="add_ingestjob"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    client.user = user
    return client


def upload(client, *files: tuple[str, bytes], field: str = "files"):
    return client.post(
        "/api/letters/", {field: [SimpleUploadedFile(name, data) for name, data in files]}, format="multipart"
    )
