"""The site's URLs: one include per app, so each app owns its pages."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from imr_kb.api_docs import redoc_view, swagger_view
from imr_kb.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz/", healthz, name="healthz"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", swagger_view, name="api-docs"),
    path("api/redoc/", redoc_view, name="api-redoc"),
    path("api/", include("imr_kb.api_urls")),
    path("guidelines/", include("guidelines.urls")),
    path("accounts/", include("accounts.urls")),
    path("alerts/", include("alerts.urls")),
    path("", include("analytics.urls")),
    path("precedents/", include("precedents.urls")),
    path("", include("cases.urls")),
    path("", include("web.urls")),
]

handler404 = "imr_kb.errors.page_not_found"
handler500 = "imr_kb.errors.server_error"
