from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class NpmTrackerConfig(AppConfig):
    default = True
    name = "npm_tracker"
    verbose_name = _("Staff and configuration")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from npm_tracker import lookups
        from npm_tracker.api import schema  # noqa: F401 - registers the OpenAPI extensions

        lookups.register()


class NpmAdminConfig(admin_apps.AdminConfig):
    """The Django admin on the project's site: two-factor login where required."""

    default = False
    default_site = "npm_tracker.admin_site.NpmAdminSite"
