from rest_framework.routers import SimpleRouter

from .api_views import DeterminationViewSet

router = SimpleRouter()
router.register("determinations", DeterminationViewSet, basename="determination")

urlpatterns = router.urls
