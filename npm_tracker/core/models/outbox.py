"""The outbox: work to do after a change, written in the change's own transaction.

The broker only carries a job's id. A job the broker lost (a Redis restart), a worker that died
holding one, or a job whose sending failed is found again by the sweep (``outbox.sweep``), so
nothing a change caused is lost with the queue. See ``npm_tracker.core.outbox``.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed (attempts used up)")


class OutboxJob(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=64)
    payload = models.JSONField(_("payload"), default=dict)
    status = models.CharField(
        _("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    available_at = models.DateTimeField(_("not before"), default=timezone.now)
    enqueued_at = models.DateTimeField(_("sent to the queue at"), null=True, blank=True)
    lease_expires_at = models.DateTimeField(_("must finish by"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("queued job")
        verbose_name_plural = _("queued jobs")
        ordering = ("created_at",)
        indexes = [
            # What the sweep reads: the unfinished jobs, by when they may run.
            models.Index(
                fields=("status", "available_at"),
                condition=Q(status__in=("queued", "running")),
                name="npm_tracker_outbox_open",
            ),
            models.Index(fields=("finished_at",), name="npm_tracker_outbox_finished"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"
