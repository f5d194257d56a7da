"""API views of allegations, evidence, referrals and complaints (CONTRACT.md)."""

import django_filters
from django.db import transaction
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from cases import selectors, services
from cases.api.serializers import (
    AllegationSerializer,
    AllegationTransitionSerializer,
    ComplaintResultSerializer,
    ComplaintSerializer,
    EvidenceSerializer,
    ReferralEventInputSerializer,
    ReferralSerializer,
)
from cases.choices import ConsentForm, CustodyKind
from cases.models import (
    Allegation,
    Deadline,
    Evidence,
    MedicalExamination,
    Perpetrator,
    Referral,
    ReferralEvent,
)
from cases.uploads import SERVED_TYPES, evidence_file_response
from npm_tracker.core.access import record_reads
from npm_tracker.core.api.base import (
    IF_MATCH,
    CountryFilter,
    DomainViewSet,
    UpdatedSinceFilter,
    UtcDateTimeFilter,
)
from npm_tracker.core.api.replay import idempotent
from npm_tracker.core.models import AccessChannel, prefetch_list


class AllegationFilter(UpdatedSinceFilter):
    country = CountryFilter()
    source = django_filters.CharFilter(field_name="source__code")
    received_after = UtcDateTimeFilter(field_name="received_at", lookup_expr="gte")
    received_before = UtcDateTimeFilter(field_name="received_at", lookup_expr="lte")

    class Meta:
        model = Allegation
        fields = ("country", "status", "source", "facility", "urgent", "updated_since")


