"""API routes, one include per app so each app owns its endpoints."""

from django.urls import include, path

urlpatterns = [
    path("", include("web.api_urls")),
    path("", include("pipeline.api_urls")),
    path("", include("guidelines.api_urls")),
    path("", include("search.api_urls")),
    path("", include("exports.api_urls")),
    path("", include("analytics.api_urls")),
    path("", include("precedents.api_urls")),
]
