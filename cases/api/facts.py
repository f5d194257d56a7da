"""The facts of an allegation a referral discloses (``allegation_facts``): what a prosecutor's
office needs to register the case (ERDR, the Unified Register of Crimes) without reading the
allegation itself, which its client may not.

Everyone who sees the referral gets the facts; what is medical or names someone depends on the
caller, following the referral letter: the office addressed gets the injuries, and the medical
findings and the person's identity only while the person's consent to that disclosure is in
force; perpetrators' names need ``confidential`` (a staff role that sees identities). Keys a
caller may not see are absent, not empty; the schema says so (``Meta.optional_in_response``).
"""

from rest_framework import serializers

from cases.choices import DatePrecision
from npm_tracker.core.models import related


class FacilityRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="The facility's id.")
    name = serializers.CharField(help_text="The facility's name.")


class PerpetratorFactsSerializer(serializers.Serializer):
    class Meta:
        optional_in_response = ("name",)

    agency = serializers.CharField(help_text="Code of the agency (vocabulary `agencies`).")
    unit = serializers.CharField(help_text="The unit, as the person described it.")
    rank = serializers.CharField(help_text="The rank, as the person described it.")
    name = serializers.CharField(help_text="Only for callers with `confidential`.")


class ExaminationFactsSerializer(serializers.Serializer):
    class Meta:
        optional_in_response = ("findings",)

    examined_on = serializers.DateField(help_text="The day of the examination.")
    institution = serializers.CharField(help_text="Who examined the person.")
    istanbul_protocol = serializers.BooleanField(
        help_text="The examination followed the Istanbul Protocol."
    )
    consistency = serializers.CharField(
        allow_null=True, help_text="Code of the Istanbul Protocol consistency level."
    )
    findings = serializers.CharField(
        help_text=(
            "Medical findings: for the office addressed while the person's consent is in "
            "force, and for callers who may see medical data."
        )
    )


class AllegationFactsSerializer(serializers.Serializer):
    class Meta:
        optional_in_response = ("injuries",)

    reference = serializers.CharField(help_text="The allegation's reference.")
    received_at = serializers.DateTimeField(help_text="When the NPM received the allegation.")
    facility = FacilityRefSerializer(
        allow_null=True, help_text="Where the person was held, or null if not known."
    )
    region = serializers.CharField(
        allow_null=True, help_text="Code of the facility's region (vocabulary `regions`)."
    )
    place_of_incident = serializers.CharField(help_text="Code (`places-of-incident`).")
    incident_date = serializers.DateField(
        allow_null=True, help_text="When it happened, as precisely as known; null if not known."
    )
    incident_date_precision = serializers.ChoiceField(
        choices=DatePrecision.choices,
        help_text="How precise `incident_date` is (day, month or year).",
    )
    methods = serializers.ListField(
        child=serializers.CharField(), help_text="Codes (vocabulary `methods`)."
    )
    summary = serializers.CharField(help_text="What is alleged, in the NPM's words.")
    urgent = serializers.BooleanField(
        help_text="Death in custody, serious injury or a minor: the urgent clocks run."
    )
    death_in_custody = serializers.BooleanField(help_text="A death in custody.")
    serious_injury = serializers.BooleanField(help_text="A serious injury was reported.")
    injuries = serializers.CharField(
        help_text=(
            "The injuries described: for the office addressed (as in the referral letter) and "
            "for callers who may see medical data."
        )
    )
    medical_examinations = ExaminationFactsSerializer(
        many=True, help_text="The medical examinations recorded, oldest first."
    )
    perpetrators = PerpetratorFactsSerializer(
        many=True, help_text="The alleged perpetrators, as described."
    )


class DisclosedVictimSerializer(serializers.Serializer):
    full_name = serializers.CharField(help_text="The person's full name.")
    date_of_birth = serializers.DateField(
        allow_null=True, help_text="The person's date of birth, or null if not known."
    )


def allegation_facts(
    allegation, *, medical: bool, findings: bool, names: bool
) -> tuple[dict, bool]:
    """The facts of ``allegation`` (prefetched as ``ReferralViewSet`` does), with the injuries
    when ``medical``, the examination findings when ``findings`` and the perpetrators' names when
    ``names``. Returns ``(facts, shown)``: ``shown`` when a confidential value is in them (the
    view logs the read)."""
    facility = allegation.facility
    shown = False
    facts: dict = {
        "reference": allegation.reference,
        "received_at": serializers.DateTimeField().to_representation(allegation.received_at),
        "facility": {"id": str(facility.pk), "name": facility.name} if facility else None,
        "region": facility.region.code if facility and facility.region_id else None,
        "place_of_incident": allegation.place_of_incident.code,
        "incident_date": allegation.incident_date.isoformat() if allegation.incident_date else None,
        "incident_date_precision": allegation.incident_date_precision,
        "methods": sorted(method.code for method in related(allegation, "methods")),
        "summary": allegation.summary,
        "urgent": allegation.urgent,
        "death_in_custody": allegation.death_in_custody,
        "serious_injury": allegation.serious_injury,
    }
    if medical:
        facts["injuries"] = allegation.injuries
        shown = shown or bool(allegation.injuries)
    examinations = []
    for exam in related(allegation, "medical_examinations"):
        item = {
            "examined_on": exam.examined_on.isoformat(),
            "institution": exam.institution,
            "istanbul_protocol": exam.istanbul_protocol,
            "consistency": exam.consistency.code if exam.consistency_id else None,
        }
        if findings:
            item["findings"] = exam.findings
            shown = shown or bool(exam.findings)
        examinations.append(item)
    facts["medical_examinations"] = examinations
    perpetrators = []
    for perpetrator in related(allegation, "perpetrators"):
        item = {
            "agency": perpetrator.agency.code,
            "unit": perpetrator.unit,
            "rank": perpetrator.rank,
        }
        if names:
            item["name"] = perpetrator.name
            shown = shown or bool(perpetrator.name)
        perpetrators.append(item)
    facts["perpetrators"] = perpetrators
    return facts, shown
