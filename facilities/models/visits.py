"""Monitoring visits and the parts of their record: the team, obstacles, findings and
dissenting opinions."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from facilities import choices
from facilities.models.facilities import Facility
from facilities.models.vocabularies import ExaminedArea, NpmBody, ObstacleType, VisitType
from npm_tracker.core.models import DomainModel


class Visit(DomainModel):
    """A monitoring visit of an NPM group to one facility, written up in one report."""

    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.PROTECT, related_name="visits"
    )
    visit_type = models.ForeignKey(
        VisitType, verbose_name=_("visit type"), on_delete=models.PROTECT, related_name="visits"
    )
    npm_body = models.ForeignKey(
        NpmBody,
        verbose_name=_("NPM body"),
        on_delete=models.PROTECT,
        related_name="visits",
        editable=False,
        help_text=_("The body that held the mandate when the visit started."),
    )
    announced = models.BooleanField(_("announced"), default=False)
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=choices.VisitStatus.choices,
        default=choices.VisitStatus.PLANNED,
        editable=False,
    )
    persons_held = models.PositiveIntegerField(
        _("persons held"), null=True, blank=True, help_text=_("Held on the day of the visit.")
    )
    interviews_private = models.PositiveIntegerField(_("private interviews"), default=0)
    interviews_group = models.PositiveIntegerField(_("group interviews"), default=0)
    summary = models.TextField(_("summary"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    country_field = "facility__country"
    role_scope = ("visit", "")

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ("-started_on",)
        indexes = [
            models.Index(fields=("-started_on",), name="facilities_visit_started"),
            models.Index(fields=("facility", "-started_on"), name="facilities_visit_facility"),
            models.Index(fields=("status",), name="facilities_visit_status"),
            models.Index(fields=("updated_at",), name="facilities_visit_updated"),
            models.Index(fields=("-created_at", "-id"), name="facilities_visit_page"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="facilities_visit_ends_after_start",
                violation_error_message=_("A visit cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facility} · {self.started_on:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("admin:facilities_visit_change", args=[self.pk])

    @property
    def country_id(self):
        return self.facility.country_id if self.facility_id else None

    def clean(self):
        errors: dict = {}
        if self.facility_id and self.visit_type_id:
            vt = self.visit_type
            if vt.country_id is not None and vt.country_id != self.facility.country_id:
                errors.setdefault("visit_type", []).append(
                    _("This visit type belongs to another country's law.")
                )
            elif self.started_on and not vt.is_valid_on(self.started_on):
                errors.setdefault("visit_type", []).append(
                    _("This visit type was not in force on the start date of the visit.")
                )
        if errors:
            raise ValidationError(errors)


class VisitChild(DomainModel):
    """A part of a visit record; scoped through its visit."""

    country_field = "visit__facility__country"
    role_scope = ("visit", "visit")

    class Meta:
        abstract = True


class VisitTeamMember(VisitChild):
    """A member of the visiting group: NPM staff (a user) or an external participant."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.PROTECT, related_name="team"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visit_memberships",
    )
    full_name = models.CharField(
        pgettext_lazy("person's name", "name"),
        max_length=200,
        blank=True,
        help_text=_("For participants without a login."),
    )
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    role = models.CharField(
        _("role"), max_length=20, choices=choices.TeamRole.choices, default="member"
    )

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team")
        ordering = ("role", "full_name")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(full_name=""),
                name="facilities_visitteammember_who",
                violation_error_message=_("Choose a staff user or enter the participant's name."),
            ),
            models.UniqueConstraint(
                fields=("visit", "user"),
                condition=Q(user__isnull=False),
                name="facilities_visitteammember_unique_user",
                violation_error_message=_("This person is already on the team."),
            ),
        ]

    def __str__(self) -> str:
        user = self.user if self.user_id else None
        who = (user.get_full_name() or user.username) if user is not None else self.full_name
        return f"{who} ({self.get_role_display()})"


class VisitObstacle(VisitChild):
    """An obstruction met on a visit; a finding in its own right (OPCAT Art. 20)."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.PROTECT, related_name="obstacles"
    )
    obstacle_type = models.ForeignKey(
        ObstacleType, verbose_name=_("obstacle"), on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("access obstacle")
        verbose_name_plural = _("access obstacles")
        ordering = ("created_at",)

    def __str__(self) -> str:
        return str(self.obstacle_type)


class VisitFinding(VisitChild):
    """What the group found in one examined area."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.PROTECT, related_name="findings"
    )
    area = models.ForeignKey(
        ExaminedArea, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("finding"))

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ("area__sort_order", "created_at")

    def __str__(self) -> str:
        return f"{self.area}: {self.text[:60]}"


class DissentingOpinion(VisitChild):
    """A group member's dissent, attached to the visit report (UIK Art. 46)."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.PROTECT, related_name="dissenting_opinions"
    )
    author = models.CharField(_("author"), max_length=200)
    text = models.TextField(_("opinion"))

    class Meta:
        verbose_name = _("dissenting opinion")
        verbose_name_plural = _("dissenting opinions")
        ordering = ("created_at",)

    def __str__(self) -> str:
        return self.author
