"""Countries, the staff profile that scopes users by country, reference numbers and the days
moved by decree."""

import uuid
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from npm_tracker.core import audit
from npm_tracker.core.models.base import TranslatedName
from npm_tracker.core.scoping import ScopedQuerySet

# The countries whose NPMs use the system, as the API contract names them.
COUNTRY_CODES = ("KZ", "KG")


class Country(TranslatedName):
    """A jurisdiction whose NPM uses the system (``KZ`` or ``KG``).

    Every record of every app belongs to a country; it lives in the core so that the core's own
    records (staff profiles, API clients, the access log) can name it. Its table keeps the name
    it had when it belonged to the facilities app.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(_("code"), max_length=2, unique=True)
    timezone = models.CharField(_("time zone"), max_length=64)
    duty_email = models.EmailField(
        _("duty address"),
        blank=True,
        help_text=_(
            "Receives the notice of an overdue clock whose allegation has no officer who can "
            "receive it, with the NPM heads of the country."
        ),
    )

    objects = ScopedQuerySet.as_manager()
    country_field = "pk"

    class Meta:
        db_table = "facilities_country"
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        ordering = ("code",)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class StaffProfile(models.Model):
    """What a staff user may see: the countries whose NPM work they do, and their language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="staff_profile",
    )
    countries = models.ManyToManyField(
        Country,
        verbose_name=_("countries"),
        related_name="staff_profiles",
        blank=True,
        help_text=_("The user sees records of these countries only."),
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="ru",
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return str(self.user)


class ReferenceSequence(models.Model):
    """Last number handed out in a numbering scope, such as allegations of KZ in 2026."""

    scope = models.CharField(_("scope"), max_length=64, unique=True)
    last_value = models.PositiveBigIntegerField(_("last value"), default=0)

    class Meta:
        verbose_name = _("reference sequence")
        verbose_name_plural = _("reference sequences")

    def __str__(self) -> str:
        return f"{self.scope}: {self.last_value}"


class DayKind(models.TextChoices):
    """How a government decree changed the working status of a day."""

    DAY_OFF = "day_off", _("day off (moved by decree)")
    WORKING_DAY = "working_day", _("working day (moved by decree)")


class DayTransfer(models.Model):
    """A day whose working status a government decree changed.

    Each year the governments of Kazakhstan and Kyrgyzstan move days off by decree to bridge public
    holidays (a Saturday becomes a working day, a weekday between two holidays a day off). The
    ``holidays`` package learns of these decrees late, so working-day deadlines read this table,
    which staff keep up to date in the admin; a row here wins over the package.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    country = models.ForeignKey(
        Country,
        verbose_name=_("country"),
        on_delete=models.PROTECT,
        related_name="day_transfers",
    )
    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=16, choices=DayKind.choices)
    legal_source = models.CharField(
        _("legal source"),
        max_length=300,
        blank=True,
        help_text=_("The decree that moved the day, with its number and date."),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    country_field = "country"

    class Meta:
        verbose_name = _("day transfer")
        verbose_name_plural = _("day transfers")
        ordering = ("country", "day")
        constraints = [
            models.UniqueConstraint(
                fields=("country", "day"),
                name="npm_tracker_daytransfer_unique_day",
                violation_error_message=_("This day is already moved for this country."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.country.code} {self.day.isoformat()}: {self.get_kind_display()}"


# The configuration that decides who sees what is audited like the domain (npm_tracker.core.audit).
audit.track(Country, meta={"db_table": "facilities_countryhistory"})
audit.track(StaffProfile)
audit.track(
    StaffProfile.countries.through, app_label="npm_tracker", model_name="StaffCountryHistory"
)


audit.track(DayTransfer)
