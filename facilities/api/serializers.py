"""Facilities, visits and recommendations as the contract names them."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

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
from npm_tracker.core.api.base import CodeField, ScopedPrimaryKeyField
from npm_tracker.core.api.schema import nullable
from npm_tracker.core.models import related


class FacilitySerializer(serializers.ModelSerializer):
    country = CodeField(Country)
    region = CodeField(Region)
    facility_type = CodeField(FacilityType)
    agency = CodeField(Agency)
    last_visit_on = serializers.DateField(read_only=True, allow_null=True)
    periodic_visit_due_on = serializers.SerializerMethodField()

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
    obstacles = serializers.SerializerMethodField()

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

    def get_obstacles(self, obj) -> list[str]:
        return sorted({o.obstacle_type.code for o in related(obj, "obstacles")})


class VisitWriteSerializer(VisitSerializer):
    obstacles = serializers.ListField(
        child=serializers.SlugRelatedField(slug_field="code", queryset=ObstacleType.objects.all()),
        required=False,
    )


class RecommendationSerializer(serializers.ModelSerializer):
    visit = ScopedPrimaryKeyField(Visit, allow_null=True, required=False)
    facility = ScopedPrimaryKeyField(Facility, allow_null=True, required=False)
    addressee_agency = CodeField(Agency)
    area = CodeField(ExaminedArea)
    response_due_on = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

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
        extra_kwargs = {"addressee_level": {"required": False}}

    @extend_schema_field(nullable(OpenApiTypes.DATE))
    def get_response_due_on(self, obj) -> str | None:
        due = obj.due_at
        return due.astimezone(obj.country.zone).date().isoformat() if due else None

    def get_overdue(self, obj) -> bool:
        return obj.overdue
