"""Abstract bases shared by every app, and the staff profile that scopes users by country."""

import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from npm_tracker.scoping import ScopedQuerySet

# Order in which a translated name falls back when the active language has none.
NAME_FALLBACK = ("ru", "en")


def translated(obj, prefix: str, language: str | None = None) -> str:
    """The value of ``<prefix>_<lang>`` in the active language, falling back to Russian, English."""
    language = (language or translation.get_language() or "en").split("-")[0]
    for code in (language, *NAME_FALLBACK):
        value = getattr(obj, f"{prefix}_{code}", "")
        if value:
            return value
    return ""


class DomainModel(models.Model):
    """A record of the domain: UUID primary key (exposed by the API) and timestamps."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class TranslatedName(models.Model):
    """A name kept in the four languages of the product; ``name`` picks the active one."""

    name_en = models.CharField(_("name (English)"), max_length=255)
    name_ru = models.CharField(_("name (Russian)"), max_length=255, blank=True)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=255, blank=True)
    name_ky = models.CharField(_("name (Kyrgyz)"), max_length=255, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return translated(self, "name")


class VocabularyQuerySet(ScopedQuerySet):
    """Queries over a controlled vocabulary."""

    def valid_on(self, day: date):
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day),
            Q(valid_to__isnull=True) | Q(valid_to__gte=day),
        )

    def for_country(self, country):
        """Items of this country plus the ones shared by both countries."""
        return self.filter(Q(country__isnull=True) | Q(country=country))


class Vocabulary(TranslatedName):
    """A controlled vocabulary item: stable code, translated name, optional country and validity.

    Codes are what the API and the seed files speak; they never change once published.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.SlugField(_("code"), max_length=64, unique=True)
    country = models.ForeignKey(
        "facilities.Country",
        verbose_name=_("country"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the item is shared by both countries."),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    objects = VocabularyQuerySet.as_manager()
    shared_when_country_is_null = True

    class Meta:
        abstract = True
        ordering = ("sort_order", "code")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="%(app_label)s_%(class)s_valid_range",
                violation_error_message=_("The end of validity cannot be before its start."),
            )
        ]
        indexes = [models.Index(fields=("sort_order", "code"), name="%(app_label)s_%(class)s_ord")]

    def is_valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


class StaffProfile(models.Model):
    """What a staff user may see: the countries whose NPM work they do, and their language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="staff_profile",
    )
    countries = models.ManyToManyField(
        "facilities.Country",
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
