"""Allegations of torture and ill-treatment, the people in them, their consent and evidence,
and referrals to the prosecutor's office (DOMAIN.md sections 2-6).

Allegations, victims, witnesses, consents, medical examinations, evidence, referrals and their
events are evidence: nothing deletes them, neither the ORM (``delete()`` raises) nor SQL (a
trigger refuses), and foreign keys onto them PROTECT.
"""

import uuid

import pgtrigger
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeBoundary, RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Func, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases import choices
from facilities.models import Agency, Country, Facility, Region, Visit
from npm_tracker.core import audit
from npm_tracker.core.crypto import (
    EncryptedCharField,
    EncryptedDateField,
    EncryptedTextField,
    blind_index,
)
from npm_tracker.core.errors import NotDeletable
from npm_tracker.core.models import (
    APPEND_ONLY,
    ApiClient,
    ClockedMixin,
    DomainModel,
    LifecycleEvent,
    TranslatedName,
    Vocabulary,
    register_binding,
    related,
)
from npm_tracker.core.scoping import ScopedQuerySet
from npm_tracker.core.storage import evidence_storage
from npm_tracker.core.workflow import FUTURE_TOLERANCE

no_delete = pgtrigger.Protect(name="protect_delete", operation=pgtrigger.Delete)


class Evidence_(models.Model):
    """Records that are evidence refuse deletion before it reaches the database."""

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        raise NotDeletable(self._meta.verbose_name)


def _now():
    return timezone.now()


# --- vocabularies -------------------------------------------------------------------------------


class Method(Vocabulary):
    """A method of torture or ill-treatment (Istanbul Protocol categories)."""

    category = models.CharField(_("category"), max_length=32, blank=True)

    country_field = "country"

    class Meta(Vocabulary.Meta):
        verbose_name = _("ill-treatment method")
        verbose_name_plural = _("ill-treatment methods")


class AllegationSource(Vocabulary):
    """How an allegation reached the NPM."""

    is_anonymous = models.BooleanField(_("anonymous"), default=False)

    country_field = "country"

    class Meta(Vocabulary.Meta):
        verbose_name = _("allegation source")
        verbose_name_plural = _("allegation sources")


class PlaceOfIncident(Vocabulary):
    """Where the ill-treatment happened, often outside the facility (at arrest, in transport)."""

    country_field = "country"

    class Meta(Vocabulary.Meta):
        verbose_name = _("place of incident")
        verbose_name_plural = _("places of incident")


class ConsistencyLevel(Vocabulary):
    """A step of the Istanbul Protocol scale linking medical findings to the allegation."""

    rank = models.PositiveSmallIntegerField(pgettext_lazy("order", "rank"), unique=True)

    country_field = "country"

    class Meta(Vocabulary.Meta):
        verbose_name = _("consistency level")
        verbose_name_plural = _("consistency levels")


