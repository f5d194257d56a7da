"""Reports and statistics as the contract names them."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from facilities.models import Agency, Country, Region
from npm_tracker.core.api.base import CodeField, JsonBooleanField, JsonCharField
from npm_tracker.core.api.schema import nullable
from npm_tracker.core.models import COUNTRY_CODES
from reports.choices import ReportKind, ReportVersion
from reports.models import ReportRun


class ReportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices, help_text="What report.")
    country = CodeField(Country)
    region = CodeField(Region, required=False, allow_null=True)
    agency = CodeField(Agency, required=False, allow_null=True)
    period_start = serializers.DateField(
        required=False, allow_null=True, help_text="The first day (periodic and annual reports)."
    )
    period_end = serializers.DateField(
        required=False, allow_null=True, help_text="The last day (periodic and annual reports)."
    )
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        help_text="The report's language; that of `Accept-Language` if not given.",
    )
    version = serializers.ChoiceField(
        choices=ReportVersion.choices,
        default=ReportVersion.INTERNAL,
        help_text="`internal` (all figures) or `public` (small cells hidden).",
    )
    object = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="The visit (`visit`) or referral (`referral_letter`) the report is about.",
    )
    refresh = JsonBooleanField(
        default=False, help_text="Make a new run even if one exists for the same request."
    )

    def validate(self, data):
        data.setdefault("language", (translation.get_language() or "en").split("-")[0])
        if data["kind"] in (ReportKind.VISIT, ReportKind.REFERRAL_LETTER):
            if not data.get("object"):
                raise serializers.ValidationError(
                    {"object": ["This kind of report needs the id of its record."]}
                )
        else:
            errors = {
                name: ["This field is required for this kind of report."]
                for name in ("period_start", "period_end")
                if not data.get(name)
            }
            if errors:
                raise serializers.ValidationError(errors)
            if data["period_end"] < data["period_start"]:
                raise serializers.ValidationError(
                    {"period_end": ["The period cannot end before it starts."]}
                )
        return data


class ReportRunSerializer(serializers.ModelSerializer):
    country = CodeField(Country, read_only=True)
    region = CodeField(Region, read_only=True, allow_null=True)
    agency = CodeField(Agency, read_only=True, allow_null=True)
    object = serializers.SerializerMethodField(
        help_text="The visit or referral the report is about, or null."
    )
    file = serializers.SerializerMethodField(help_text="Where to download the PDF once done.")

    class Meta:
        model = ReportRun
        fields = (
            "id",
            "kind",
            "status",
            "error",
            "created_at",
            "updated_at",
            "finished_at",
            "sha256",
            "size",
            "country",
            "region",
            "agency",
            "period_start",
            "period_end",
            "language",
            "version",
            "object",
            "is_current",
            "file",
        )
        read_only_fields = fields
        extra_kwargs = {
            "kind": {"help_text": "What report it is."},
            "status": {"help_text": "Where the run is: `pending`, `running`, `done`, `failed`."},
            "error": {"help_text": "Why the run failed; empty otherwise."},
            "finished_at": {"help_text": "When the run finished, or null."},
            "sha256": {"help_text": "The SHA-256 of the PDF, in hex, once done."},
            "size": {"help_text": "The size of the PDF in bytes, or null."},
            "period_start": {"help_text": "The first day of the period covered, or null."},
            "period_end": {"help_text": "The last day of the period covered, or null."},
            "language": {"help_text": "The language of the report."},
            "version": {"help_text": "`internal` (all figures) or `public` (small cells hidden)."},
            "is_current": {"help_text": "False once a refresh has replaced this run."},
        }

    @extend_schema_field(nullable(OpenApiTypes.UUID))
    def get_object(self, obj) -> str | None:
        subject = obj.visit_id or obj.referral_id
        return str(subject) if subject else None

    @extend_schema_field(nullable(OpenApiTypes.URI))
    def get_file(self, obj) -> str | None:
        if obj.status != "done":
            return None
        path = reverse("report-file", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class StatisticsQuerySerializer(serializers.Serializer):
    country = CodeField(Country)
    region = CodeField(Region, required=False, allow_null=True)
    agency = CodeField(Agency, required=False, allow_null=True)
    period_start = serializers.DateField()
    period_end = serializers.DateField()

    def validate(self, data):
        if data["period_end"] < data["period_start"]:
            raise serializers.ValidationError(
                {"period_end": ["The period cannot end before it starts."]}
            )
        for name in ("region", "agency"):
            if data.get(name) is not None and data[name].country_id != data["country"].pk:
                raise serializers.ValidationError({name: ["It belongs to another country."]})
        return data


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": 0},
            {"type": "string", "enum": ["<5"]},
        ],
        "description": 'A count; from 1 to 4 it is given as "<5" (small-cell suppression).',
    }
)
class SmallCountField(serializers.JSONField):
    """A count of the public figures: a whole number, or ``"<5"`` for counts from 1 to 4."""


class CountRowSerializer(serializers.Serializer):
    code = JsonCharField(allow_null=True, help_text="The code of the row, or null.")
    name = JsonCharField(help_text="The row's label, in the caller's language.")
    count = SmallCountField()


class StageRowSerializer(CountRowSerializer):
    median_days = serializers.FloatField(
        allow_null=True, help_text="The median days of the stage; null under five cases."
    )


class VisitFiguresSerializer(serializers.Serializer):
    total = SmallCountField()
    unannounced = SmallCountField()
    by_type = CountRowSerializer(many=True, help_text="The counts by type.")
    by_region = CountRowSerializer(many=True, help_text="The counts by region.")
    by_agency = CountRowSerializer(many=True, help_text="The counts by agency.")


class ObstacleFiguresSerializer(serializers.Serializer):
    visits_with_obstacles = SmallCountField()
    by_type = CountRowSerializer(many=True, help_text="The counts by type.")


class AllegationFiguresSerializer(serializers.Serializer):
    total = SmallCountField()
    by_source = CountRowSerializer(many=True, help_text="The counts by source.")
    by_method = CountRowSerializer(many=True, help_text="The counts by method.")
    by_place = CountRowSerializer(many=True, help_text="The counts by place.")
    by_perpetrator_agency = CountRowSerializer(
        many=True, help_text="The counts by perpetrator agency."
    )


class ReferralFiguresSerializer(serializers.Serializer):
    total = SmallCountField()
    by_status = CountRowSerializer(many=True, help_text="The counts by status.")
    by_outcome = CountRowSerializer(many=True, help_text="The counts by outcome.")
    answered_on_time = SmallCountField()
    answered_late = SmallCountField()
    on_time_share = serializers.FloatField(
        allow_null=True, help_text="The share answered on time; null under five answers."
    )
    median_days_by_stage = StageRowSerializer(
        many=True, help_text="The count and median days of each stage."
    )


class OverdueFiguresSerializer(serializers.Serializer):
    total = SmallCountField()
    by_clock = CountRowSerializer(many=True, help_text="The counts by clock.")


class RecommendationFiguresSerializer(serializers.Serializer):
    issued = SmallCountField()
    implemented = SmallCountField()
    partially_implemented = SmallCountField()
    implementation_rate = serializers.FloatField(
        allow_null=True, help_text="The share implemented; null under five issued."
    )
    by_status = CountRowSerializer(many=True, help_text="The counts by status.")


class StatisticsSerializer(serializers.Serializer):
    country = serializers.ChoiceField(choices=COUNTRY_CODES, help_text="The country.")
    region = JsonCharField(allow_null=True, help_text="The region asked for, or null.")
    agency = JsonCharField(allow_null=True, help_text="The agency asked for, or null.")
    period_start = serializers.DateField(help_text="The first day of the period.")
    period_end = serializers.DateField(help_text="The last day of the period.")
    visits = VisitFiguresSerializer(help_text="Monitoring visits of the period.")
    obstacles = ObstacleFiguresSerializer(help_text="Obstacles met during the visits.")
    allegations = AllegationFiguresSerializer(help_text="Allegations received in the period.")
    referrals = ReferralFiguresSerializer(help_text="Referrals to prosecutors and their answers.")
    overdue = OverdueFiguresSerializer(help_text="Deadlines passed without an answer.")
    recommendations = RecommendationFiguresSerializer(help_text="Recommendations issued.")
