"""Root URLs: the staff admin at /admin/, the partner API under /api/v1/, OAuth2 at /o/."""

from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from cases.views import evidence_file
from fieldkit.api import SyncView
from npm_tracker import views
from npm_tracker.core.api.integrity import IntegrityRootView
from npm_tracker.core.api.signing import SigningKeysView
from npm_tracker.core.api.token import ThrottledTokenView
from npm_tracker.core.api.webhooks import WebhookViewSet
from npm_tracker.vocabularies import VocabularyView

webhook_router = DefaultRouter()
webhook_router.trailing_slash = "/?"
webhook_router.include_root_view = False
webhook_router.register("webhooks", WebhookViewSet, basename="webhook")

api_v1 = [
    re_path(r"^vocabularies/(?P<name>[a-z-]+)/?$", VocabularyView.as_view(), name="vocabulary"),
    path("", include("facilities.api.urls")),
    path("", include("cases.api.urls")),
    path("", include("reports.api.urls")),
    path("", include(webhook_router.urls)),
    path("sync/", SyncView.as_view(), name="sync"),
    re_path(r"^signing-keys/?$", SigningKeysView.as_view(), name="signing-keys"),
    re_path(r"^integrity/roots/?$", IntegrityRootView.as_view(), name="integrity-roots"),
    # The schema and its documentation are public: partners read them before they have a client.
    re_path(
        r"^schema/?$",
        SpectacularAPIView.as_view(permission_classes=[AllowAny], authentication_classes=[]),
        name="schema",
    ),
    re_path(
        r"^docs/?$",
        SpectacularSwaggerSplitView.as_view(
            url_name="schema", permission_classes=[AllowAny], authentication_classes=[]
        ),
        name="docs",
    ),
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path(
        "files/evidence/<path:name>",
        admin.site.admin_view(evidence_file),
        name="evidence-file",
    ),
    path("admin/", admin.site.urls),
    path("field/", include("fieldkit.urls")),
    path("api/v1/", include(api_v1)),
    path("o/token/", ThrottledTokenView.as_view(), name="oauth2-token"),
]

handler400 = "npm_tracker.core.api.errors.handler400"
handler404 = "npm_tracker.core.api.errors.handler404"
handler500 = "npm_tracker.core.api.errors.handler500"
