from django.urls import path

from search.api_views import SearchAPIView, SectionSearchAPIView
from search.precedents.api import PrecedentAPIView

urlpatterns: list = [
    path("search/", SearchAPIView.as_view(), name="api-search"),
    path("search/sections/", SectionSearchAPIView.as_view(), name="api-search-sections"),
    path("precedents/", PrecedentAPIView.as_view(), name="api-precedents"),
]
