"""Swagger UI (/api/docs/) and ReDoc (/api/redoc/) from local static files (drf-spectacular-
sidecar), under the site's Content-Security-Policy.

Swagger UI is the split view: its start-up script is a separate same-origin request, so no
inline script is needed. ReDoc injects its styles as <style> elements and runs its search in a
blob: worker, so its page alone allows inline styles and blob: workers (scripts stay 'self').
"""

from __future__ import annotations

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView


class SwaggerView(SpectacularSwaggerSplitView):
    template_name = "api_docs/swagger_ui.html"


class RedocView(SpectacularRedocView):
    template_name = "api_docs/redoc.html"


swagger_view = SwaggerView.as_view(url_name="api-schema")
redoc_view = csp_update({"style-src": [SELF, UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})(
    RedocView.as_view(url_name="api-schema")
)
