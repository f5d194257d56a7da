"""The chain of custody of evidence files: every handover (receipt, opening of the sealed
original, download of the working copy, inclusion in a signed bundle, a physical transfer
recorded by staff) is an append-only event with who, when and why. The events are sealed into
the country's hash chain with the other case events (``INTEGRITY_EVENT_MODELS``)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import choices
from cases.models.parts import Evidence
from npm_tracker.core.models import APPEND_ONLY
from npm_tracker.core.scoping import ScopedQuerySet


class CustodyEvent(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    evidence = models.ForeignKey(
        Evidence, verbose_name=_("evidence"), on_delete=models.PROTECT, related_name="custody"
    )
    kind = models.CharField(_("handover"), max_length=16, choices=choices.CustodyKind.choices)
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("by (system)"), max_length=200, blank=True)
    purpose = models.CharField(_("purpose"), max_length=500, blank=True)
    handed_to = models.CharField(
        _("handed to"),
        max_length=300,
        blank=True,
        help_text=_("For a physical transfer: the person and office that received the item."),
    )
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    country_field = "evidence__allegation__country"
    role_scope = ("allegation", "evidence__allegation")

    class Meta:
        verbose_name = _("custody event")
        verbose_name_plural = _("chain of custody")
        ordering = ("occurred_at", "created_at")
        indexes = [models.Index(fields=("evidence", "occurred_at"), name="cases_custody_timeline")]
        triggers = [APPEND_ONLY]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.occurred_at:%Y-%m-%d %H:%M}"

    @property
    def allegation(self):
        return self.evidence.allegation

    @property
    def allegation_id(self):
        return self.evidence.allegation_id

    @property
    def by(self) -> str:
        actor = self.actor if self.actor_id else None
        if actor is not None:
            return actor.get_full_name() or actor.get_username()
        return self.actor_label
