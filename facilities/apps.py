from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitiesConfig(AppConfig):
    name = "facilities"
    verbose_name = _("Places of detention and visits")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from facilities import roles

        roles.register()
