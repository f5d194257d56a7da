"""The register of places of detention (OPCAT Art. 4)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from facilities import choices
from facilities.models.vocabularies import Agency, FacilityType, Region, _same_country
from npm_tracker.core.models import Country, DomainModel


class Facility(DomainModel):
    """A place where people are or may be deprived of liberty (OPCAT Art. 4)."""

    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="facilities"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="facilities"
    )
    facility_type = models.ForeignKey(
        FacilityType,
        verbose_name=_("facility type"),
        on_delete=models.PROTECT,
        related_name="facilities",
    )
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="facilities",
        help_text=_("The agency that runs the place."),
    )
    name = models.CharField(_("name"), max_length=300)
    address = models.CharField(_("address"), max_length=500, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), default=0)
    population = models.PositiveIntegerField(
        _("population"), null=True, blank=True, help_text=_("Persons held on the last count.")
    )
    security_level = models.CharField(
        _("security level"), max_length=16, choices=choices.SecurityLevel.choices, blank=True
    )
    medical_care_agency = models.ForeignKey(
        Agency,
        verbose_name=_("medical care provided by"),
        on_delete=models.PROTECT,
        related_name="medical_care_facilities",
        null=True,
        blank=True,
    )
    video_surveillance = models.BooleanField(
        _("continuous video surveillance"), null=True, blank=True
    )
    complaint_terminal = models.BooleanField(
        _("electronic complaint terminal"), null=True, blank=True
    )
    registered_on = models.DateField(
        _("registered on"),
        null=True,
        blank=True,
        help_text=_("When the place entered the register; starts the periodic-visit clock."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    country_field = "country"

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ("name",)
        indexes = [
            models.Index(fields=("name",), name="facilities_facility_name"),
            models.Index(fields=("country", "region"), name="facilities_facility_region"),
            models.Index(fields=("country", "facility_type"), name="facilities_facility_type"),
            models.Index(fields=("country", "agency"), name="facilities_facility_agency"),
            models.Index(fields=("updated_at",), name="facilities_facility_updated"),
            # The API's cursor pagination orders every list by (-created_at, -id).
            models.Index(fields=("-created_at", "-id"), name="facilities_facility_page"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("admin:facilities_facility_change", args=[self.pk])

    def clean(self):
        errors: dict = {}
        if self.country_id:
            _same_country(
                errors,
                "region",
                getattr(self, "region", None) if self.region_id else None,
                self.country_id,
                _("This region belongs to another country."),
            )
            _same_country(
                errors,
                "agency",
                self.agency if self.agency_id else None,
                self.country_id,
                _("This agency belongs to another country."),
            )
            _same_country(
                errors,
                "medical_care_agency",
                self.medical_care_agency if self.medical_care_agency_id else None,
                self.country_id,
                _("This agency belongs to another country."),
            )
            _same_country(
                errors,
                "facility_type",
                self.facility_type if self.facility_type_id else None,
                self.country_id,
                _("This facility type does not exist in this country."),
            )
        if (
            self.security_level
            and self.facility_type_id
            and not self.facility_type.has_security_level
        ):
            errors.setdefault("security_level", []).append(
                _("Only penal institutions have a security level.")
            )
        if errors:
            raise ValidationError(errors)
