from django.urls import path, re_path
from rest_framework.routers import DefaultRouter

from reports.api import views

router = DefaultRouter()
router.trailing_slash = "/?"  # the same answer with or without the trailing slash, no redirect
router.include_root_view = False
router.register("reports", views.ReportViewSet, basename="report")

urlpatterns = [
    *router.urls,
    re_path(r"^statistics/?$", views.StatisticsView.as_view(), name="statistics"),
    path("referrals/<uuid:pk>/bundle/", views.ReferralBundleView.as_view(), name="referral-bundle"),
]
