"""What the cases app adds to the facilities' admin pages: the allegations raised during a
visit on the visit's page, and visit planning, which ranks facilities by their open allegations."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from cases import services
from cases.models import Allegation
from cases.planning import visit_planning
from facilities.admin import FacilityAdmin, VisitAdmin
from facilities.models import Facility
from npm_tracker.core.admin import EvidenceAdminMixin, ScopedStackedInline
from npm_tracker.core.models import Country


class VisitAllegationInline(EvidenceAdminMixin, ScopedStackedInline):
    """Allegations raised during the visit; the full record opens from the change link."""

    model = Allegation
    fk_name = "visit"
    fields = (
        "reference",
        "source",
        "received_at",
        "place_of_incident",
        "incident_date",
        "summary",
        "death_in_custody",
        "serious_injury",
        "reprisal_risk",
        "status",
    )
    readonly_fields = ("reference", "status")

    def persist(self, request, obj):
        obj.country_id = obj.visit.facility.country_id
        obj.facility_id = obj.visit.facility_id
        allegation = services.allegation_save(actor=request.user, allegation=obj)
        services.victim_ensure(actor=request.user, allegation=allegation)
        return allegation


VisitAdmin.inlines = (*VisitAdmin.inlines, VisitAllegationInline)


class FacilityPlanningAdmin(FacilityAdmin):
    """The facility register with its visit plan."""

    def get_urls(self):
        return [
            path(
                "planning/",
                self.admin_site.admin_view(self.planning_view),
                name="facilities_facility_planning",
            ),
            *super().get_urls(),
        ]

    def planning_view(self, request):
        """Risk-based visit planning: facilities ranked, with the reasons for each score."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        countries = Country.objects.visible_to(request.user)
        country = countries.filter(code=request.GET.get("country", "")).first()
        rows = visit_planning(request.user, country=country)
        paginator = Paginator(rows, 50)
        page = paginator.get_page(request.GET.get("page"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Visit planning"),
            "page": page,
            "countries": countries,
            "country": country,
        }
        return TemplateResponse(request, "admin/facilities/planning.html", context)


admin.site.unregister(Facility)
admin.site.register(Facility, FacilityPlanningAdmin)
