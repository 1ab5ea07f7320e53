"""GET /api/search/ and /api/search/sections/."""

from django.urls import path

from search.api_views import SearchAPIView, SectionSearchAPIView

urlpatterns: list = [
    path("search/", SearchAPIView.as_view(), name="api-search"),
    path("search/sections/", SectionSearchAPIView.as_view(), name="api-search-sections"),
]
