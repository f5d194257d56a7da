"""Root URLs: the staff admin at /admin/ (the API is mounted under /api/v1/ by its issue)."""

from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from npm_tracker import views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
