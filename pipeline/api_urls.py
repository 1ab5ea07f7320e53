"""POST /api/letters/ (uploads as an ingest job), GET /api/jobs/ and /api/jobs/<id>/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from pipeline.api import IngestJobViewSet, LetterUploadView

router = SimpleRouter()
router.register("jobs", IngestJobViewSet, basename="ingestjob")

urlpatterns = [path("letters/", LetterUploadView.as_view(), name="letter-upload"), *router.urls]
