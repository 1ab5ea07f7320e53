"""GET /api/analytics/."""

from django.urls import path

from analytics.api import AnalyticsAPIView

urlpatterns: list = [
    path("analytics/", AnalyticsAPIView.as_view(), name="api-analytics"),
]
