"""Places of detention, the jurisdictions and bodies that monitor them, visits and
recommendations (DOMAIN.md sections 1-4)."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from facilities import choices
from npm_tracker.core import audit
from npm_tracker.core.models import (
    APPEND_ONLY,
    ClockedMixin,
    Country,
    DomainModel,
    LifecycleEvent,
    TranslatedName,
    Vocabulary,
    translated,
)
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
        who = self.user.get_full_name() or self.user.username if self.user_id else self.full_name
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


# Every change of these tables is recorded by a database trigger (npm_tracker.core.audit).
for _model in (
    NpmBody,
    Region,
    Agency,
    FacilityType,
    VisitType,
    ExaminedArea,
    ObstacleType,
    Facility,
    Visit,
    VisitTeamMember,
    VisitObstacle,
    VisitFinding,
    DissentingOpinion,
    Recommendation,
    VisitEvent,
    RecommendationEvent,
    RecommendationResponse,
):
    audit.track(_model)
