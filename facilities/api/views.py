"""API views of facilities, visits and recommendations (CONTRACT.md)."""

import django_filters
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError

from facilities import selectors, services
from facilities.api.serializers import (
    FacilitySerializer,
    RecommendationSerializer,
    VisitSerializer,
    VisitWriteSerializer,
)
from facilities.models import Facility, Recommendation, Visit, VisitObstacle
from npm_tracker.core.api.base import (
    IF_MATCH,
    CountryFilter,
    DomainViewSet,
    TransitionSerializer,
    UpdatedSinceFilter,
)
from npm_tracker.core.api.replay import idempotent
from npm_tracker.core.models import prefetch_list


class FacilityFilter(UpdatedSinceFilter):
    country = CountryFilter()
    region = django_filters.CharFilter(field_name="region__code")
    facility_type = django_filters.CharFilter(field_name="facility_type__code")
    agency = django_filters.CharFilter(field_name="agency__code")
    search = django_filters.CharFilter(method="filter_search")

    class Meta:
        model = Facility
        fields = ("country", "region", "facility_type", "agency", "updated_since")

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(name__uicontains=value) | Q(address__uicontains=value))


class FacilityViewSet(DomainViewSet):
    serializer_class = FacilitySerializer
    filterset_class = FacilityFilter

    def base_queryset(self):
        return Facility.objects.select_related(
            "country", "region", "facility_type", "agency"
        ).annotate(
            # A subquery, not Max() over a join: PostgreSQL then computes it for the rows of the
            # page only, through the (facility, -started_on) index, instead of grouping every
            # visit of every facility before it can sort and cut the page.
            last_visit_on=Subquery(
                Visit.objects.filter(facility=OuterRef("pk"))
                .exclude(status__in=("cancelled", "planned"))
                .order_by("-started_on")
                .values("started_on")[:1]
            )
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["periodic_due"] = getattr(self, "_periodic_due", {})
        return context

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self._remember_periodic(page if page is not None else queryset)
        return page

    def get_object(self):
        obj = super().get_object()
        self._remember_periodic([obj])
        return obj

    def _remember_periodic(self, facilities):
        ids = [f.pk for f in facilities]
        rows = selectors.periodic_visit_coverage(
            self.request.user, facilities=Facility.objects.filter(pk__in=ids)
        )
        # Inactive facilities have no periodic visit due: known too, so that no row is looked
        # up on its own.
        self._periodic_due = dict.fromkeys(ids) | {row.facility.pk: row.due_on for row in rows}

    def perform_service_create(self, data):
        return services.facility_create(actor=self.request.user, **data)

    def perform_service_update(self, obj, data):
        return services.facility_update(actor=self.request.user, facility=obj, **data)


class VisitFilter(UpdatedSinceFilter):
    visit_type = django_filters.CharFilter(field_name="visit_type__code")
    started_after = django_filters.DateFilter(field_name="started_on", lookup_expr="gte")
    started_before = django_filters.DateFilter(field_name="started_on", lookup_expr="lte")

    class Meta:
        model = Visit
        fields = ("facility", "visit_type", "status", "updated_since")


class VisitViewSet(DomainViewSet):
    filterset_class = VisitFilter
    read_serializer_class = VisitSerializer

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return VisitWriteSerializer
        return VisitSerializer

    def base_queryset(self):
        return Visit.objects.select_related("visit_type").prefetch_related(
            prefetch_list("obstacles", VisitObstacle.objects.select_related("obstacle_type"))
        )

    def perform_service_create(self, data):
        obstacles = data.pop("obstacles", [])
        return services.visit_create(
            actor=self.request.user,
            obstacles=[{"obstacle_type": o} for o in obstacles],
            team=[dict(member) for member in data.pop("team", [])],
            **data,
        )

    def perform_service_update(self, obj, data):
        if "team" in data:
            raise ValidationError(
                {"team": [_("The team of a visit that exists is changed in the admin.")]}
            )
        obstacles = data.pop("obstacles", None)
        visit = services.visit_update(actor=self.request.user, visit=obj, **data)
        if obstacles is not None:
            services.visit_obstacles_set(actor=self.request.user, visit=visit, obstacles=obstacles)
        return visit

    @extend_schema(request=TransitionSerializer, responses=VisitSerializer, parameters=[IF_MATCH])
    @idempotent()
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Moves the visit to the status `to`, if its lifecycle allows that from the current
        one (`409 invalid_transition` otherwise). Answers the visit as it is now."""
        data = _transition_data(request)
        with transaction.atomic():
            visit = self.locked_object()
            visit = services.visit_transition(actor=request.user, visit=visit, **data)
        return self.detail_response(visit)


class RecommendationFilter(UpdatedSinceFilter):
    class Meta:
        model = Recommendation
        fields = ("visit", "facility", "status", "updated_since")


class RecommendationViewSet(DomainViewSet):
    serializer_class = RecommendationSerializer
    filterset_class = RecommendationFilter

    def base_queryset(self):
        return Recommendation.objects.select_related(
            "country", "addressee_agency", "area"
        ).prefetch_related("deadlines")

    def perform_service_create(self, data):
        data.setdefault("country", data["addressee_agency"].country)
        data.setdefault("addressee_level", "agency")
        return services.recommendation_create(actor=self.request.user, **data)

    def perform_service_update(self, obj, data):
        return services.recommendation_update(actor=self.request.user, recommendation=obj, **data)

    @extend_schema(
        request=TransitionSerializer, responses=RecommendationSerializer, parameters=[IF_MATCH]
    )
    @idempotent()
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Moves the recommendation to the status `to`, if its lifecycle allows that from the
        current one (`409 invalid_transition` otherwise). Answers the recommendation as it is
        now."""
        data = _transition_data(request)
        with transaction.atomic():
            rec = self.locked_object()
            rec = services.recommendation_transition(actor=request.user, recommendation=rec, **data)
        return self.detail_response(rec)


def _transition_data(request) -> dict:
    serializer = TransitionSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = dict(serializer.validated_data)
    if data.get("occurred_at") is None:
        data.pop("occurred_at", None)
    return data
