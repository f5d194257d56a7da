"""Referrals to the prosecutor's office and the append-only steps of referrals and
allegations."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cases import choices
from cases.models.allegations import Allegation
from cases.models.base import Evidence_, no_delete
from cases.models.vocabularies import ProsecutorOffice
from npm_tracker.core.models import APPEND_ONLY, ClockedMixin, DomainModel, LifecycleEvent


class Referral(ClockedMixin, Evidence_, DomainModel):
    """An allegation passed to a prosecutor's office, followed until the final outcome."""

    reference = models.CharField(_("reference"), max_length=40, unique=True, editable=False)
    allegation = models.ForeignKey(
        Allegation, verbose_name=_("allegation"), on_delete=models.PROTECT, related_name="referrals"
    )
    prosecutor_office = models.ForeignKey(
        ProsecutorOffice,
        verbose_name=_("prosecutor's office"),
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=choices.ReferralStatus.choices,
        default=choices.ReferralStatus.DRAFT,
        editable=False,
    )
    external_number = models.CharField(
        _("external number"),
        max_length=64,
        blank=True,
        editable=False,
        help_text=_("ERDR number (KZ) or Unified Register of Crimes number (KG)."),
    )
    outcome = models.CharField(
        _("outcome"),
        max_length=500,
        blank=True,
        editable=False,
        help_text=_(
            "The final decision as recorded by the last event (grounds, article, sentence)."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    country_field = "allegation__country"
    role_scope = ("allegation", "allegation")

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ("-created_at",)
        indexes = [
            models.Index(fields=("-created_at",), name="cases_referral_created"),
            models.Index(fields=("status",), name="cases_referral_status"),
            models.Index(fields=("prosecutor_office", "status"), name="cases_referral_office"),
            models.Index(fields=("updated_at",), name="cases_referral_updated"),
            models.Index(fields=("-created_at", "-id"), name="cases_referral_page"),
        ]
        triggers = [no_delete]

    def __str__(self) -> str:
        return self.reference or str(_("new referral"))

    def get_absolute_url(self) -> str:
        return reverse("admin:cases_referral_change", args=[self.pk])

    def clean(self):
        if self.allegation_id and self.prosecutor_office_id:
            if self.prosecutor_office.country_id != self.allegation.country_id:
                raise ValidationError(
                    {"prosecutor_office": _("This office belongs to another country.")}
                )


class ReferralEvent(Evidence_, LifecycleEvent):
    """A step in a referral's life (sent, registered, refused, ...). Append-only."""

    referral = models.ForeignKey(
        Referral, verbose_name=_("referral"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=choices.ReferralEventKind.choices)
    external_number = models.CharField(_("external number"), max_length=64, blank=True)
    article = models.CharField(_("article"), max_length=100, blank=True)
    sentence = models.CharField(_("sentence"), max_length=300, blank=True)
    addressee = models.CharField(_("addressee"), max_length=300, blank=True)
    new_term = models.DateField(_("new term"), null=True, blank=True)

    country_field = "referral__allegation__country"
    role_scope = ("allegation", "referral__allegation")

    class Meta(LifecycleEvent.Meta):
        verbose_name = _("referral event")
        verbose_name_plural = _("referral events")
        indexes = [
            models.Index(fields=("referral", "occurred_at"), name="cases_refevent_timeline"),
            # Reports count the referrals sent in a period.
            models.Index(
                fields=("occurred_at",), condition=Q(kind="sent"), name="cases_refevent_sent"
            ),
        ]
        triggers = [APPEND_ONLY]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.occurred_at:%Y-%m-%d}"


class AllegationEvent(Evidence_, LifecycleEvent):
    """A step in an allegation's life (assessment, referral, closing, reopening). Append-only."""

    allegation = models.ForeignKey(
        Allegation, verbose_name=_("allegation"), on_delete=models.PROTECT, related_name="events"
    )
    reason = models.CharField(
        _("reason"), max_length=32, choices=choices.ClosedReason.choices, blank=True
    )

    country_field = "allegation__country"
    role_scope = ("allegation", "allegation")

    class Meta(LifecycleEvent.Meta):
        verbose_name = _("allegation event")
        verbose_name_plural = _("allegation events")
        indexes = [
            models.Index(fields=("allegation", "occurred_at"), name="cases_allegevent_timeline"),
        ]
        triggers = [APPEND_ONLY]

    def __str__(self) -> str:
        return f"{self.kind} · {self.occurred_at:%Y-%m-%d}"

    def get_kind_display(self) -> str:
        # An allegation's steps are named after the status they lead to.
        return str(dict(choices.AllegationStatus.choices).get(self.kind, self.kind))
