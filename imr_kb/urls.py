from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("imr_kb.api_urls")),
    path("guidelines/", include("guidelines.urls")),
    path("search/", include("search.urls")),
    path("precedents/", include("search.precedents.urls")),
    path("", include("cases.urls")),
]
