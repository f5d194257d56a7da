"""Recommendations of the NPM to the authorities, tracked to their implementation."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from facilities import choices
from facilities.models.facilities import Facility
from facilities.models.visits import Visit
from facilities.models.vocabularies import Agency, ExaminedArea, _same_country
from npm_tracker.core.models import ClockedMixin, Country, DomainModel


class Recommendation(ClockedMixin, DomainModel):
    """A recommendation of the NPM to an authority, tracked to its implementation
    (OPCAT Arts. 22-23; SPT guidance CAT/OP/1/Rev.1 §45)."""

    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(
        _("source"),
        max_length=20,
        choices=choices.RecommendationSource.choices,
        default=choices.RecommendationSource.VISIT_REPORT,
    )
    visit = models.ForeignKey(
        Visit,
        verbose_name=_("visit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recommendations",
    )
    facility = models.ForeignKey(
        Facility,
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recommendations",
    )
    addressee_level = models.CharField(
        _("addressee level"), max_length=20, choices=choices.AddresseeLevel.choices
    )
    addressee_agency = models.ForeignKey(
        Agency,
        verbose_name=_("addressee agency"),
        on_delete=models.PROTECT,
        related_name="recommendations",
    )
    area = models.ForeignKey(
        ExaminedArea, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("text"))
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=24,
        choices=choices.RecommendationStatus.choices,
        default=choices.RecommendationStatus.DRAFT,
        editable=False,
    )
    verified_by_visit = models.ForeignKey(
        Visit,
        verbose_name=_("verified on visit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="verified_recommendations",
        help_text=_("The later visit that checked the implementation."),
    )

    country_field = "country"

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ("-issued_on", "-created_at")
        indexes = [
            models.Index(fields=("-issued_on", "-created_at"), name="facilities_rec_issued"),
            models.Index(fields=("country", "status"), name="facilities_rec_status"),
            models.Index(fields=("updated_at",), name="facilities_rec_updated"),
            models.Index(fields=("country", "-created_at", "-id"), name="facilities_rec_page"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source="visit_report") | Q(visit__isnull=False),
                name="facilities_recommendation_visit_report_has_visit",
                violation_error_message=_("A recommendation from a visit report names its visit."),
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    def get_absolute_url(self) -> str:
        return reverse("admin:facilities_recommendation_change", args=[self.pk])

    def clean(self):
        errors: dict = {}
        if self.visit_id and not self.facility_id:
            self.facility_id = self.visit.facility_id
        if self.country_id:
            if self.visit_id and self.visit.facility.country_id != self.country_id:
                errors.setdefault("visit", []).append(_("This visit belongs to another country."))
            if self.facility_id and self.facility.country_id != self.country_id:
                errors.setdefault("facility", []).append(
                    _("This facility belongs to another country.")
                )
            _same_country(
                errors,
                "addressee_agency",
                self.addressee_agency if self.addressee_agency_id else None,
                self.country_id,
                _("This agency belongs to another country."),
            )
        if self.visit_id and self.facility_id and self.visit.facility_id != self.facility_id:
            errors.setdefault("facility", []).append(
                _("The facility must be the one that was visited.")
            )
        if self.verified_by_visit_id and self.issued_on:
            if self.verified_by_visit.started_on < self.issued_on:
                errors.setdefault("verified_by_visit", []).append(
                    _("The verifying visit must come after the recommendation was issued.")
                )
        if errors:
            raise ValidationError(errors)
