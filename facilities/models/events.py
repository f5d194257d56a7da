"""What follows a visit or a recommendation: the append-only steps of their lives, and the
agencies' written responses to recommendations."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from facilities.models.recommendations import Recommendation
from facilities.models.visits import Visit
from npm_tracker.core.models import APPEND_ONLY, DomainModel, LifecycleEvent


class VisitEvent(LifecycleEvent):
    """A step in a visit's life (started, report drafted, approved, sent, cancelled)."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.PROTECT, related_name="events"
    )

    country_field = "visit__facility__country"
    role_scope = ("visit", "visit")

    class Meta(LifecycleEvent.Meta):
        verbose_name = _("visit event")
        verbose_name_plural = _("visit events")
        indexes = [models.Index(fields=("visit", "occurred_at"), name="facilities_visitevent_tl")]
        triggers = [APPEND_ONLY]


class RecommendationEvent(LifecycleEvent):
    """A step in a recommendation's life (issued, response received, accepted, implemented...)."""

    recommendation = models.ForeignKey(
        Recommendation,
        verbose_name=_("recommendation"),
        on_delete=models.PROTECT,
        related_name="events",
    )
    verified_by_visit = models.ForeignKey(
        Visit,
        verbose_name=_("verified on visit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    country_field = "recommendation__country"

    class Meta(LifecycleEvent.Meta):
        verbose_name = _("recommendation event")
        verbose_name_plural = _("recommendation events")
        indexes = [
            models.Index(fields=("recommendation", "occurred_at"), name="facilities_recevent_tl")
        ]
        triggers = [APPEND_ONLY]


class ResponseAssessment(models.TextChoices):
    NOT_ASSESSED = "not_assessed", _("not yet assessed")
    SATISFACTORY = "satisfactory", _("satisfactory")
    PARTIALLY_SATISFACTORY = "partially_satisfactory", _("partially satisfactory")
    UNSATISFACTORY = "unsatisfactory", _("unsatisfactory")


class RecommendationResponse(DomainModel):
    """An agency's written answer to a recommendation: a document of its own, with the NPM's
    assessment of it (OPCAT Art. 22)."""

    recommendation = models.ForeignKey(
        Recommendation,
        verbose_name=_("recommendation"),
        on_delete=models.PROTECT,
        related_name="responses",
    )
    number = models.CharField(_("document number"), max_length=100, blank=True)
    received_on = models.DateField(_("received on"))
    text = models.TextField(_("text of the response"))
    assessment = models.CharField(
        _("NPM assessment"),
        max_length=24,
        choices=ResponseAssessment.choices,
        default=ResponseAssessment.NOT_ASSESSED,
    )
    assessment_note = models.TextField(_("assessment note"), blank=True)

    country_field = "recommendation__country"

    class Meta:
        verbose_name = _("agency response")
        verbose_name_plural = _("agency responses")
        ordering = ("received_on", "created_at")

    def __str__(self) -> str:
        return f"{self.number or _('response')} · {self.received_on:%Y-%m-%d}"

    def clean(self):
        from django.utils import timezone

        if self.received_on and self.received_on > timezone.localdate():
            raise ValidationError({"received_on": _("A response cannot arrive in the future.")})
