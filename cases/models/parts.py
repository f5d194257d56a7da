"""The records that belong to one allegation: the victim, witnesses, alleged perpetrators,
medical examinations, the victim's consents and the evidence files. Identity and medical
fields are encrypted at rest."""

import pgtrigger
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases import choices
from cases.models.allegations import Allegation
from cases.models.base import Evidence_, no_delete
from cases.models.vocabularies import ConsistencyLevel
from cases.uploads import extension_of
from facilities.models import Agency, Facility
from npm_tracker.core.crypto import (
    EncryptedCharField,
    EncryptedDateField,
    EncryptedTextField,
    blind_index,
    name_index,
)
from npm_tracker.core.models import DomainModel
from npm_tracker.core.storage import evidence_storage


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
    """An alleged perpetrator. The name is confidential (encrypted, with a blind index that finds
    the same name in other allegations); agency, unit and rank feed statistics."""

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
    name = EncryptedCharField(pgettext_lazy("person's name", "name"), max_length=300, blank=True)
    name_index = models.CharField(
        _("name index"),
        max_length=64,
        blank=True,
        editable=False,
        db_index=True,
        help_text=_("A keyed hash of the name: finds the same name in other allegations."),
    )

    class Meta:
        verbose_name = _("alleged perpetrator")
        verbose_name_plural = _("alleged perpetrators")
        ordering = ("created_at",)
        triggers = [no_delete]

    def __str__(self) -> str:
        return " · ".join(filter(None, [str(self.agency), self.unit, self.rank]))

    def save(self, *args, **kwargs):
        self.name_index = name_index(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_index"}
        super().save(*args, **kwargs)

    def clean(self):
        if self.agency_id and self.allegation_id:
            if self.agency.country_id not in (None, self.allegation.country_id):
                raise ValidationError({"agency": _("This agency belongs to another country.")})

    def same_name_elsewhere(self):
        """Other allegations naming a perpetrator of the same name (equal blind index, case and
        word order ignored), nothing decrypted."""
        if not self.name_index:
            return Allegation.objects.none()
        return (
            Allegation.objects.filter(perpetrators__name_index=self.name_index)
            .exclude(pk=self.allegation_id)
            .distinct()
        )


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
    examiner = EncryptedCharField(_("examiner"), max_length=200, blank=True)
    institution = models.CharField(_("institution"), max_length=300, blank=True)
    place = models.CharField(
        _("place"), max_length=300, blank=True, help_text=_("Where the examination was held.")
    )
    guards_present = models.CharField(
        _("guards present"),
        max_length=16,
        choices=choices.GuardsPresent.choices,
        default=choices.GuardsPresent.UNKNOWN,
    )
    istanbul_protocol = models.BooleanField(
        _("examined under the Istanbul Protocol"), default=False
    )
    account = EncryptedTextField(
        _("history as told"),
        blank=True,
        help_text=_("The person's account of the events and their symptoms, in their words."),
    )
    findings = EncryptedTextField(_("findings"), blank=True)
    opinion = EncryptedTextField(
        _("physician's opinion"),
        blank=True,
        help_text=_("The interpretation of all findings together, with the overall consistency."),
    )
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
        # Never the examiner: this text is kept in clear (titles, lists, the admin's change log).
        return f"{self.examined_on:%Y-%m-%d} {self.institution}".strip()

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
    # The stored name carries no personal data: the allegation id and the file's hash, with the
    # extension of the checked content (never the one of the uploaded name).
    return (
        f"evidence/{instance.allegation_id}/{instance.sha256}.{extension_of(instance.content_type)}"
    )


def original_path(instance, filename: str) -> str:
    # The sealed original, named by its own hash (the received file's), apart from working copies.
    return (
        f"evidence/{instance.allegation_id}/original/"
        f"{instance.sha256}.{extension_of(instance.content_type)}"
    )


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
    original = models.FileField(
        _("sealed original"),
        upload_to=original_path,
        max_length=255,
        storage=evidence_storage,
        blank=True,
        editable=False,
        help_text=_(
            "The file exactly as received, with its metadata, when the working copy differs "
            "from it (photos stripped of EXIF and GPS)."
        ),
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
    served_sha256 = models.CharField(
        _("SHA-256 of the stored file"),
        default="",
        max_length=64,
        editable=False,
        validators=[RegexValidator(r"^[0-9a-f]{64}$")],
        help_text=_(
            "Of the file as stored and downloaded: differs from the received one when "
            "metadata was removed."
        ),
    )
    served_size = models.PositiveBigIntegerField(
        _("size of the stored file"), null=True, editable=False
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
            models.CheckConstraint(
                # Empty only for a file of an earlier release that could not be read.
                condition=Q(served_sha256__regex=r"^[0-9a-f]{64}$") | Q(served_sha256=""),
                name="cases_evidence_served_sha256_hex",
            ),
        ]
        triggers = [
            no_delete,
            pgtrigger.ReadOnly(
                name="evidence_file_immutable",
                fields=["file", "original", "sha256", "size", "served_sha256", "served_size"],
            ),
        ]

    def __str__(self) -> str:
        # Never the file name: it is confidential (``__str__`` shows in titles and lists).
        return f"{self.get_kind_display()} {self.sha256[:12]}"

    @property
    def uploaded_at(self):
        return self.created_at

    @property
    def original_kept(self) -> bool:
        """Whether the file as received can be produced: sealed apart, or the working copy is
        the same bytes (nothing was removed)."""
        return bool(self.original) or not self.metadata_removed

    def open_original(self):
        """The file exactly as received (``sha256``), or ``None`` when an earlier release kept
        only the working copy."""
        if self.original:
            return self.original.open("rb")
        if not self.metadata_removed:
            return self.file.open("rb")
        return None

    def clean(self):
        if self.supersedes_id and self.supersedes.allegation_id != self.allegation_id:
            raise ValidationError(
                {"supersedes": _("A new version must belong to the same allegation.")}
            )
