"""Incidents and the allegations of ill-treatment they group, each followed to its outcome."""

from datetime import UTC, datetime, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import choices
from cases.models.base import Evidence_, no_delete
from cases.models.vocabularies import AllegationSource, Method, PlaceOfIncident
from facilities.models import Country, Facility, Visit
from npm_tracker.core.crypto import EncryptedTextField
from npm_tracker.core.models import DomainModel, related
from npm_tracker.core.workflow import FUTURE_TOLERANCE


def _now():
    return timezone.now()


class Incident(Evidence_, DomainModel):
    """One event of ill-treatment; groups the allegations of its several victims."""

    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    occurred_on = models.DateField(_("occurred on"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)

    country_field = "country"
    role_scope = ("allegation", "allegations")

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ("-created_at",)
        indexes = [models.Index(fields=("-created_at",), name="cases_incident_created")]
        triggers = [no_delete]

    def __str__(self) -> str:
        return self.title


class Allegation(Evidence_, DomainModel):
    """An allegation of torture or ill-treatment of one person, followed until its outcome."""

    reference = models.CharField(_("reference"), max_length=32, unique=True, editable=False)
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="allegations"
    )
    incident = models.ForeignKey(
        Incident,
        verbose_name=_("incident"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allegations",
        help_text=_("Groups the allegations of several victims of one event."),
    )
    source = models.ForeignKey(
        AllegationSource, verbose_name=_("source"), on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(_("received at"))
    facility = models.ForeignKey(
        Facility,
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allegations",
    )
    visit = models.ForeignKey(
        Visit,
        verbose_name=_("raised during visit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allegations",
    )
    place_of_incident = models.ForeignKey(
        PlaceOfIncident,
        verbose_name=_("place of incident"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    incident_date = models.DateField(_("incident date"), null=True, blank=True)
    incident_date_precision = models.CharField(
        _("incident date precision"),
        max_length=8,
        choices=choices.DatePrecision.choices,
        default=choices.DatePrecision.DAY,
    )
    methods = models.ManyToManyField(
        Method, verbose_name=_("methods"), blank=True, related_name="allegations"
    )
    summary = models.TextField(_("summary"))
    injuries = EncryptedTextField(_("injuries"), blank=True)
    death_in_custody = models.BooleanField(_("death in custody"), default=False)
    serious_injury = models.BooleanField(_("serious injury"), default=False)
    urgent = models.BooleanField(
        _("urgent"),
        default=False,
        editable=False,
        help_text=_("Death in custody, serious injury or a minor victim."),
    )
    reprisal_risk = models.CharField(
        _("reprisal risk"),
        max_length=8,
        choices=choices.ReprisalRisk.choices,
        default=choices.ReprisalRisk.NONE,
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=choices.AllegationStatus.choices,
        default=choices.AllegationStatus.RECEIVED,
        editable=False,
    )
    closed_reason = models.CharField(
        _("reason for closing"),
        max_length=32,
        choices=choices.ClosedReason.choices,
        blank=True,
        editable=False,
    )
    follow_up_requested = models.BooleanField(
        _("follow-up requested"),
        default=False,
        help_text=_("The person asked the NPM to check on them against reprisals."),
    )
    related_allegation = models.ForeignKey(
        "self",
        verbose_name=_("related allegation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="later_allegations",
        help_text=_("For example the allegation whose follow-up found this reprisal."),
    )
    assigned_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned officer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_allegations",
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

    country_field = "country"
    role_scope = ("allegation", "")
    is_case = True  # the record whose identity rules its parts follow (roles.case_of)

    class Meta:
        verbose_name = _("allegation")
        verbose_name_plural = _("allegations")
        ordering = ("-received_at",)
        indexes = [
            models.Index(fields=("-received_at",), name="cases_allegation_received"),
            models.Index(fields=("country", "status"), name="cases_allegation_status"),
            models.Index(fields=("facility", "-received_at"), name="cases_allegation_facility"),
            models.Index(fields=("assigned_officer", "status"), name="cases_allegation_officer"),
            models.Index(fields=("updated_at",), name="cases_allegation_updated"),
            # The API's cursor pagination orders every list by (-created_at, -id).
            models.Index(fields=("country", "-created_at", "-id"), name="cases_allegation_page"),
            models.Index(
                fields=("country",), condition=Q(urgent=True), name="cases_allegation_urgent"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="closed") & ~Q(closed_reason=""))
                | (~Q(status="closed") & Q(closed_reason="")),
                name="cases_allegation_closed_has_reason",
                violation_error_message=_("A closed allegation carries its reason, and only then."),
            ),
        ]
        triggers = [no_delete]

    def __str__(self) -> str:
        return self.reference or str(_("new allegation"))

    def get_absolute_url(self) -> str:
        return reverse("admin:cases_allegation_change", args=[self.pk])

    def local_received_at(self):
        return timezone.localtime(self.received_at, self.country.zone)

    @property
    def consent_map(self) -> dict:
        """Which destinations the victim's consent covers now (prefetch ``consents``)."""
        active = {c.destination for c in related(self, "consents") if c.withdrawn_on is None}
        return {code: code in active for code in choices.ConsentDestination.values}

    def clean(self):
        errors: dict = {}
        if self.visit_id and not self.facility_id:
            self.facility_id = self.visit.facility_id
        if self.received_at and self.received_at > _now() + FUTURE_TOLERANCE:
            errors.setdefault("received_at", []).append(
                _("An allegation cannot be received in the future.")
            )
        earliest = settings.ALLEGATION_RECEIVED_EARLIEST
        if self.received_at and self.received_at < datetime.combine(earliest, time(), UTC):
            errors.setdefault("received_at", []).append(
                _("An allegation cannot have been received before %(date)s.")
                % {"date": earliest.isoformat()}
            )
        if self.country_id:
            if self.facility_id and self.facility.country_id != self.country_id:
                errors.setdefault("facility", []).append(
                    _("This facility belongs to another country.")
                )
            if self.visit_id and self.visit.facility.country_id != self.country_id:
                errors.setdefault("visit", []).append(_("This visit belongs to another country."))
            if self.incident_id and self.incident.country_id != self.country_id:
                errors.setdefault("incident", []).append(
                    _("This incident belongs to another country.")
                )
        if self.visit_id and self.facility_id and self.visit.facility_id != self.facility_id:
            errors.setdefault("facility", []).append(
                _("The facility must be the one visited when the allegation was raised.")
            )
        if self.incident_date and self.received_at and self.country_id:
            if self.incident_date > self.local_received_at().date():
                errors.setdefault("incident_date", []).append(
                    _("The incident cannot have happened after the allegation was received.")
                )
        if errors:
            raise ValidationError(errors)
