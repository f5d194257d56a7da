"""API views of allegations, evidence, referrals and complaints (CONTRACT.md)."""

import hashlib
import json

import django_filters
from django.db import connection, transaction
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from cases import services
from cases.api.serializers import (
    AllegationSerializer,
    AllegationTransitionSerializer,
    ComplaintResultSerializer,
    ComplaintSerializer,
    EvidenceSerializer,
    ReferralEventInputSerializer,
    ReferralSerializer,
)
from cases.models import (
    Allegation,
    Deadline,
    Evidence,
    Perpetrator,
    PlaceOfIncident,
    Referral,
    ReferralEvent,
    prosecutor_office_id_of,
)
from npm_tracker.core.access import record_reads
from npm_tracker.core.api.auth import caller_label
from npm_tracker.core.api.base import IF_MATCH, DomainViewSet, UpdatedSinceFilter, UtcDateTimeFilter
from npm_tracker.core.errors import DomainError, ErrorCode
from npm_tracker.core.models import AccessChannel, IdempotencyKey, prefetch_list


def _consents_from(actor, allegation, consent_map, day):
    for destination, granted in (consent_map or {}).items():
        services.consent_set(
            actor=actor,
            allegation=allegation,
            destination=destination,
            granted=granted,
            on=day,
            form="electronic",
        )


class AllegationFilter(UpdatedSinceFilter):
    country = django_filters.CharFilter(field_name="country__code")
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
        actor = self.request.user
        consent_map = data.pop("consent_map", None)
        allegation = services.allegation_create(
            actor=actor,
            methods=data.pop("methods", []),
            victim=_victim_fields(data.pop("victim", None)),
            perpetrators=data.pop("perpetrators", []),
            **data,
        )
        _consents_from(actor, allegation, consent_map, timezone.localdate())
        return allegation

    def perform_service_update(self, obj, data):
        actor = self.request.user
        consent_map = data.pop("consent_map", None)
        victim = data.pop("victim", None)
        perpetrators = data.pop("perpetrators", None)
        allegation = services.allegation_update(
            actor=actor, allegation=obj, methods=data.pop("methods", None), **data
        )
        if victim:
            record = allegation.victim
            for field, value in _victim_fields(victim).items():
                setattr(record, field, value)
            services.victim_save(actor=actor, victim=record)
        known = {(p.agency_id, p.unit, p.rank, p.name) for p in allegation.perpetrators.all()}
        for row in perpetrators or []:
            if (row["agency"].pk, row["unit"], row["rank"], row["name"]) not in known:
                services.allegation_part_save(
                    actor=actor, part=Perpetrator(allegation=allegation, **row)
                )
        _consents_from(actor, allegation, consent_map, timezone.localdate())
        return allegation

    @extend_schema(
        request=AllegationTransitionSerializer,
        responses=AllegationSerializer,
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        serializer = AllegationTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if v is not None}
        with transaction.atomic():
            allegation = self.locked_object()
            services.allegation_transition(actor=request.user, allegation=allegation, **data)
        return self.detail_response(allegation)

    @extend_schema(methods=["get"], responses=EvidenceSerializer(many=True))
    @extend_schema(methods=["post"], request=EvidenceSerializer, responses=EvidenceSerializer)
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
            items = Evidence.objects.filter(allegation=allegation).order_by("created_at")
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


def _victim_fields(victim):
    if not victim:
        return {}
    fields = dict(victim)
    if fields.get("citizenship") is None:
        fields.pop("citizenship", None)
    return fields


class EvidenceFileViewSet(viewsets.GenericViewSet):
    """``GET /api/v1/evidence/{id}/file/``: the file as uploaded (``confidential`` only)."""

    scopes_by_action = {"file": "confidential"}
    queryset = Evidence.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Evidence.objects.none()
        return Evidence.objects.visible_to(self.request.user)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def file(self, request, pk=None):
        evidence = self.get_object()
        record_reads(
            actor=request.user,
            channel=AccessChannel.API,
            records=[evidence],
            what="evidence file",
            request=request,
        )
        return FileResponse(
            evidence.file.open("rb"), as_attachment=True, filename=evidence.filename
        )


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
            "prosecutor_office", "allegation", "allegation__victim"
        ).prefetch_related(
            prefetch_list("deadlines"),
            prefetch_list("allegation__consents"),
            prefetch_list("events", ReferralEvent.objects.order_by("occurred_at", "created_at")),
        )

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset
        office_id = prosecutor_office_id_of(self.request.user)
        if office_id is not None:
            queryset = queryset.filter(prosecutor_office_id=office_id)
        return queryset

    def perform_service_create(self, data):
        return services.referral_create(actor=self.request.user, **data)

    @extend_schema(
        request=ReferralEventInputSerializer,
        responses={201: ReferralSerializer},
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"])
    def events(self, request, pk=None):
        serializer = ReferralEventInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if v is not None}
        with transaction.atomic():
            referral = self.locked_object()
            services.referral_transition(actor=request.user, referral=referral, **data)
        return self.detail_response(referral, status_code=201)


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="The same key with the same body answers the same result; with another body, 409.",
)


class ComplaintViewSet(mixins.CreateModelMixin, viewsets.GenericViewSet):
    """``POST /api/v1/complaints/``: intake for terminals, hotlines and partner systems."""

    serializer_class = ComplaintSerializer
    scopes_by_action = {"create": "complaints"}

    @extend_schema(parameters=[IDEMPOTENCY_KEY], responses={201: ComplaintResultSerializer})
    def create(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            raise DomainError(
                _("Send an Idempotency-Key header."), code=ErrorCode.IDEMPOTENCY_KEY_REQUIRED
            )
        if len(key) > 200:
            raise ValidationError({"Idempotency-Key": ["At most 200 characters."]})
        caller = caller_label(request.user)
        body_hash = hashlib.sha256(
            json.dumps(request.data, sort_keys=True, default=str).encode()
        ).hexdigest()
        with transaction.atomic():
            # Claim the key; a concurrent twin waits here until the first one commits.
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO npm_tracker_idempotencykey (caller, key, request_hash, created_at)"
                    " VALUES (%s, %s, %s, now()) ON CONFLICT (caller, key) DO NOTHING RETURNING id",
                    [caller, key, body_hash],
                )
                claimed = cursor.fetchone()
            if claimed is None:
                stored = IdempotencyKey.objects.get(caller=caller, key=key)
                if stored.request_hash != body_hash:
                    raise DomainError(
                        _("This Idempotency-Key was used with another body."),
                        code=ErrorCode.IDEMPOTENCY_CONFLICT,
                    )
                return Response(stored.response_body, status=stored.response_status)
            serializer = self.get_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
            allegation = services.allegation_create(
                actor=request.user,
                country=data["country"],
                source=data["source"],
                received_at=data["received_at"],
                facility=data.get("facility"),
                place_of_incident=PlaceOfIncident.objects.get(code="other"),
                summary=data["text"],
                victim=_victim_fields(data.get("complainant")),
            )
            body = {"allegation": str(allegation.pk), "reference": allegation.reference}
            IdempotencyKey.objects.filter(pk=claimed[0]).update(
                response_status=201, response_body=body
            )
        return Response(body, status=201)
