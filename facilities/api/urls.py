from rest_framework.routers import DefaultRouter

from facilities.api import views

router = DefaultRouter()
router.trailing_slash = "/?"  # the same answer with or without the trailing slash, no redirect
router.include_root_view = False
router.register("facilities", views.FacilityViewSet, basename="facility")
router.register("visits", views.VisitViewSet, basename="visit")
router.register("recommendations", views.RecommendationViewSet, basename="recommendation")

urlpatterns = router.urls
