"""The deadline rules: how long each legal clock runs in a country, as data (DOMAIN.md 5)."""

import uuid

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeBoundary, RangeOperators
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Func, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases import choices
from facilities.models import Country
from npm_tracker.core.models import TranslatedName
from npm_tracker.core.scoping import ScopedQuerySet


class DateRange(Func):
    function = "DATERANGE"
    output_field = DateRangeField()


class DeadlineRule(TranslatedName):
    """How long a legal clock runs in a country, from when, and on what legal source.

    Rules are data: a clock keeps the rule in force when it started even if the rule is later
    edited or replaced. Two rules of the same clock and country may not overlap in time.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.SlugField(_("code"), max_length=64, unique=True)
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="deadline_rules"
    )
    clock = models.CharField(_("clock"), max_length=32, choices=choices.Clock.choices)
    duration = models.PositiveIntegerField(_("duration"), validators=[MinValueValidator(1)])
    unit = models.CharField(
        pgettext_lazy("time unit", "unit"), max_length=16, choices=choices.DurationUnit.choices
    )
    extension_duration = models.PositiveIntegerField(
        _("extension"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    extension_unit = models.CharField(
        _("extension unit"), max_length=16, choices=choices.DurationUnit.choices, blank=True
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    legal_source = models.CharField(_("legal source"), max_length=300)
    verified = models.BooleanField(
        _("verified"),
        default=True,
        help_text=_("Off while the legal source is not confirmed; shown to users with the date."),
    )

    objects = ScopedQuerySet.as_manager()
    country_field = "country"

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        ordering = ("country", "clock", "effective_from")
        constraints = [
            models.CheckConstraint(
                condition=Q(duration__gt=0),
                name="cases_deadlinerule_positive_duration",
                violation_error_message=_("A deadline must last at least one unit."),
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="cases_deadlinerule_effective_range",
                violation_error_message=_("A rule cannot end before it takes effect."),
            ),
            models.CheckConstraint(
                condition=(Q(extension_duration__isnull=True) & Q(extension_unit=""))
                | (Q(extension_duration__gt=0) & ~Q(extension_unit="")),
                name="cases_deadlinerule_extension_complete",
                violation_error_message=_("An extension needs both a duration and a unit."),
            ),
            ExclusionConstraint(
                name="cases_deadlinerule_no_overlap",
                expressions=[
                    ("country", RangeOperators.EQUAL),
                    ("clock", RangeOperators.EQUAL),
                    (
                        DateRange("effective_from", "effective_to", RangeBoundary()),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                violation_error_message=_(
                    "Another rule for this clock and country is in force in the same period."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country.code} · {self.get_clock_display()} · {self.legal_source}"
