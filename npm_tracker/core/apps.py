from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The foundation's models keep the app label (and so the tables) they always had."""

    default = True
    name = "npm_tracker.core"
    label = "npm_tracker"
    verbose_name = _("Staff and configuration")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from npm_tracker.core import (
            lookups,
            webhooks,  # noqa: F401 - registers the outbox job of webhooks
        )
        from npm_tracker.core.api import schema  # noqa: F401 - registers the OpenAPI extensions

        lookups.register()
