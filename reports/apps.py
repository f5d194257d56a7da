from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from reports import (
            roles,
            services,  # noqa: F401 - registers the outbox jobs of reports
        )

        roles.register()
