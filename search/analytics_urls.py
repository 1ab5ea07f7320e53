"""The analytics page (/analytics/?<search query string>) and the dashboard (/dashboard/)."""
from django.urls import path

from search import analytics_views

app_name = "analytics"
urlpatterns: list = [
    path("analytics/", analytics_views.analytics_page, name="analytics"),
    path("dashboard/", analytics_views.dashboard_page, name="dashboard"),
]
