"""``/api/v1/reports/`` and ``/api/v1/statistics/`` (CONTRACT.md)."""

from django.db import transaction
from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.models import Referral
from cases.selectors import referrals_for
from facilities.models import Visit
from npm_tracker.core.api.auth import scopes_of
from npm_tracker.core.api.base import ConditionalRetrieveMixin, UpdatedSinceFilter
from npm_tracker.core.api.replay import idempotent
from npm_tracker.core.api.schema import answers
from npm_tracker.core.models import AccessChannel
from reports import selectors, services
from reports.api.serializers import (
    ReportRequestSerializer,
    ReportRunSerializer,
    StatisticsQuerySerializer,
    StatisticsSerializer,
)
from reports.choices import ReportKind, RunStatus
from reports.models import ReportRun


class ReportNotReady(APIException):
    status_code = 409
    default_detail = _("The report is not ready: follow its status and download it when done.")
    default_code = "report_not_ready"


class FileNegotiation(BaseContentNegotiation):
    """A file is a file whatever the ``Accept`` header says (errors stay problem+json)."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ReportFilter(UpdatedSinceFilter):
    class Meta:
        model = ReportRun
        fields = ("updated_since",)


class ReportViewSet(
    ConditionalRetrieveMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ReportRunSerializer
    filterset_class = ReportFilter
    scopes_by_action = {
        "list": "reports",
        "retrieve": "reports",
        "create": "reports",
        "file": "reports",
    }
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        queryset = ReportRun.objects.select_related("country", "region", "agency").order_by(
            "-created_at", "id"
        )
        if getattr(self, "swagger_fake_view", False):
            return queryset.none()
        return queryset.visible_to(self.request.user)

    def _require_confidential(self):
        if "confidential" not in scopes_of(self.request.user):
            raise PermissionDenied(
                _("A letter to the prosecutor's office needs the confidential scope.")
            )

    @extend_schema(
        request=ReportRequestSerializer,
        responses={
            202: OpenApiResponse(ReportRunSerializer, description="A new run was queued."),
            200: OpenApiResponse(ReportRunSerializer, description="The existing run of this key."),
        },
    )
    @idempotent(replay=lambda view, request, stored, status: view.run_response(stored, status))
    def create(self, request, *args, **kwargs):
        """Asks for a report. A new run is queued (`202`, status `pending`); asking again for the
        same kind, scope, period, language and version answers the existing run (`200`); a
        failed one is retried under the same id (`202`); `refresh: true` replaces it with a new
        run. A `referral_letter` also needs the `confidential` scope."""
        serializer = ReportRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        subject_id, refresh = data.pop("object", None), data.pop("refresh")
        kind = data["kind"]
        if kind == ReportKind.REFERRAL_LETTER:
            self._require_confidential()
        if kind == ReportKind.VISIT:
            data["visit"] = self._subject(Visit, subject_id)
        elif kind == ReportKind.REFERRAL_LETTER:
            data["referral"] = self._subject(Referral, subject_id)
        asked_at = timezone.now()
        with transaction.atomic():
            run, created = services.request_run(actor=request.user, refresh=refresh, **data)
        # 202 when this request queued work: a new run, or a failed one queued again (its
        # ``updated_at`` moved now); asked again for a run already there: 200 (CONTRACT.md).
        requeued = run.status == RunStatus.PENDING and run.updated_at >= asked_at
        return self.run_response({"id": run.pk}, 202 if created or requeued else 200, run)

    def run_response(self, stored: dict, status: int, run=None) -> Response:
        run = run or get_object_or_404(self.get_queryset(), pk=stored["id"])
        return Response(ReportRunSerializer(run, context={"request": self.request}).data, status)

    def _subject(self, model, pk):
        subject = model.objects.visible_to(self.request.user).filter(pk=pk).first()
        if subject is None:
            raise ValidationError({"object": ["No such record."]})
        return subject

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
        }
    )
    @action(
        detail=True,
        methods=["get"],
        content_negotiation_class=FileNegotiation,
        url_name="file",
    )
    @answers("409")
    def file(self, request, pk=None):
        """Downloads the report's PDF, whatever the `Accept` header says; a run not yet done
        answers `409 report_not_ready`. Each download is recorded."""
        run = self.get_object()
        if run.kind == ReportKind.REFERRAL_LETTER:
            self._require_confidential()
        if run.status != RunStatus.DONE or not run.file:
            raise ReportNotReady()
        services.log_download(
            run=run, actor=request.user, channel=AccessChannel.PDF, request=request
        )
        return FileResponse(
            run.file.open("rb"),
            as_attachment=True,
            filename=run.filename,
            content_type="application/pdf",
        )


class StatisticsView(APIView):
    """``GET /api/v1/statistics/``: the public figures of a period (small cells as "<5")."""

    scopes_any_of = ("read", "reports")

    @extend_schema(parameters=[StatisticsQuerySerializer], responses=StatisticsSerializer)
    def get(self, request):
        """The figures of the public periodic statistics of a country and period, computed as
        the report computes them: counts from 1 to 4 appear as `"<5"`, and rates or medians over
        fewer than five cases are null."""
        query = StatisticsQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        data = query.validated_data
        scope = selectors.Scope(
            country=data["country"],
            period_start=data["period_start"],
            period_end=data["period_end"],
            region=data.get("region"),
            agency=data.get("agency"),
        )
        figures = selectors.suppress_small_cells(selectors.periodic_statistics(scope))
        body = {
            "country": scope.country.code,
            "region": scope.region.code if scope.region else None,
            "agency": scope.agency.code if scope.agency else None,
            "period_start": scope.period_start,
            "period_end": scope.period_end,
            **figures,
        }
        return Response(StatisticsSerializer(body).data)


class ReferralBundleView(APIView):
    """``GET /api/v1/referrals/{id}/bundle/``: the signed evidence bundle of a referral."""

    scopes_any_of = ("confidential", "prosecutor")
    permission_model = Referral
    content_negotiation_class = FileNegotiation

    @extend_schema(
        operation_id="referrals_bundle",
        responses={(200, "application/zip"): OpenApiTypes.BINARY},
    )
    def get(self, request, pk):
        """A zip of `manifest.json`, `manifest.json.sig` (the raw Ed25519 signature of the
        manifest's exact bytes, by the key `key_id` published at `/api/v1/signing-keys/`), the
        referral letter (`letter.pdf`) and the evidence files. For a caller holding
        `confidential`, or the prosecutor's office the referral is addressed to; that office
        receives what names the person (the evidence files) only under the person's consent to
        the prosecutor. Each bundle is recorded as a read of the referral."""
        from reports import bundle

        referrals = referrals_for(request.user).select_related("allegation__country")
        referral = get_object_or_404(referrals, pk=pk)
        identity = "confidential" in scopes_of(request.user) or bool(
            referral.allegation.consent_map.get("prosecutor")
        )
        content, _manifest = bundle.build(
            referral=referral, actor=request.user, request=request, identity=identity
        )
        response = HttpResponse(content, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="bundle-{referral.reference}.zip"'
        return response
