from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldkitConfig(AppConfig):
    """The offline visit kit's server side: devices and the batch sync of their work."""

    name = "fieldkit"
    verbose_name = _("Field kit")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from fieldkit import roles

        roles.register()
