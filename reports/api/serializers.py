"""Reports and statistics as the contract names them."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from rest_framework import serializers

from facilities.models import Agency, Country, Region
from npm_tracker.core.api.base import CodeField
from reports.choices import ReportKind, ReportVersion
from reports.models import ReportRun


class ReportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    country = CodeField(Country)
    region = CodeField(Region, required=False, allow_null=True)
    agency = CodeField(Agency, required=False, allow_null=True)
    period_start = serializers.DateField(required=False, allow_null=True)
    period_end = serializers.DateField(required=False, allow_null=True)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    version = serializers.ChoiceField(choices=ReportVersion.choices, default=ReportVersion.INTERNAL)
    object = serializers.UUIDField(required=False, allow_null=True)
    refresh = serializers.BooleanField(default=False)

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
    region = CodeField(Region, read_only=True)
    agency = CodeField(Agency, read_only=True)
    object = serializers.SerializerMethodField()
    file = serializers.SerializerMethodField()

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

    def get_object(self, obj) -> str | None:
        subject = obj.visit_id or obj.referral_id
        return str(subject) if subject else None

    def get_file(self, obj) -> str | None:
        """Where the PDF can be downloaded once the run is done."""
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


class CountRowSerializer(serializers.Serializer):
    code = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    count = serializers.JSONField(help_text='A number, or "<5" for counts from 1 to 4.')


class StageRowSerializer(CountRowSerializer):
    median_days = serializers.FloatField(allow_null=True)


class VisitFiguresSerializer(serializers.Serializer):
    total = serializers.JSONField()
    unannounced = serializers.JSONField()
    by_type = CountRowSerializer(many=True)
    by_region = CountRowSerializer(many=True)
    by_agency = CountRowSerializer(many=True)


class ObstacleFiguresSerializer(serializers.Serializer):
    visits_with_obstacles = serializers.JSONField()
    by_type = CountRowSerializer(many=True)


class AllegationFiguresSerializer(serializers.Serializer):
    total = serializers.JSONField()
    by_source = CountRowSerializer(many=True)
    by_method = CountRowSerializer(many=True)
    by_place = CountRowSerializer(many=True)
    by_perpetrator_agency = CountRowSerializer(many=True)


class ReferralFiguresSerializer(serializers.Serializer):
    total = serializers.JSONField()
    by_status = CountRowSerializer(many=True)
    by_outcome = CountRowSerializer(many=True)
    answered_on_time = serializers.JSONField()
    answered_late = serializers.JSONField()
    on_time_share = serializers.FloatField(allow_null=True)
    median_days_by_stage = StageRowSerializer(many=True)


class OverdueFiguresSerializer(serializers.Serializer):
    total = serializers.JSONField()
    by_clock = CountRowSerializer(many=True)


class RecommendationFiguresSerializer(serializers.Serializer):
    issued = serializers.JSONField()
    implemented = serializers.JSONField()
    partially_implemented = serializers.JSONField()
    implementation_rate = serializers.FloatField(allow_null=True)
    by_status = CountRowSerializer(many=True)


class StatisticsSerializer(serializers.Serializer):
    country = serializers.CharField()
    region = serializers.CharField(allow_null=True)
    agency = serializers.CharField(allow_null=True)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    visits = VisitFiguresSerializer()
    obstacles = ObstacleFiguresSerializer()
    allegations = AllegationFiguresSerializer()
    referrals = ReferralFiguresSerializer()
    overdue = OverdueFiguresSerializer()
    recommendations = RecommendationFiguresSerializer()
