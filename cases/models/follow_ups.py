"""Checks that a person who spoke to the NPM suffered no reprisal (OPCAT Art. 21)."""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cases import choices
from cases.models.allegations import Allegation
from cases.models.base import Evidence_, no_delete
from npm_tracker.core.models import ClockedMixin, DomainModel


class ReprisalFollowUp(ClockedMixin, Evidence_, DomainModel):
    """A check that a person who spoke to the NPM suffered no reprisal (OPCAT Art. 21).

    It follows the person, not the facility: where to look is wherever the victim is held now.
    """

    allegation = models.ForeignKey(
        Allegation,
        verbose_name=_("allegation"),
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    reason = models.CharField(_("reason"), max_length=16, choices=choices.FollowUpReason.choices)
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=choices.FollowUpStatus.choices,
        default=choices.FollowUpStatus.OPEN,
        editable=False,
    )
    method = models.CharField(
        _("method"), max_length=16, choices=choices.FollowUpMethod.choices, blank=True
    )
    outcome = models.CharField(
        _("outcome"),
        max_length=24,
        choices=choices.FollowUpOutcome.choices,
        blank=True,
        editable=False,
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    note = models.TextField(_("note"), blank=True)
    new_allegation = models.OneToOneField(
        Allegation,
        verbose_name=_("allegation of reprisal"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="reprisal_follow_up_source",
    )

    country_field = "allegation__country"
    role_scope = ("allegation", "allegation")

    class Meta:
        verbose_name = _("reprisal follow-up")
        verbose_name_plural = _("reprisal follow-ups")
        ordering = ("status", "created_at")
        indexes = [models.Index(fields=("status", "created_at"), name="cases_followup_open")]
        constraints = [
            models.UniqueConstraint(
                fields=("allegation",),
                condition=Q(status="open"),
                name="cases_reprisalfollowup_one_open",
                violation_error_message=_("This allegation already has an open follow-up."),
            ),
            models.CheckConstraint(
                condition=(Q(status="open") & Q(outcome="") & Q(closed_at__isnull=True))
                | (Q(status="closed") & ~Q(outcome="") & Q(closed_at__isnull=False)),
                name="cases_reprisalfollowup_closed_has_outcome",
                violation_error_message=_("A closed follow-up carries its outcome, and only then."),
            ),
        ]
        triggers = [no_delete]

    def __str__(self) -> str:
        return f"{self.allegation} · {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return reverse("admin:cases_reprisalfollowup_change", args=[self.pk])

    @property
    def where_held_now(self):
        victim = getattr(self.allegation, "victim", None)
        if victim is None:
            return ""
        return victim.current_facility or victim.current_location
