"""GET /api/search/export.csv and /api/search/export.jsonl."""

from django.urls import path

from exports.api import CsvExportAPIView, JsonlExportAPIView

urlpatterns: list = [
    path("search/export.csv", CsvExportAPIView.as_view(), name="api-search-export-csv"),
    path("search/export.jsonl", JsonlExportAPIView.as_view(), name="api-search-export-jsonl"),
]
