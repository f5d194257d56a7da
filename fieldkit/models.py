"""Devices that sync work done offline, and the batches they sent (CONTRACT.md, "Offline field
sync"). A batch keeps the results it answered, never the data it carried: ids, statuses, ETags
and error messages only, so that the same batch sent again answers the same and creates
nothing."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Device(models.Model):
    """A tablet or phone of a monitor (or a partner system that batches work), named by the
    UUID it chose; it belongs to the caller that first synced with it."""

    id = models.UUIDField(primary_key=True, editable=False)
    owner = models.CharField(_("owner"), max_length=200, help_text=_("The user or API client."))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="field_devices",
    )
    created_at = models.DateTimeField(_("first synced at"), auto_now_add=True)
    last_sync_at = models.DateTimeField(_("last synced at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    pending_operations = models.PositiveIntegerField(
        _("operations waiting"),
        default=0,
        help_text=_("Operations waiting on the device to be synced, as it last reported."),
    )
    reported_at = models.DateTimeField(_("last reported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ("-last_sync_at",)

    def __str__(self) -> str:
        return str(self.id)


class SyncBatch(models.Model):
    """One batch a device sent, with the results it was answered."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    device = models.ForeignKey(
        Device, verbose_name=_("device"), on_delete=models.PROTECT, related_name="batches"
    )
    batch_id = models.UUIDField(_("batch id"))
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    results = models.JSONField(_("results"), default=list)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sync batch")
        verbose_name_plural = _("sync batches")
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(fields=("device", "batch_id"), name="fieldkit_batch_once")
        ]

    def __str__(self) -> str:
        return str(self.batch_id)
