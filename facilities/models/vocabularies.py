"""The bodies holding the NPM mandate, and the vocabularies of the register and of visits:
regions, agencies, facility and visit types, examined areas, obstacles."""

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from facilities import choices
from npm_tracker.core.models import Country, TranslatedName, Vocabulary, translated
from npm_tracker.core.scoping import ScopedQuerySet


def _same_country(errors: dict, field: str, related, country_id, message) -> None:
    """Record an error when a related vocabulary item or record belongs to another country."""
    related_country = getattr(related, "country_id", None)
    if related is not None and related_country is not None and related_country != country_id:
        errors.setdefault(field, []).append(message)


class NpmBody(TranslatedName):
    """The body holding the NPM mandate in a country for a period (KG: NCPT, then Ombudsperson)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.SlugField(_("code"), max_length=64, unique=True)
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="npm_bodies"
    )
    short_name_en = models.CharField(_("short name (English)"), max_length=64)
    short_name_ru = models.CharField(_("short name (Russian)"), max_length=64, blank=True)
    short_name_kk = models.CharField(_("short name (Kazakh)"), max_length=64, blank=True)
    short_name_ky = models.CharField(_("short name (Kyrgyz)"), max_length=64, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()
    country_field = "country"

    class Meta:
        verbose_name = _("NPM body")
        verbose_name_plural = _("NPM bodies")
        ordering = ("country", "valid_from")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="facilities_npmbody_valid_range",
                violation_error_message=_("The end of validity cannot be before its start."),
            )
        ]

    @property
    def short_name(self) -> str:
        return translated(self, "short_name")

    @classmethod
    def in_force(cls, country, day):
        """The body holding the mandate in ``country`` on ``day``, or ``None``."""
        return (
            cls.objects.filter(country=country, valid_from__lte=day)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
            .first()
        )


class Region(Vocabulary):
    """A first-level administrative unit: a region (oblast) or a city of republican significance."""

    kind = models.CharField(
        _("kind"), max_length=16, choices=choices.RegionKind.choices, default="region"
    )

    country_field = "country"

    class Meta(Vocabulary.Meta):
        verbose_name = _("region")
        verbose_name_plural = _("regions")


class Agency(Vocabulary):
    """A state body that runs places of detention or whose officials may be perpetrators."""

    short_name_en = models.CharField(_("short name (English)"), max_length=64, blank=True)
    short_name_ru = models.CharField(_("short name (Russian)"), max_length=64, blank=True)
    short_name_kk = models.CharField(_("short name (Kazakh)"), max_length=64, blank=True)
    short_name_ky = models.CharField(_("short name (Kyrgyz)"), max_length=64, blank=True)

    country_field = "country"

    class Meta(Vocabulary.Meta):
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    @property
    def short_name(self) -> str:
        return translated(self, "short_name") or self.name


class FacilityType(Vocabulary):
    """A kind of place of detention; the register accepts any place (OPCAT Art. 4)."""

    agencies = models.ManyToManyField(
        Agency,
        verbose_name=_("responsible agencies"),
        blank=True,
        related_name="facility_types",
        help_text=_("The agencies that usually run this kind of place, per country."),
    )
    has_security_level = models.BooleanField(_("has a security level"), default=False)

    country_field = "country"

    class Meta(Vocabulary.Meta):
        verbose_name = _("facility type")
        verbose_name_plural = _("facility types")


class VisitType(Vocabulary):
    """A kind of monitoring visit as the law of a country and period defines it."""

    is_periodic = models.BooleanField(
        _("periodic"),
        default=False,
        help_text=_("The end of a visit of this type restarts the periodic-visit clock."),
    )
    verified = models.BooleanField(
        _("legal basis verified"),
        default=True,
        help_text=_("Off when the legal basis is not yet confirmed."),
    )
    legal_basis = models.CharField(_("legal basis"), max_length=500, blank=True)

    country_field = "country"

    class Meta(Vocabulary.Meta):
        verbose_name = _("visit type")
        verbose_name_plural = _("visit types")


class ExaminedArea(Vocabulary):
    """One of the areas examined on a visit (treatment, safeguards, conditions, ...)."""

    country_field = "country"

    class Meta(Vocabulary.Meta):
        verbose_name = _("examined area")
        verbose_name_plural = _("examined areas")


class ObstacleType(Vocabulary):
    """A kind of obstruction of the NPM's rights under OPCAT Art. 20."""

    country_field = "country"

    class Meta(Vocabulary.Meta):
        verbose_name = _("obstacle type")
        verbose_name_plural = _("obstacle types")
