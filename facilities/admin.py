"""Staff admin for places of detention, visits and recommendations.

A monitor logs a whole visit on one page: team, findings, obstacles, dissenting opinions,
recommendations and the allegations raised during the visit are inlines of the visit.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from facilities import selectors, services
from facilities.choices import RecommendationStatus, VisitStatus
from facilities.lifecycles import RECOMMENDATION, VISIT
from facilities.models import (
    Agency,
    DissentingOpinion,
    ExaminedArea,
    Facility,
    FacilityType,
    NpmBody,
    ObstacleType,
    Recommendation,
    RecommendationResponse,
    Region,
    Visit,
    VisitFinding,
    VisitObstacle,
    VisitTeamMember,
    VisitType,
)
from facilities.resources import FacilityResource, RecommendationResource, VisitResource
from npm_tracker.core.admin import (
    ScopedAdmin,
    ScopedStackedInline,
    ScopedTabularInline,
    TransitionAdminMixin,
    VocabularyAdmin,
)
from npm_tracker.core.spreadsheets import SpreadsheetImportMixin
from npm_tracker.core.workflow import local_day

NAME_FIELDS = ("name_en", "name_ru", "name_kk", "name_ky")


@admin.register(NpmBody)
class NpmBodyAdmin(ScopedAdmin):
    list_display = ("short_name", "name", "country", "valid_from", "valid_to")
    list_filter = ("country",)
    search_fields = ("code", "name_en", "name_ru", "name_kk", "name_ky")


for model in (Region, Agency, ExaminedArea, ObstacleType):
    admin.site.register(model, VocabularyAdmin)


@admin.register(FacilityType)
class FacilityTypeAdmin(VocabularyAdmin):
    list_display = (*VocabularyAdmin.list_display, "has_security_level")
    autocomplete_fields = ("agencies",)


@admin.register(VisitType)
class VisitTypeAdmin(VocabularyAdmin):
    list_display = (*VocabularyAdmin.list_display, "is_periodic", "verified")
    list_filter = ("country", "is_periodic", "verified")


class PeriodicVisitFilter(admin.SimpleListFilter):
    """Facilities whose periodic visit is overdue, or that were never visited."""

    title = _("periodic visit")
    parameter_name = "periodic"

    def lookups(self, request, model_admin):
        return [("overdue", _("overdue or never visited"))]

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            rows = selectors.facilities_overdue_for_periodic_visit(request.user)
            return queryset.filter(pk__in=[row.facility.pk for row in rows])
        return queryset


@admin.register(Facility)
class FacilityAdmin(SpreadsheetImportMixin, ScopedAdmin):
    change_list_template = "admin/facilities/facility_change_list.html"
    resource_classes = [FacilityResource]
    list_display = (
        "name",
        "country",
        "region",
        "facility_type",
        "agency",
        "capacity",
        "population",
        "is_active",
    )
    list_filter = (
        PeriodicVisitFilter,
        "country",
        "is_active",
        "facility_type",
        "agency",
        "region",
    )
    list_select_related = ("country", "region", "facility_type", "agency")
    search_fields = ("name", "address")
    autocomplete_fields = ("region", "facility_type", "agency", "medical_care_agency")
    fieldsets = (
        (None, {"fields": ("name", "country", "region", "address", "facility_type", "agency")}),
        (_("Population"), {"fields": ("capacity", "population", "security_level")}),
        (
            _("Reform attributes"),
            {"fields": ("medical_care_agency", "video_surveillance", "complaint_terminal")},
        ),
        (_("Register"), {"fields": ("registered_on", "is_active", "notes")}),
    )

    def persist(self, request, obj):
        return services.facility_save(actor=request.user, facility=obj)


class VisitPartInline:
    def persist(self, request, obj):
        return services.visit_part_save(actor=request.user, part=obj)


class TeamInline(VisitPartInline, ScopedTabularInline):
    model = VisitTeamMember
    fields = ("role", "user", "full_name", "organisation")
    show_change_link = False


class FindingInline(VisitPartInline, ScopedTabularInline):
    model = VisitFinding
    fields = ("area", "text")
    show_change_link = False


class ObstacleInline(VisitPartInline, ScopedTabularInline):
    model = VisitObstacle
    fields = ("obstacle_type", "description")
    show_change_link = False


class DissentInline(VisitPartInline, ScopedStackedInline):
    model = DissentingOpinion
    fields = ("author", "text")
    show_change_link = False


class VisitRecommendationInline(ScopedStackedInline):
    model = Recommendation
    fk_name = "visit"
    fields = ("addressee_level", "addressee_agency", "area", "text", "issued_on", "status")
    readonly_fields = ("status",)

    def persist(self, request, obj):
        return services.recommendation_save(actor=request.user, recommendation=obj)


@admin.register(Visit)
class VisitAdmin(SpreadsheetImportMixin, TransitionAdminMixin, ScopedAdmin):
    lifecycle = VISIT
    resource_classes = [VisitResource]
    step_labels = dict(VisitStatus.choices)
    report_kind = "visit"

    def report_country(self, obj):
        return obj.facility.country

    def transition_context(self, obj):
        return obj.facility.country.code, obj.started_on

    def perform_transition(self, request, obj, step, data):
        services.visit_transition(
            actor=request.user,
            visit=obj,
            to=step.name,
            note=data.get("note", ""),
            occurred_at=data["occurred_at"],
            document_number=data.get("document_number", ""),
            expected_status=data["expected_status"],
        )

    list_display = (
        "facility",
        "visit_type",
        "started_on",
        "ended_on",
        "announced",
        "status",
        "npm_body",
    )
    list_filter = ("status", "announced", "facility__country", "visit_type")
    list_select_related = ("facility", "visit_type", "npm_body")
    date_hierarchy = "started_on"
    search_fields = ("facility__name", "summary")
    autocomplete_fields = ("facility", "visit_type")
    readonly_fields = ("status", "npm_body")
    fieldsets = (
        (None, {"fields": ("facility", "visit_type", "announced", "status", "npm_body")}),
        (_("Dates"), {"fields": ("started_on", "ended_on")}),
        (
            _("Persons held and interviews"),
            {"fields": ("persons_held", "interviews_private", "interviews_group")},
        ),
        (pgettext_lazy("visit summary", "Summary"), {"fields": ("summary",)}),
    )
    inlines = (
        TeamInline,
        FindingInline,
        ObstacleInline,
        DissentInline,
        VisitRecommendationInline,
    )

    def persist(self, request, obj):
        return services.visit_save(actor=request.user, visit=obj)

    def object_links(self, request, obj):
        # The admin has no nested inlines: a complete allegation (victim, consent, methods,
        # perpetrators) is entered on its own form, opened prefilled with this visit.
        if not request.user.has_perm("cases.add_allegation"):
            return []
        url = reverse("admin:cases_allegation_add") + "?" + urlencode({"visit": obj.pk})
        return [(_("Add allegation"), url)]


class ResponseInline(ScopedStackedInline):
    """Agencies' answers: documents of their own, with the NPM's assessment."""

    model = RecommendationResponse
    fields = ("number", "received_on", "text", "assessment", "assessment_note")
    show_change_link = False

    def persist(self, request, obj):
        if obj._state.adding:
            return services.recommendation_response_add(
                actor=request.user,
                recommendation=obj.recommendation,
                received_on=obj.received_on,
                text=obj.text,
                number=obj.number,
                assessment=obj.assessment,
                assessment_note=obj.assessment_note,
            )
        return services.visit_part_save(actor=request.user, part=obj)


@admin.register(Recommendation)
class RecommendationAdmin(SpreadsheetImportMixin, TransitionAdminMixin, ScopedAdmin):
    lifecycle = RECOMMENDATION
    resource_classes = [RecommendationResource]
    step_labels = dict(RecommendationStatus.choices)
    inlines = (ResponseInline,)

    def transition_context(self, obj):
        return obj.country.code, local_day(obj.created_at, obj.country)

    def transition_extra_fields(self, request, obj, step):
        if step.name in ("implemented", "partially_implemented", "not_implemented"):
            return {
                "verified_by_visit": forms.ModelChoiceField(
                    label=_("Verified on visit"),
                    required=False,
                    queryset=Visit.objects.visible_to(request.user).filter(
                        facility__country=obj.country
                    ),
                    widget=forms.Select,
                )
            }
        return {}

    def perform_transition(self, request, obj, step, data):
        services.recommendation_transition(
            actor=request.user,
            recommendation=obj,
            to=step.name,
            note=data.get("note", ""),
            occurred_at=data["occurred_at"],
            document_number=data.get("document_number", ""),
            verified_by_visit=data.get("verified_by_visit"),
            expected_status=data["expected_status"],
        )

    list_display = (
        "short_text",
        "country",
        "addressee_level",
        "addressee_agency",
        "area",
        "issued_on",
        "status",
    )
    list_filter = ("status", "country", "source", "addressee_level", "area")
    list_select_related = ("country", "addressee_agency", "area")
    date_hierarchy = "issued_on"
    search_fields = ("text",)
    autocomplete_fields = ("visit", "facility", "addressee_agency", "verified_by_visit")
    readonly_fields = ("status",)
    fields = (
        "country",
        "source",
        "visit",
        "facility",
        "addressee_level",
        "addressee_agency",
        "area",
        "text",
        "issued_on",
        "status",
        "verified_by_visit",
    )

    @admin.display(description=_("text"))
    def short_text(self, obj):
        return obj.text[:100]

    def persist(self, request, obj):
        return services.recommendation_save(actor=request.user, recommendation=obj)
