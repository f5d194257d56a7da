"""Allegations, referrals, evidence and complaints as the contract names them.

``victim`` and each perpetrator's ``name`` are written by any ``write`` client but returned
only to callers holding ``confidential``: for the others the keys are absent, not empty.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.api.facts import (
    AllegationFactsSerializer,
    DisclosedVictimSerializer,
    OmittedWithoutRight,
    allegation_facts,
)
from cases.choices import ConsentDestination, ReferralEventKind, ReprisalRisk, Sex
from cases.models import (
    Allegation,
    AllegationSource,
    Evidence,
    Incident,
    Method,
    PlaceOfIncident,
    ProsecutorOffice,
    Referral,
    ReferralEvent,
    prosecutor_office_id_of,
)
from facilities.models import Agency, Country, Facility, Visit
from npm_tracker.core import roles
from npm_tracker.core.api.auth import scopes_of
from npm_tracker.core.api.base import CodeField, RelatedListSerializer, ScopedPrimaryKeyField
from npm_tracker.core.models import related


def note_identity_read(context, obj) -> None:
    """Tell the view that this response shows a person's identity (it logs the read)."""
    reads = getattr(context.get("view"), "identity_reads", None)
    if reads is None:
        raise RuntimeError("Identity shown by a view that does not log reads.")
    reads.append(obj)


