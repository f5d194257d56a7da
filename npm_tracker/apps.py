from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class ShellConfig(AppConfig):
    """The project shell: settings, URLs, the Celery app, the cross-app dashboard and the
    commands that span apps. It may import every app; nothing below imports it."""

    default = True
    name = "npm_tracker"
    label = "shell"
    verbose_name = _("Staff and configuration")


class NpmAdminConfig(admin_apps.AdminConfig):
    """The Django admin on the project's site: two-factor login where required."""

    default = False
    default_site = "npm_tracker.admin_site.NpmAdminSite"
