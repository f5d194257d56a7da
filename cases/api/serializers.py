"""Allegations, referrals, evidence and complaints as the contract names them.

``victim`` and each perpetrator's ``name`` are written by any ``write`` client but returned
only to callers holding ``confidential``: for the others the keys are absent, not empty.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.api.facts import (
    AllegationFactsSerializer,
    DisclosedVictimSerializer,
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
from npm_tracker.core.api.base import (
    CodeField,
    JsonBooleanField,
    JsonCharField,
    RelatedListSerializer,
    ScopedPrimaryKeyField,
)
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
    full_name = JsonCharField(
        required=False, allow_blank=True, max_length=300, help_text="The person's full name."
    )
    date_of_birth = serializers.DateField(
        required=False, allow_null=True, help_text="The person's date of birth, if known."
    )
    sex = serializers.ChoiceField(
        choices=Sex.choices, required=False, help_text="The person's sex."
    )
    is_minor = JsonBooleanField(
        required=False, help_text="Under 18 at the time of the incident (the case is urgent)."
    )
    citizenship = serializers.RegexField(
        r"^[A-Z]{2}$",
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="ISO 3166-1 alpha-2 code of the person's citizenship, or null.",
    )


class PerpetratorSerializer(serializers.Serializer):
    agency = CodeField(Agency)
    unit = JsonCharField(
        required=False, allow_blank=True, default="", max_length=200, help_text="Their unit."
    )
    rank = JsonCharField(
        required=False, allow_blank=True, default="", max_length=100, help_text="Their rank."
    )
    name = JsonCharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=300,
        help_text="Their name; returned only to callers holding `confidential`.",
    )

    class Meta:
        list_serializer_class = RelatedListSerializer
        # Returned only to callers who see identities (``confidential``).
        optional_in_response = ("name",)


class ConsentMapSerializer(serializers.Serializer):
    prosecutor = JsonBooleanField(
        required=False, help_text="Consent to disclose the identity to the prosecutor."
    )
    publication = JsonBooleanField(required=False, help_text="Consent to publication.")
    spt = JsonBooleanField(
        required=False, help_text="Consent to disclosure to the UN Subcommittee (SPT)."
    )
    medical_examination = JsonBooleanField(
        required=False, help_text="Consent to a medical examination."
    )


class AllegationSerializer(serializers.ModelSerializer):
    incident = ScopedPrimaryKeyField(Incident, allow_null=True, required=False)
    country = CodeField(Country)
    source = CodeField(AllegationSource)
    facility = ScopedPrimaryKeyField(Facility, allow_null=True, required=False)
    visit = ScopedPrimaryKeyField(Visit, allow_null=True, required=False)
    place_of_incident = CodeField(PlaceOfIncident)
    methods = CodeField(
        Method, many=True, required=False, help_text="The methods of ill-treatment alleged."
    )
    reprisal_risk = serializers.ChoiceField(
        choices=ReprisalRisk.choices,
        required=False,
        help_text="The risk of reprisal against the person, as assessed.",
    )
    consent = ConsentMapSerializer(
        source="consent_map",
        required=False,
        help_text="The person's consents in force; setting one to false records its "
        "withdrawal, dated.",
    )
    perpetrators = PerpetratorSerializer(
        many=True, required=False, help_text="The alleged perpetrators."
    )
    victim = VictimSerializer(
        required=False,
        help_text="The person: written by any `write` caller, returned only to callers holding "
        "`confidential` (absent for the others, and when no person is recorded).",
    )

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
        extra_kwargs = {
            "reference": {
                "help_text": "The human reference, such as `KZ-2026-000001`: the country, the "
                "year of `received_at` in the country's time zone, a sequence."
            },
            "received_at": {"help_text": "When the NPM received the allegation."},
            "incident_date": {"help_text": "The day of the incident, or null if not known."},
            "summary": {"help_text": "What is alleged."},
            "urgent": {
                "help_text": "Death in custody, serious injury or a minor victim: the shorter "
                "deadlines apply."
            },
            "status": {"help_text": "Where the allegation is in its lifecycle (see `transition`)."},
        }
        # Returned only to callers who see identities, and only when a victim is recorded.
        optional_in_response = ("victim",)

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
    to = JsonCharField(help_text="The status to move to.")
    reason = JsonCharField(
        required=False, allow_blank=True, default="", help_text="Why it is closed (a code)."
    )
    note = JsonCharField(
        required=False, allow_blank=True, default="", help_text="Why, in a few words."
    )
    occurred_at = serializers.DateTimeField(
        required=False, default=None, help_text="When it happened; now if not given."
    )


class EvidenceSerializer(serializers.ModelSerializer):
    """An evidence file. ``sha256`` and ``size`` describe the file as received (the contract's
    fields, kept); ``original_*`` say the same under an explicit name, and ``served_*`` describe
    the file ``GET /evidence/{id}/file/`` sends, which differs from the original when its
    metadata was removed (photos)."""

    uploaded_at = serializers.DateTimeField(
        source="created_at", read_only=True, help_text="When the file was received."
    )
    sha256 = JsonCharField(read_only=True, help_text="SHA-256 (hex) of the file as received.")
    size = serializers.IntegerField(read_only=True, help_text="Size of the file as received.")
    original_sha256 = JsonCharField(
        source="sha256", read_only=True, help_text="SHA-256 (hex) of the file as received."
    )
    original_size = serializers.IntegerField(
        source="size", read_only=True, help_text="Size in bytes of the file as received."
    )
    served_sha256 = JsonCharField(
        read_only=True,
        allow_null=True,
        help_text=(
            "SHA-256 (hex) of the file the download serves (also in its Repr-Digest header); "
            "null for a file of an earlier release that could not be measured."
        ),
    )
    served_size = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="Size in bytes of the file the download serves.",
    )
    metadata_removed = serializers.BooleanField(
        read_only=True,
        help_text="True when the stored copy lost the file's metadata (EXIF, GPS): photos.",
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
        extra_kwargs = {
            "file": {"write_only": True, "help_text": "The file (multipart/form-data)."},
            "kind": {"help_text": "What the file is."},
            "filename": {"help_text": "The file's name as uploaded."},
            "description": {"help_text": "What the file shows, in a few words."},
        }

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["served_sha256"] = data["served_sha256"] or None
        return data


class ReferralEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReferralEvent
        fields = ("kind", "occurred_at", "external_number", "note")
        list_serializer_class = RelatedListSerializer
        extra_kwargs = {
            "kind": {"help_text": "What happened."},
            "occurred_at": {"help_text": "When it happened."},
            "external_number": {"help_text": "The ERDR (or Unified Register) number given."},
            "note": {"help_text": "A free note."},
        }


class ReferralSerializer(serializers.ModelSerializer):
    allegation = ScopedPrimaryKeyField(Allegation)
    prosecutor_office = CodeField(ProsecutorOffice)
    identity_disclosed = serializers.SerializerMethodField(
        help_text="True while the person's consent to disclosure to the prosecutor is in force."
    )
    due_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="The earliest open deadline, or null."
    )
    overdue = serializers.BooleanField(read_only=True, help_text="A deadline has passed.")
    events = ReferralEventSerializer(
        many=True, read_only=True, help_text="What happened to the referral, oldest first."
    )
    allegation_facts = serializers.SerializerMethodField(
        help_text=(
            "The facts of the allegation this referral discloses, for registering the case: "
            "all callers who see the referral get them; `injuries`, examination `findings` and "
            "perpetrators' `name` are present only for callers with the right to them."
        )
    )
    victim = serializers.SerializerMethodField(
        help_text=(
            "The person concerned: only for the prosecutor's office addressed, while the "
            "person's consent to that disclosure is in force. Absent (no key at all) otherwise."
        )
    )

    class Meta:
        model = Referral
        # Only for the office addressed, under consent: absent (no key) otherwise.
        optional_in_response = ("victim",)
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
        extra_kwargs = {
            "reference": {"help_text": "The human reference of the referral."},
            "status": {"help_text": "Where the referral is in its lifecycle (see `events`)."},
            "external_number": {
                "help_text": "The ERDR or Unified Register of Crimes number, once registered."
            },
        }

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
    kind = serializers.ChoiceField(choices=ReferralEventKind.choices, help_text="What happened.")
    occurred_at = serializers.DateTimeField(
        required=False, default=None, help_text="When it happened; now if not given."
    )
    external_number = JsonCharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="The ERDR or Unified Register number (needed by `registered`).",
    )
    note = JsonCharField(required=False, allow_blank=True, default="", help_text="A free note.")
    article = JsonCharField(
        required=False, allow_blank=True, default="", help_text="The article of the code."
    )
    sentence = JsonCharField(
        required=False, allow_blank=True, default="", help_text="The sentence passed."
    )
    addressee = JsonCharField(
        required=False, allow_blank=True, default="", help_text="Where it was forwarded."
    )
    new_term = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="The new term, if extended."
    )
    document_number = JsonCharField(
        required=False, allow_blank=True, default="", help_text="The number of the document."
    )


class ComplaintSerializer(serializers.Serializer):
    country = CodeField(Country)
    source = CodeField(AllegationSource)
    received_at = serializers.DateTimeField(help_text="When the complaint was received.")
    facility = ScopedPrimaryKeyField(Facility, allow_null=True, required=False)
    text = JsonCharField(max_length=20000, help_text="The complaint, as written.")
    complainant = VictimSerializer(
        required=False, help_text="The person complaining, if they give their identity."
    )


class ComplaintResultSerializer(serializers.Serializer):
    allegation = serializers.UUIDField(help_text="The id of the allegation made of it.")
    reference = JsonCharField(help_text="The allegation's human reference.")
