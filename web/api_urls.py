"""GET /api/determinations/ and /api/determinations/<case number>/."""

from rest_framework.routers import SimpleRouter

from web.letters_api import DeterminationViewSet

router = SimpleRouter()
router.register("determinations", DeterminationViewSet, basename="determination")

urlpatterns = [*router.urls]
