"""The field app under ``/field/`` (fieldkit.views)."""

from django.urls import path, re_path

from fieldkit import views

app_name = "fieldkit"
urlpatterns = [
    path("", views.shell, name="shell"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service-worker"),
    re_path(r"^app/(?P<name>[a-z0-9-]+\.(?:js|css|svg|png))$", views.asset, name="asset"),
    re_path(r"^i18n/(?P<language>[a-z]{2})\.js$", views.catalog, name="catalog"),
    path("data/", views.DataView.as_view(), name="data"),
    path("planned/", views.PlannedView.as_view(), name="planned"),
    path("session/", views.SessionView.as_view(), name="session"),
    path("status/", views.StatusView.as_view(), name="status"),
]
