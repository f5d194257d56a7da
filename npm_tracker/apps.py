from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NpmTrackerConfig(AppConfig):
    name = "npm_tracker"
    verbose_name = _("Staff and configuration")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from npm_tracker.api import schema  # noqa: F401 - registers the OpenAPI extensions
