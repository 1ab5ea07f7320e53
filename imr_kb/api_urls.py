"""API routes, one include per app so each app owns its endpoints."""
from django.urls import include, path

urlpatterns = [
    path("", include("cases.api_urls")),
    path("", include("guidelines.api_urls")),
    path("", include("search.api_urls")),
]
