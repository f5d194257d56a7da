from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Allegations and referrals")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cases import (
            notifications,  # noqa: F401 - registers the outbox job of notices
            roles,
        )
        from cases.deadlines import Keeper
        from npm_tracker.core import clocks

        roles.register()
        clocks.register_keeper(Keeper())
