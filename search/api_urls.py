from django.urls import path

from search.analytics_api import AnalyticsAPIView
from search.api_views import SearchAPIView, SectionSearchAPIView
from search.export_api import CsvExportAPIView, JsonlExportAPIView
from search.precedents.api import PrecedentAPIView

urlpatterns: list = [
    path("search/", SearchAPIView.as_view(), name="api-search"),
    path("search/export.csv", CsvExportAPIView.as_view(), name="api-search-export-csv"),
    path("search/export.jsonl", JsonlExportAPIView.as_view(), name="api-search-export-jsonl"),
    path("search/sections/", SectionSearchAPIView.as_view(), name="api-search-sections"),
    path("analytics/", AnalyticsAPIView.as_view(), name="api-analytics"),
    path("precedents/", PrecedentAPIView.as_view(), name="api-precedents"),
]
