"""The read-access log: every view of identity or medical data."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from npm_tracker.core.models.base import APPEND_ONLY
from npm_tracker.core.models.staff import Country
from npm_tracker.core.scoping import ScopedQuerySet


class AccessChannel(models.TextChoices):
    ADMIN = "admin", _("admin page")
    API = "api", _("API response")
    PDF = "pdf", _("PDF report")
    EXPORT = "export", _("export")


class AccessLog(models.Model):
    """One view of identity or medical data, or one change of a staff account's roles: who,
    what, when, from where, why. Append-only; holds ids, never the values read."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("system actor"), max_length=200, blank=True)
    channel = models.CharField(_("channel"), max_length=8, choices=AccessChannel.choices)
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    object_type = models.CharField(_("record type"), max_length=64)
    object_id = models.UUIDField(_("record id"), null=True, blank=True)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account concerned"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The staff account whose roles changed."),
    )
    allegation_id = models.UUIDField(_("allegation id"), null=True, blank=True, db_index=True)
    what = models.CharField(_("data read"), max_length=100)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    path = models.CharField(_("path"), max_length=300, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    country_field = "country"
    role_scope = ("audit", "")

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ("-at",)
        indexes = [models.Index(fields=("user", "-at"), name="npm_tracker_access_user")]
        triggers = [APPEND_ONLY]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user or self.actor_label}: {self.what}"
