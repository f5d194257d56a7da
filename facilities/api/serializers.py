"""Facilities, visits and recommendations as the contract names them."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from facilities.choices import TeamRole
from facilities.models import (
    Agency,
    Country,
    ExaminedArea,
    Facility,
    FacilityType,
    ObstacleType,
    Recommendation,
    Region,
    Visit,
    VisitType,
)
from npm_tracker.core.api.base import CodeField, JsonCharField, ScopedPrimaryKeyField
from npm_tracker.core.api.schema import nullable
from npm_tracker.core.models import related


class FacilitySerializer(serializers.ModelSerializer):
    country = CodeField(Country)
    region = CodeField(Region)
    facility_type = CodeField(FacilityType)
    agency = CodeField(Agency)
    last_visit_on = serializers.DateField(
        read_only=True, allow_null=True, help_text="The day the last visit started, or null."
    )
    periodic_visit_due_on = serializers.SerializerMethodField(
        help_text="The day by which the next periodic visit is due; null if inactive."
    )

    class Meta:
        model = Facility
        fields = (
            "id",
            "name",
            "country",
            "region",
            "facility_type",
            "agency",
            "address",
            "capacity",
            "population",
            "is_active",
            "last_visit_on",
            "periodic_visit_due_on",
            "created_at",
            "updated_at",
        )
        read_only_fields = ("id", "created_at", "updated_at")
        extra_kwargs = {
            "name": {"help_text": "The facility's name."},
            "address": {"help_text": "Its postal address."},
            "capacity": {"help_text": "The number of places."},
            "population": {"help_text": "Persons held on the last count, or null."},
            "is_active": {"help_text": "False once the facility is closed."},
        }

    @extend_schema_field(nullable(OpenApiTypes.DATE))
    def get_periodic_visit_due_on(self, obj) -> str | None:
        known = self.context.get("periodic_due", {})
        if obj.pk in known:
            due = known[obj.pk]
        else:
            from facilities.selectors import periodic_visit_coverage

            request = self.context.get("request")
            rows = periodic_visit_coverage(
                request.user if request else None, facilities=Facility.objects.filter(pk=obj.pk)
            )
            due = rows[0].due_on if rows else None
        return due.isoformat() if due else None


class VisitSerializer(serializers.ModelSerializer):
    facility = ScopedPrimaryKeyField(Facility)
    visit_type = CodeField(VisitType)
    obstacles = serializers.SerializerMethodField(
        help_text="The obstacles met during the visit (codes)."
    )

    class Meta:
        model = Visit
        fields = (
            "id",
            "facility",
            "visit_type",
            "announced",
            "started_on",
            "ended_on",
            "status",
            "persons_held",
            "interviews_private",
            "interviews_group",
            "obstacles",
            "summary",
            "created_at",
            "updated_at",
        )
        read_only_fields = ("id", "status", "created_at", "updated_at")
        extra_kwargs = {
            "announced": {"help_text": "Whether the facility was told beforehand."},
            "started_on": {"help_text": "The first day of the visit."},
            "ended_on": {"help_text": "The last day of the visit (not before `started_on`)."},
            "status": {"help_text": "Where the visit is in its lifecycle (see `transition`)."},
            "interviews_private": {"help_text": "Private interviews held."},
            "interviews_group": {"help_text": "Group interviews held."},
            "summary": {"help_text": "A short account of the visit."},
        }

    def get_obstacles(self, obj) -> list[str]:
        return sorted({o.obstacle_type.code for o in related(obj, "obstacles")})


class TeamMemberSerializer(serializers.Serializer):
    full_name = JsonCharField(max_length=200, help_text="The participant's name.")
    organisation = JsonCharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=200,
        help_text="Their organisation.",
    )
    role = serializers.ChoiceField(
        choices=TeamRole.choices, default=TeamRole.MEMBER, help_text="Their role on the team."
    )


class VisitWriteSerializer(VisitSerializer):
    team = TeamMemberSerializer(
        many=True,
        required=False,
        write_only=True,
        help_text="The visiting group, when the visit is created (the team of a visit that "
        "exists is changed in the admin). Never returned: monitors' names stay with the NPM.",
    )
    obstacles = serializers.ListField(
        child=serializers.SlugRelatedField(slug_field="code", queryset=ObstacleType.objects.all()),
        required=False,
        help_text="The obstacles met during the visit (codes); replaces the list stored.",
    )

    class Meta(VisitSerializer.Meta):
        fields = (*VisitSerializer.Meta.fields, "team")


class RecommendationSerializer(serializers.ModelSerializer):
    visit = ScopedPrimaryKeyField(Visit, allow_null=True, required=False)
    facility = ScopedPrimaryKeyField(Facility, allow_null=True, required=False)
    addressee_agency = CodeField(Agency)
    area = CodeField(ExaminedArea)
    response_due_on = serializers.SerializerMethodField(
        help_text="The day by which the addressee must answer, or null."
    )
    overdue = serializers.SerializerMethodField(
        help_text="The answer is late: `response_due_on` has passed."
    )

    class Meta:
        model = Recommendation
        fields = (
            "id",
            "visit",
            "facility",
            "source",
            "addressee_level",
            "addressee_agency",
            "area",
            "text",
            "issued_on",
            "response_due_on",
            "overdue",
            "status",
            "created_at",
            "updated_at",
        )
        read_only_fields = ("id", "status", "created_at", "updated_at")
        extra_kwargs = {
            "addressee_level": {"required": False, "help_text": "Whom it is addressed to."},
            "source": {"help_text": "Where the recommendation comes from."},
            "text": {"help_text": "The recommendation."},
            "issued_on": {"help_text": "The day it was issued, or null."},
            "status": {
                "help_text": "Where the recommendation is in its lifecycle (see `transition`)."
            },
        }

    @extend_schema_field(nullable(OpenApiTypes.DATE))
    def get_response_due_on(self, obj) -> str | None:
        due = obj.due_at
        return due.astimezone(obj.country.zone).date().isoformat() if due else None

    def get_overdue(self, obj) -> bool:
        return obj.overdue
