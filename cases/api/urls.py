from rest_framework.routers import DefaultRouter

from cases.api import views

router = DefaultRouter()
router.trailing_slash = "/?"  # the same answer with or without the trailing slash, no redirect
router.include_root_view = False
router.register("allegations", views.AllegationViewSet, basename="allegation")
router.register("evidence", views.EvidenceFileViewSet, basename="evidence")
router.register("referrals", views.ReferralViewSet, basename="referral")
router.register("complaints", views.ComplaintViewSet, basename="complaint")

urlpatterns = router.urls
