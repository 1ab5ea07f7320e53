from django.urls import path
from rest_framework.routers import SimpleRouter

from .api_views import DeterminationViewSet
from .jobs_api import IngestJobViewSet, LetterUploadView

router = SimpleRouter()
router.register("determinations", DeterminationViewSet, basename="determination")
router.register("jobs", IngestJobViewSet, basename="ingestjob")

urlpatterns = [path("letters/", LetterUploadView.as_view(), name="letter-upload"), *router.urls]