class ProsecutorOffice(Vocabulary):
    """A prosecutor's office that receives referrals (general, regional, military, transport)."""

    level = models.CharField(_("level"), max_length=16, choices=choices.ProsecutorLevel.choices)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="prosecutor_offices",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("higher office"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    country_field = "country"

    class Meta(Vocabulary.Meta):
        verbose_name = _("prosecutor's office")
        verbose_name_plural = _("prosecutor's offices")


class ProsecutorClient(models.Model):
    """The prosecutor's office an API client speaks for: such a client holds only the
    ``prosecutor`` scope and sees the referrals addressed to its office."""

    api_client = models.OneToOneField(
        ApiClient,
        verbose_name=_("API client"),
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="prosecutor_office_link",
    )
    office = models.ForeignKey(
        ProsecutorOffice,
        verbose_name=_("prosecutor's office"),
        on_delete=models.PROTECT,
        related_name="api_clients",
    )

    class Meta:
        verbose_name = _("prosecutor's office of an API client")
        verbose_name_plural = _("prosecutor's offices of API clients")

    def __str__(self) -> str:
        return f"{self.api_client} → {self.office}"

    def clean(self):
        if self.api_client_id and self.office_id:
            if self.api_client.scope_set != {"prosecutor"}:
                raise ValidationError(_("A prosecutor's office client holds only that scope."))
            if self.api_client.country_id != self.office.country_id:
                raise ValidationError({"office": _("This office belongs to another country.")})


register_binding("prosecutor_office_link")


def prosecutor_office_id_of(caller) -> object | None:
    """The office a caller speaks for: an API client bound to a prosecutor's office, else
    ``None`` (staff, other clients). Read with the token, so it costs no query."""
    api_client = getattr(caller, "api_client", None)
    link = getattr(api_client, "prosecutor_office_link", None) if api_client else None
    return link.office_id if link is not None else None


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


# --- cases --------------------------------------------------------------------------------------


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


class AllegationPart(Evidence_, DomainModel):
    """A record that belongs to one allegation and is scoped through it."""

    country_field = "allegation__country"
    role_scope = ("allegation", "allegation")

    class Meta:
        abstract = True


class Victim(AllegationPart):
    """The person an allegation is about, pseudonymised.

    The identity block (``full_name``, ``date_of_birth``, ``citizenship``, ``contact_details``) is
    kept in its own fields so that it can be encrypted at rest and hidden by role without touching
    the rest; everything else here is safe for statistics.
    """

    allegation = models.OneToOneField(
        Allegation, verbose_name=_("allegation"), on_delete=models.PROTECT, related_name="victim"
    )
    pseudonym = models.CharField(_("pseudonym"), max_length=16, unique=True, editable=False)
    sex = models.CharField(
        _("sex"), max_length=8, choices=choices.Sex.choices, default=choices.Sex.UNKNOWN
    )
    is_minor = models.BooleanField(_("minor"), default=False)
    current_facility = models.ForeignKey(
        Facility,
        verbose_name=_("held now at"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    current_location = models.CharField(
        _("whereabouts"), max_length=300, blank=True, help_text=_("When not held in a facility.")
    )
    # Identity block.
    full_name = EncryptedCharField(_("full name"), max_length=300, blank=True)
    date_of_birth = EncryptedDateField(_("date of birth"), null=True, blank=True)
    citizenship = models.CharField(
        _("citizenship"),
        max_length=2,
        blank=True,
        validators=[
            RegexValidator(r"^[A-Z]{2}$", _("Enter an ISO 3166-1 alpha-2 code, such as KZ."))
        ],
    )
    contact_details = EncryptedTextField(_("contact details"), blank=True)
    identity_index = models.CharField(
        _("identity index"),
        max_length=64,
        blank=True,
        editable=False,
        db_index=True,
        help_text=_("A keyed hash of name and date of birth: finds the same person elsewhere."),
    )

    class Meta:
        verbose_name = _("victim")
        verbose_name_plural = _("victims")
        triggers = [no_delete]

    def __str__(self) -> str:
        return self.pseudonym

    def save(self, *args, **kwargs):
        self.identity_index = blind_index(self.full_name, self.date_of_birth)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"full_name", "date_of_birth"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "identity_index"}
        super().save(*args, **kwargs)

    def clean(self):
        if self.date_of_birth and self.date_of_birth > timezone.localdate():
            raise ValidationError(
                {"date_of_birth": _("The date of birth cannot be in the future.")}
            )
        if self.current_facility_id and self.allegation_id:
            if self.current_facility.country_id != self.allegation.country_id:
                raise ValidationError(
                    {"current_facility": _("This facility belongs to another country.")}
                )

    def same_person_elsewhere(self):
        """Other allegations naming the same person (equal blind index), nothing decrypted."""
        if not self.identity_index:
            return Allegation.objects.none()
        return Allegation.objects.filter(victim__identity_index=self.identity_index).exclude(
            pk=self.allegation_id
        )


class Witness(AllegationPart):
    """A witness of the alleged ill-treatment. Name and contact details are identity data."""

    allegation = models.ForeignKey(
        Allegation, verbose_name=_("allegation"), on_delete=models.PROTECT, related_name="witnesses"
    )
    role = models.CharField(_("role"), max_length=16, choices=choices.WitnessRole.choices)
    full_name = EncryptedCharField(_("full name"), max_length=300, blank=True)
    contact_details = EncryptedTextField(_("contact details"), blank=True)
    statement = EncryptedTextField(_("statement"), blank=True)

    class Meta:
        verbose_name = _("witness")
        verbose_name_plural = _("witnesses")
        ordering = ("created_at",)
        triggers = [no_delete]

    def __str__(self) -> str:
        return f"{self.get_role_display()} #{str(self.pk)[:8]}"


class Perpetrator(AllegationPart):
    """An alleged perpetrator. The name is confidential; agency, unit and rank feed statistics."""

    allegation = models.ForeignKey(
        Allegation,
        verbose_name=_("allegation"),
        on_delete=models.PROTECT,
        related_name="perpetrators",
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.CharField(
        pgettext_lazy("police or military unit", "unit"), max_length=200, blank=True
    )
    rank = models.CharField(
        pgettext_lazy("military or police rank", "rank"), max_length=100, blank=True
    )
    name = models.CharField(pgettext_lazy("person's name", "name"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("alleged perpetrator")
        verbose_name_plural = _("alleged perpetrators")
        ordering = ("created_at",)
        triggers = [no_delete]

    def __str__(self) -> str:
        return " · ".join(filter(None, [str(self.agency), self.unit, self.rank]))

    def clean(self):
        if self.agency_id and self.allegation_id:
            if self.agency.country_id not in (None, self.allegation.country_id):
                raise ValidationError({"agency": _("This agency belongs to another country.")})


class MedicalExamination(AllegationPart):
    """A medical examination of the victim and how consistent its findings are with the
    allegation (Istanbul Protocol). Findings are medical data."""

    allegation = models.ForeignKey(
        Allegation,
        verbose_name=_("allegation"),
        on_delete=models.PROTECT,
        related_name="medical_examinations",
    )
    examined_on = models.DateField(_("examined on"))
    examiner = models.CharField(_("examiner"), max_length=200, blank=True)
    institution = models.CharField(_("institution"), max_length=300, blank=True)
    istanbul_protocol = models.BooleanField(
        _("examined under the Istanbul Protocol"), default=False
    )
    findings = EncryptedTextField(_("findings"), blank=True)
    consistency = models.ForeignKey(
        ConsistencyLevel,
        verbose_name=_("overall consistency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("medical examination")
        verbose_name_plural = _("medical examinations")
        ordering = ("examined_on",)
        triggers = [no_delete]

    def __str__(self) -> str:
        return f"{self.examined_on:%Y-%m-%d} {self.examiner}".strip()

    def clean(self):
        if self.examined_on and self.examined_on > timezone.localdate():
            raise ValidationError({"examined_on": _("An examination cannot be in the future.")})
        if self.examined_on and self.allegation_id:
            incident_date = self.allegation.incident_date
            if incident_date and self.examined_on < incident_date:
                raise ValidationError(
                    {"examined_on": _("The examination cannot precede the incident.")}
                )


class Consent(AllegationPart):
    """The victim's informed consent to one destination of their data (OPCAT Art. 21).

    Withdrawing sets ``withdrawn_on``; giving consent again is a new record, so the history of
    what was allowed when stays readable.
    """

    allegation = models.ForeignKey(
        Allegation, verbose_name=_("allegation"), on_delete=models.PROTECT, related_name="consents"
    )
    destination = models.CharField(
        _("destination"), max_length=24, choices=choices.ConsentDestination.choices
    )
    granted_on = models.DateField(_("given on"))
    form = models.CharField(_("form"), max_length=16, choices=choices.ConsentForm.choices)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ("destination", "granted_on")
        constraints = [
            models.UniqueConstraint(
                fields=("allegation", "destination"),
                condition=Q(withdrawn_on__isnull=True),
                name="cases_consent_one_active_per_destination",
                violation_error_message=_("Consent to this destination is already in force."),
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=F("granted_on")),
                name="cases_consent_withdrawn_after_granted",
                violation_error_message=_("Consent cannot be withdrawn before it was given."),
            ),
        ]
        triggers = [no_delete]

    def __str__(self) -> str:
        return self.get_destination_display()

    @property
    def in_force(self) -> bool:
        return self.withdrawn_on is None

    def clean(self):
        today = timezone.localdate()
        errors: dict = {}
        if self.granted_on and self.granted_on > today:
            errors["granted_on"] = _("Consent cannot be given in the future.")
        if self.withdrawn_on and self.withdrawn_on > today:
            errors["withdrawn_on"] = _("Consent cannot be withdrawn in the future.")
        if errors:
            raise ValidationError(errors)


def evidence_path(instance, filename: str) -> str:
    # The stored name carries no personal data: the allegation id and the file's hash.
    return f"evidence/{instance.allegation_id}/{instance.sha256}"


class Evidence(AllegationPart):
    """A file supporting an allegation. Never overwritten: a correction is a new version that
    points to the one it supersedes."""

    allegation = models.ForeignKey(
        Allegation, verbose_name=_("allegation"), on_delete=models.PROTECT, related_name="evidence"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=choices.EvidenceKind.choices)
    file = models.FileField(
        _("file"), upload_to=evidence_path, max_length=255, storage=evidence_storage
    )
    filename = EncryptedCharField(_("file name"), max_length=255, editable=False)
    content_type = models.CharField(
        _("type of content"), max_length=100, blank=True, editable=False
    )
    metadata_removed = models.BooleanField(
        _("metadata removed"),
        default=False,
        editable=False,
        help_text=_("Photos are stored without their EXIF and GPS data."),
    )
    size = models.PositiveBigIntegerField(_("size in bytes"), editable=False)
    sha256 = models.CharField(
        _("SHA-256"),
        max_length=64,
        editable=False,
        validators=[RegexValidator(r"^[0-9a-f]{64}$")],
        help_text=_("Of the file as received (before any metadata was removed)."),
    )
    description = models.TextField(_("description"), blank=True)
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("supersedes"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ("created_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"),
                name="cases_evidence_sha256_hex",
            ),
        ]
        triggers = [
            no_delete,
            pgtrigger.ReadOnly(name="evidence_file_immutable", fields=["file", "sha256", "size"]),
        ]

    def __str__(self) -> str:
        return self.filename

    @property
    def uploaded_at(self):
        return self.created_at

    def clean(self):
        if self.supersedes_id and self.supersedes.allegation_id != self.allegation_id:
            raise ValidationError(
                {"supersedes": _("A new version must belong to the same allegation.")}
            )


class Referral(ClockedMixin, Evidence_, DomainModel):
    """An allegation passed to a prosecutor's office, followed until the final outcome."""

    reference = models.CharField(_("reference"), max_length=40, unique=True, editable=False)
    allegation = models.ForeignKey(
        Allegation, verbose_name=_("allegation"), on_delete=models.PROTECT, related_name="referrals"
    )
    prosecutor_office = models.ForeignKey(
        ProsecutorOffice,
        verbose_name=_("prosecutor's office"),
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=choices.ReferralStatus.choices,
        default=choices.ReferralStatus.DRAFT,
        editable=False,
    )
    external_number = models.CharField(
        _("external number"),
        max_length=64,
        blank=True,
        editable=False,
        help_text=_("ERDR number (KZ) or Unified Register of Crimes number (KG)."),
    )
    outcome = models.CharField(
        _("outcome"),
        max_length=500,
        blank=True,
        editable=False,
        help_text=_(
            "The final decision as recorded by the last event (grounds, article, sentence)."
        ),
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

    country_field = "allegation__country"
    role_scope = ("allegation", "allegation")

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ("-created_at",)
        indexes = [
            models.Index(fields=("-created_at",), name="cases_referral_created"),
            models.Index(fields=("status",), name="cases_referral_status"),
            models.Index(fields=("prosecutor_office", "status"), name="cases_referral_office"),
            models.Index(fields=("updated_at",), name="cases_referral_updated"),
            models.Index(fields=("-created_at", "-id"), name="cases_referral_page"),
        ]
        triggers = [no_delete]

    def __str__(self) -> str:
        return self.reference or str(_("new referral"))

    def get_absolute_url(self) -> str:
        return reverse("admin:cases_referral_change", args=[self.pk])

    def clean(self):
        if self.allegation_id and self.prosecutor_office_id:
            if self.prosecutor_office.country_id != self.allegation.country_id:
                raise ValidationError(
                    {"prosecutor_office": _("This office belongs to another country.")}
                )


class ReferralEvent(Evidence_, LifecycleEvent):
    """A step in a referral's life (sent, registered, refused, ...). Append-only."""

    referral = models.ForeignKey(
        Referral, verbose_name=_("referral"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=choices.ReferralEventKind.choices)
    external_number = models.CharField(_("external number"), max_length=64, blank=True)
    article = models.CharField(_("article"), max_length=100, blank=True)
    sentence = models.CharField(_("sentence"), max_length=300, blank=True)
    addressee = models.CharField(_("addressee"), max_length=300, blank=True)
    new_term = models.DateField(_("new term"), null=True, blank=True)

    country_field = "referral__allegation__country"
    role_scope = ("allegation", "referral__allegation")

    class Meta(LifecycleEvent.Meta):
        verbose_name = _("referral event")
        verbose_name_plural = _("referral events")
        indexes = [
            models.Index(fields=("referral", "occurred_at"), name="cases_refevent_timeline"),
            # Reports count the referrals sent in a period.
            models.Index(
                fields=("occurred_at",), condition=Q(kind="sent"), name="cases_refevent_sent"
            ),
        ]
        triggers = [APPEND_ONLY]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.occurred_at:%Y-%m-%d}"


class AllegationEvent(Evidence_, LifecycleEvent):
    """A step in an allegation's life (assessment, referral, closing, reopening). Append-only."""

    allegation = models.ForeignKey(
        Allegation, verbose_name=_("allegation"), on_delete=models.PROTECT, related_name="events"
    )
    reason = models.CharField(
        _("reason"), max_length=32, choices=choices.ClosedReason.choices, blank=True
    )

    country_field = "allegation__country"
    role_scope = ("allegation", "allegation")

    class Meta(LifecycleEvent.Meta):
        verbose_name = _("allegation event")
        verbose_name_plural = _("allegation events")
        indexes = [
            models.Index(fields=("allegation", "occurred_at"), name="cases_allegevent_timeline"),
        ]
        triggers = [APPEND_ONLY]

    def __str__(self) -> str:
        return f"{self.kind} · {self.occurred_at:%Y-%m-%d}"

    def get_kind_display(self) -> str:
        # An allegation's steps are named after the status they lead to.
        return dict(choices.AllegationStatus.choices).get(self.kind, self.kind)


class ReprisalFollowUp(ClockedMixin, Evidence_, DomainModel):
    """A check that a person who spoke to the NPM suffered no reprisal (OPCAT Art. 21).

    It follows the person, not the facility: where to look is wherever the victim is held now.
    """

    allegation = models.ForeignKey(
        Allegation,
        verbose_name=_("allegation"),
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    reason = models.CharField(_("reason"), max_length=16, choices=choices.FollowUpReason.choices)
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=choices.FollowUpStatus.choices,
        default=choices.FollowUpStatus.OPEN,
        editable=False,
    )
    method = models.CharField(
        _("method"), max_length=16, choices=choices.FollowUpMethod.choices, blank=True
    )
    outcome = models.CharField(
        _("outcome"),
        max_length=24,
        choices=choices.FollowUpOutcome.choices,
        blank=True,
        editable=False,
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    note = models.TextField(_("note"), blank=True)
    new_allegation = models.OneToOneField(
        Allegation,
        verbose_name=_("allegation of reprisal"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="reprisal_follow_up_source",
    )

    country_field = "allegation__country"
    role_scope = ("allegation", "allegation")

    class Meta:
        verbose_name = _("reprisal follow-up")
        verbose_name_plural = _("reprisal follow-ups")
        ordering = ("status", "created_at")
        indexes = [models.Index(fields=("status", "created_at"), name="cases_followup_open")]
        constraints = [
            models.UniqueConstraint(
                fields=("allegation",),
                condition=Q(status="open"),
                name="cases_reprisalfollowup_one_open",
                violation_error_message=_("This allegation already has an open follow-up."),
            ),
            models.CheckConstraint(
                condition=(Q(status="open") & Q(outcome="") & Q(closed_at__isnull=True))
                | (Q(status="closed") & ~Q(outcome="") & Q(closed_at__isnull=False)),
                name="cases_reprisalfollowup_closed_has_outcome",
                violation_error_message=_("A closed follow-up carries its outcome, and only then."),
            ),
        ]
        triggers = [no_delete]

    def __str__(self) -> str:
        return f"{self.allegation} · {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return reverse("admin:cases_reprisalfollowup_change", args=[self.pk])

    @property
    def where_held_now(self):
        victim = getattr(self.allegation, "victim", None)
        if victim is None:
            return ""
        return victim.current_facility or victim.current_location


class DeadlineQuerySet(ScopedQuerySet):
    def open(self):
        return self.filter(met_at__isnull=True)

    def overdue(self, now=None):
        return self.open().filter(due_at__lt=now or timezone.now())


class Deadline(DomainModel):
    """A running legal clock: started by an event, due at a moment computed from the deadline
    rule in force on that day (whose terms and source are copied here, so later edits of the rule
    leave it alone), met by the answering event. ``overdue`` is computed when read."""

    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    clock = models.CharField(_("clock"), max_length=32, choices=choices.Clock.choices)
    rule = models.ForeignKey(
        DeadlineRule,
        verbose_name=_("deadline rule"),
        on_delete=models.PROTECT,
        related_name="deadlines",
        null=True,
        blank=True,
    )
    duration = models.PositiveIntegerField(_("duration"), null=True, blank=True)
    unit = models.CharField(
        pgettext_lazy("time unit", "unit"),
        max_length=16,
        choices=choices.DurationUnit.choices,
        blank=True,
    )
    legal_source = models.CharField(_("legal source"), max_length=300)
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due at"))
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    met_by = models.CharField(_("met by"), max_length=32, blank=True)
    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="deadlines"
    )
    allegation = models.ForeignKey(
        Allegation, on_delete=models.PROTECT, null=True, blank=True, related_name="deadlines"
    )
    recommendation = models.ForeignKey(
        "facilities.Recommendation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deadlines",
    )
    follow_up = models.ForeignKey(
        ReprisalFollowUp,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deadlines",
    )
    overdue_notified_at = models.DateTimeField(_("overdue notice sent at"), null=True, blank=True)

    objects = DeadlineQuerySet.as_manager()
    country_field = "country"
    role_scope = ("deadline", "")

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ("due_at",)
        indexes = [
            models.Index(
                fields=("due_at",), condition=Q(met_at__isnull=True), name="cases_deadline_open"
            ),
            # What the overdue scan looks for: open clocks not yet notified, oldest first.
            models.Index(
                fields=("due_at",),
                condition=Q(met_at__isnull=True, overdue_notified_at__isnull=True),
                name="cases_deadline_to_notify",
            ),
            models.Index(fields=("referral", "met_at"), name="cases_deadline_referral"),
            models.Index(fields=("recommendation", "met_at"), name="cases_deadline_rec"),
            models.Index(fields=("allegation", "met_at"), name="cases_deadline_allegation"),
            models.Index(fields=("follow_up", "met_at"), name="cases_deadline_followup"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_at__gte=F("started_at")),
                name="cases_deadline_due_after_start",
            ),
            models.CheckConstraint(
                condition=Q(referral__isnull=False)
                | Q(allegation__isnull=False)
                | Q(recommendation__isnull=False)
                | Q(follow_up__isnull=False),
                name="cases_deadline_has_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_clock_display()} · {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.met_at is None

    @property
    def overdue(self) -> bool:
        return self.met_at is None and self.due_at < timezone.now()

    @property
    def subject(self):
        """The record whose clock this is: a referral, follow-up, recommendation or allegation."""
        return self.referral or self.follow_up or self.recommendation or self.allegation


class Notification(models.Model):
    """A message sent to a staff user, recorded so that it is sent once: one overdue notice per
    deadline, one digest per officer and day."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.PROTECT,
        related_name="npm_notifications",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=choices.NotificationKind.choices)
    deadline = models.ForeignKey(
        Deadline, on_delete=models.PROTECT, null=True, blank=True, related_name="notifications"
    )
    day = models.DateField(_("day"), null=True, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ("-sent_at",)
        constraints = [
            models.UniqueConstraint(
                fields=("deadline", "kind"),
                condition=Q(deadline__isnull=False),
                name="cases_notification_once_per_deadline",
            ),
            models.UniqueConstraint(
                fields=("recipient", "kind", "day"),
                condition=Q(day__isnull=False),
                name="cases_notification_once_per_day",
            ),
        ]

    def __str__(self) -> str:
        return self.subject


# Every change of these tables is recorded by a database trigger (npm_tracker.core.audit). The
# confidential fields are recorded as changed, never with their values.
CONFIDENTIAL_FIELDS = {
    Allegation: ("injuries",),
    Victim: ("full_name", "date_of_birth", "citizenship", "contact_details", "identity_index"),
    Witness: ("full_name", "contact_details", "statement"),
    Perpetrator: ("name",),
    MedicalExamination: ("findings", "examiner"),
    Evidence: ("filename",),
}
for _model in (
    Method,
    AllegationSource,
    PlaceOfIncident,
    ConsistencyLevel,
    ProsecutorOffice,
    DeadlineRule,
    Incident,
    Allegation,
    Victim,
    Witness,
    Perpetrator,
    MedicalExamination,
    Consent,
    Evidence,
    Referral,
    ReferralEvent,
    AllegationEvent,
    ReprisalFollowUp,
    Deadline,
):
    audit.track(_model, confidential=CONFIDENTIAL_FIELDS.get(_model, ()))
audit.track(Allegation.methods.through, app_label="cases", model_name="AllegationMethodsHistory")
