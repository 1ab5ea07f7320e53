from django.urls import path
from rest_framework.routers import SimpleRouter

from guidelines import api

router = SimpleRouter()
router.register("guidelines", api.GuidelineDocumentViewSet, basename="guideline")

urlpatterns = [
    path("guidelines/<slug:slug>/sections/<slug:anchor>/", api.section_detail, name="guideline-section"),
    *router.urls,
]