class AllegationViewSet(DomainViewSet):
    serializer_class = AllegationSerializer
    filterset_class = AllegationFilter
    scopes_by_action = {"evidence": "confidential"}

    def base_queryset(self):
        return Allegation.objects.select_related(
            "country", "source", "place_of_incident", "victim"
        ).prefetch_related(
            prefetch_list("methods"),
            prefetch_list("consents"),
            prefetch_list("perpetrators", Perpetrator.objects.select_related("agency")),
        )

    def perform_service_create(self, data):
        today = timezone.localdate()
        granted = {
            destination: {"granted_on": today, "form": ConsentForm.ELECTRONIC}
            for destination, given in (data.pop("consent_map", None) or {}).items()
            if given
        }
        return services.allegation_create(
            actor=self.request.user,
            methods=data.pop("methods", []),
            victim=_victim_fields(data.pop("victim", None)),
            perpetrators=data.pop("perpetrators", []),
            consents=granted,
            **data,
        )

    def perform_service_update(self, obj, data):
        return services.allegation_update(
            actor=self.request.user,
            allegation=obj,
            methods=data.pop("methods", None),
            victim=_victim_fields(data.pop("victim", None)),
            perpetrators=data.pop("perpetrators", None),
            consents=data.pop("consent_map", None),
            consent_form=ConsentForm.ELECTRONIC,
            **data,
        )

    @extend_schema(
        request=AllegationTransitionSerializer,
        responses=AllegationSerializer,
        parameters=[IF_MATCH],
    )
    @idempotent()
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Moves the allegation to the status `to`, if its lifecycle allows that from the
        current one (`409 invalid_transition` otherwise); closing needs a `reason`. Answers the
        allegation as it is now."""
        serializer = AllegationTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if v is not None}
        with transaction.atomic():
            allegation = self.locked_object()
            services.allegation_transition(actor=request.user, allegation=allegation, **data)
        return self.detail_response(allegation)

    @extend_schema(
        methods=["get"],
        responses=EvidenceSerializer(many=True),
        description="Lists the evidence files of the allegation, oldest first (their "
        "descriptions, not their content). Each listing is recorded as a read.",
    )
    @extend_schema(
        methods=["post"],
        request=EvidenceSerializer,
        responses={201: EvidenceSerializer},
        description="Uploads one evidence file (multipart/form-data, field `file`). The file "
        "type is checked from its content, not its name; a type not accepted, a damaged file "
        "or one over the size limit answers `400` with a code saying which.",
    )
    @idempotent(replay=lambda view, request, stored, status: view.evidence_response(stored, status))
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser],
        pagination_class=None,
        filterset_class=None,
    )
    def evidence(self, request, pk=None):
        allegation = self.get_object()
        if request.method == "GET":
            items = list(Evidence.objects.filter(allegation=allegation).order_by("created_at"))
            # File names are confidential: the list is a read of each record it names.
            record_reads(
                actor=request.user,
                channel=AccessChannel.API,
                records=items,
                what="evidence file name",
                request=request,
            )
            return Response(EvidenceSerializer(items, many=True).data)
        serializer = EvidenceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        evidence = services.evidence_add(
            actor=request.user,
            allegation=allegation,
            file=serializer.validated_data["file"],
            kind=serializer.validated_data["kind"],
            description=serializer.validated_data.get("description", ""),
        )
        return Response(EvidenceSerializer(evidence).data, status=201)

    def evidence_response(self, stored: dict, status: int) -> Response:
        """A replayed upload: the evidence record it made."""
        evidence = get_object_or_404(
            Evidence.objects.visible_to(self.request.user), pk=stored["id"]
        )
        return Response(EvidenceSerializer(evidence).data, status=status)


def _victim_fields(victim):
    if not victim:
        return {}
    fields = dict(victim)
    if fields.get("citizenship") is None:
        fields.pop("citizenship", None)
    return fields


class EvidenceFileViewSet(viewsets.GenericViewSet):
    """``GET /api/v1/evidence/{id}/file/``: the file as stored (``confidential`` only): the one
    received, or its copy without metadata for photos (``served_sha256``)."""

    scopes_by_action = {"file": "confidential"}
    queryset = Evidence.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Evidence.objects.none()
        return Evidence.objects.visible_to(self.request.user)

    @extend_schema(
        # Served with the type its content was found to be at upload (bytes if unknown).
        responses={(200, content_type): OpenApiTypes.BINARY for content_type in SERVED_TYPES},
        parameters=[
            OpenApiParameter(
                "Repr-Digest",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                response=[200],
                description=(
                    "RFC 9530 digest of the bytes served, `sha-256=:<base64>:`: the evidence's "
                    "`served_sha256`, which equals `sha256` unless metadata was removed."
                ),
            )
        ],
    )
    @action(detail=True, methods=["get"])
    def file(self, request, pk=None):
        """Downloads the evidence file. Each download is recorded as a read."""
        evidence = self.get_object()
        record_reads(
            actor=request.user,
            channel=AccessChannel.API,
            records=[evidence],
            what="evidence file",
            request=request,
        )
        services.custody_record(actor=request.user, evidence=evidence, kind=CustodyKind.DOWNLOADED)
        return evidence_file_response(evidence)


class ReferralFilter(UpdatedSinceFilter):
    prosecutor_office = django_filters.CharFilter(field_name="prosecutor_office__code")
    overdue = django_filters.BooleanFilter(method="filter_overdue")

    class Meta:
        model = Referral
        fields = ("status", "allegation", "prosecutor_office", "updated_since")

    def filter_overdue(self, queryset, name, value):
        late = Deadline.objects.overdue().filter(referral__isnull=False).values("referral")
        return queryset.filter(pk__in=late) if value else queryset.exclude(pk__in=late)


class ReferralViewSet(DomainViewSet):
    serializer_class = ReferralSerializer
    filterset_class = ReferralFilter
    http_method_names = ["get", "post", "head", "options"]
    prosecutor_actions = ("list", "retrieve", "events")

    def base_queryset(self):
        return Referral.objects.select_related(
            "prosecutor_office",
            "allegation__country",
            "allegation__victim",
            "allegation__facility__region",
            "allegation__place_of_incident",
        ).prefetch_related(
            prefetch_list("deadlines"),
            prefetch_list("allegation__consents"),
            # The facts the referral discloses (``cases.api.facts``).
            prefetch_list("allegation__methods"),
            prefetch_list("allegation__perpetrators", Perpetrator.objects.select_related("agency")),
            prefetch_list(
                "allegation__medical_examinations",
                MedicalExamination.objects.select_related("consistency"),
            ),
            prefetch_list("events", ReferralEvent.objects.order_by("occurred_at", "created_at")),
        )

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset
        return selectors.referrals_for(self.request.user, queryset)

    def perform_service_create(self, data):
        return services.referral_create(actor=self.request.user, **data)

    @extend_schema(
        request=ReferralEventInputSerializer,
        responses={201: ReferralSerializer},
        parameters=[IF_MATCH],
    )
    @idempotent()
    @action(detail=True, methods=["post"])
    def events(self, request, pk=None):
        """Records what happened to the referral at the prosecutor's office (`kind`, see the
        lifecycle); a kind not allowed from the current status answers `409
        invalid_transition`, `registered` without `external_number` answers `400
        external_number_required`. Answers the referral as it is now."""
        serializer = ReferralEventInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if v is not None}
        with transaction.atomic():
            referral = self.locked_object()
            services.referral_transition(actor=request.user, referral=referral, **data)
        return self.detail_response(referral, status_code=201)


class ComplaintViewSet(mixins.CreateModelMixin, viewsets.GenericViewSet):
    """``POST /api/v1/complaints/``: intake for terminals, hotlines and partner systems."""

    serializer_class = ComplaintSerializer
    scopes_by_action = {"create": "complaints"}

    @extend_schema(responses={201: ComplaintResultSerializer})
    @idempotent(
        required=True,
        # The answer names no person: it is stored whole. The fingerprint is the body alone,
        # as it has been since complaints took keys (stored keys keep replaying).
        fingerprint=lambda request: request.data,
        keep_answer=True,
    )
    def create(self, request, *args, **kwargs):
        """Takes in a complaint from a terminal, hotline or partner system; it becomes an
        allegation with its reference. The same `Idempotency-Key` with the same body answers the
        first result again and creates nothing; with another body, `409 idempotency_conflict`."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        allegation = services.complaint_intake(
            actor=request.user,
            country=data["country"],
            source=data["source"],
            received_at=data["received_at"],
            facility=data.get("facility"),
            text=data["text"],
            complainant=_victim_fields(data.get("complainant")),
        )
        return Response(
            {"allegation": str(allegation.pk), "reference": allegation.reference}, status=201
        )
