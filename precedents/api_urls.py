"""GET or POST /api/precedents/."""

from django.urls import path

from precedents.api import PrecedentAPIView

urlpatterns: list = [
    path("precedents/", PrecedentAPIView.as_view(), name="api-precedents"),
]