def identity_allowed(context, allegation) -> bool:
    """A partner's identity access is its ``confidential`` scope; a staff session's is its role
    (``roles.sees_identity``)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if roles.is_staff_user(user):
        return roles.sees_identity(user, allegation)
    return holds_confidential(context)


def holds_confidential(context) -> bool:
    request = context.get("request")
    return request is not None and "confidential" in scopes_of(request.user)


class VictimSerializer(serializers.Serializer):
    full_name = serializers.CharField(required=False, allow_blank=True, max_length=300)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False)
    is_minor = serializers.BooleanField(required=False)
    citizenship = serializers.RegexField(
        r"^[A-Z]{2}$", required=False, allow_null=True, allow_blank=True
    )


class PerpetratorSerializer(serializers.Serializer):
    agency = CodeField(Agency)
    unit = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    rank = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    name = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)

    class Meta:
        list_serializer_class = RelatedListSerializer


class ConsentMapSerializer(serializers.Serializer):
    prosecutor = serializers.BooleanField(required=False)
    publication = serializers.BooleanField(required=False)
    spt = serializers.BooleanField(required=False)
    medical_examination = serializers.BooleanField(required=False)


class AllegationSerializer(serializers.ModelSerializer):
    incident = ScopedPrimaryKeyField(Incident, allow_null=True, required=False)
    country = CodeField(Country)
    source = CodeField(AllegationSource)
    facility = ScopedPrimaryKeyField(Facility, allow_null=True, required=False)
    visit = ScopedPrimaryKeyField(Visit, allow_null=True, required=False)
    place_of_incident = CodeField(PlaceOfIncident)
    methods = CodeField(Method, many=True, required=False)
    reprisal_risk = serializers.ChoiceField(choices=ReprisalRisk.choices, required=False)
    consent = ConsentMapSerializer(source="consent_map", required=False)
    perpetrators = PerpetratorSerializer(many=True, required=False)
    victim = VictimSerializer(required=False)

    class Meta:
        model = Allegation
        fields = (
            "id",
            "reference",
            "incident",
            "country",
            "source",
            "received_at",
            "facility",
            "visit",
            "place_of_incident",
            "incident_date",
            "methods",
            "summary",
            "urgent",
            "reprisal_risk",
            "status",
            "consent",
            "perpetrators",
            "victim",
            "created_at",
            "updated_at",
        )
        read_only_fields = ("id", "reference", "urgent", "status", "created_at", "updated_at")

    def to_representation(self, obj):
        data = super().to_representation(obj)
        if not identity_allowed(self.context, obj):
            data.pop("victim", None)
            for perpetrator in data.get("perpetrators", []):
                perpetrator.pop("name", None)
        elif data.get("victim"):
            note_identity_read(self.context, obj)
        return data


class AllegationTransitionSerializer(serializers.Serializer):
    to = serializers.CharField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")
    occurred_at = serializers.DateTimeField(required=False, default=None)


class EvidenceSerializer(serializers.ModelSerializer):
    """An evidence file. ``sha256`` and ``size`` describe the file as received (the contract's
    fields, kept); ``original_*`` say the same under an explicit name, and ``served_*`` describe
    the file ``GET /evidence/{id}/file/`` sends, which differs from the original when its
    metadata was removed (photos)."""

    uploaded_at = serializers.DateTimeField(source="created_at", read_only=True)
    sha256 = serializers.CharField(
        read_only=True, help_text=_("SHA-256 (hex) of the file as received.")
    )
    size = serializers.IntegerField(read_only=True, help_text=_("Size of the file as received."))
    original_sha256 = serializers.CharField(
        source="sha256", read_only=True, help_text=_("SHA-256 (hex) of the file as received.")
    )
    original_size = serializers.IntegerField(
        source="size", read_only=True, help_text=_("Size in bytes of the file as received.")
    )
    served_sha256 = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text=_(
            "SHA-256 (hex) of the file the download serves (also in its Repr-Digest header); "
            "null for a file of an earlier release that could not be measured."
        ),
    )
    served_size = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text=_("Size in bytes of the file the download serves."),
    )
    metadata_removed = serializers.BooleanField(
        read_only=True,
        help_text=_("True when the stored copy lost the file's metadata (EXIF, GPS): photos."),
    )

    class Meta:
        model = Evidence
        fields = (
            "id",
            "kind",
            "filename",
            "size",
            "sha256",
            "original_size",
            "original_sha256",
            "served_size",
            "served_sha256",
            "metadata_removed",
            "uploaded_at",
            "description",
            "file",
        )
        read_only_fields = ("id", "filename", "uploaded_at")
        extra_kwargs = {"file": {"write_only": True}}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["served_sha256"] = data["served_sha256"] or None
        return data


class ReferralEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReferralEvent
        fields = ("kind", "occurred_at", "external_number", "note")
        list_serializer_class = RelatedListSerializer


class ReferralSerializer(OmittedWithoutRight, serializers.ModelSerializer):
    omitted_without_right = ("victim",)

    allegation = ScopedPrimaryKeyField(Allegation)
    prosecutor_office = CodeField(ProsecutorOffice)
    identity_disclosed = serializers.SerializerMethodField()
    due_at = serializers.DateTimeField(read_only=True, allow_null=True)
    overdue = serializers.BooleanField(read_only=True)
    events = ReferralEventSerializer(many=True, read_only=True)
    allegation_facts = serializers.SerializerMethodField(
        help_text=_(
            "The facts of the allegation this referral discloses, for registering the case: "
            "all callers who see the referral get them; `injuries`, examination `findings` and "
            "perpetrators' `name` are present only for callers with the right to them."
        )
    )
    victim = serializers.SerializerMethodField(
        help_text=_(
            "The person concerned: only for the prosecutor's office addressed, while the "
            "person's consent to that disclosure is in force. Absent (no key at all) otherwise."
        )
    )

    class Meta:
        model = Referral
        fields = (
            "id",
            "reference",
            "allegation",
            "prosecutor_office",
            "status",
            "identity_disclosed",
            "external_number",
            "due_at",
            "overdue",
            "events",
            "allegation_facts",
            "victim",
            "created_at",
            "updated_at",
        )
        read_only_fields = (
            "id",
            "reference",
            "status",
            "external_number",
            "created_at",
            "updated_at",
        )

    def get_identity_disclosed(self, obj) -> bool:
        return any(
            c.destination == ConsentDestination.PROSECUTOR and c.withdrawn_on is None
            for c in related(obj.allegation, "consents")
        )

    @extend_schema_field(AllegationFactsSerializer)
    def get_allegation_facts(self, obj) -> dict:
        return {}  # filled in by to_representation, which knows the caller

    @extend_schema_field(DisclosedVictimSerializer)
    def get_victim(self, obj) -> dict | None:
        return None  # filled in (or the key removed) by to_representation

    def to_representation(self, obj):
        """The facts the referral discloses, as much as the caller may see (``cases.api.facts``);
        the prosecutor's office addressed also gets the person's identity while their consent
        to that disclosure is in force. Every confidential value shown is logged as read."""
        data = super().to_representation(obj)
        data.pop("victim", None)
        request = self.context.get("request")
        office_id = prosecutor_office_id_of(getattr(request, "user", None))
        addressed = office_id is not None and office_id == obj.prosecutor_office_id
        allegation = obj.allegation
        consented = addressed and data["identity_disclosed"]
        identity = not addressed and identity_allowed(self.context, allegation)
        facts, shown = allegation_facts(
            allegation,
            medical=addressed or identity,
            findings=consented or identity,
            names=identity,
        )
        data["allegation_facts"] = facts
        victim = getattr(allegation, "victim", None)
        if consented and victim is not None and (victim.full_name or victim.date_of_birth):
            data["victim"] = {
                "full_name": victim.full_name,
                "date_of_birth": victim.date_of_birth.isoformat() if victim.date_of_birth else None,
            }
            shown = True
        if shown:
            note_identity_read(self.context, obj)
        return data


class ReferralEventInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReferralEventKind.choices)
    occurred_at = serializers.DateTimeField(required=False, default=None)
    external_number = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")
    article = serializers.CharField(required=False, allow_blank=True, default="")
    sentence = serializers.CharField(required=False, allow_blank=True, default="")
    addressee = serializers.CharField(required=False, allow_blank=True, default="")
    new_term = serializers.DateField(required=False, allow_null=True, default=None)
    document_number = serializers.CharField(required=False, allow_blank=True, default="")


class ComplaintSerializer(serializers.Serializer):
    country = CodeField(Country)
    source = CodeField(AllegationSource)
    received_at = serializers.DateTimeField()
    facility = ScopedPrimaryKeyField(Facility, allow_null=True, required=False)
    text = serializers.CharField(max_length=20000)
    complainant = VictimSerializer(required=False)


class ComplaintResultSerializer(serializers.Serializer):
    allegation = serializers.UUIDField()
    reference = serializers.CharField()
