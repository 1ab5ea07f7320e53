"""The analytics page (/analytics/?<search query string>) and the dashboard (/dashboard/)."""

from django.urls import path

from analytics import views

app_name = "analytics"
urlpatterns: list = [
    path("analytics/", views.analytics_page, name="analytics"),
    path("dashboard/", views.dashboard_page, name="dashboard"),
]
