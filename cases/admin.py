"""Staff admin for allegations, their people, consent and evidence, and referrals.

An officer opens an allegation and sees everything about it on one page, including its referrals
and their timelines. Evidence is never deleted from here; statuses are read-only (they move only
through their transition service).
"""

from django.contrib import admin
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from cases import services
from cases.models import (
    Allegation,
    AllegationSource,
    Consent,
    ConsistencyLevel,
    DeadlineRule,
    Evidence,
    Incident,
    MedicalExamination,
    Method,
    Perpetrator,
    PlaceOfIncident,
    ProsecutorOffice,
    Referral,
    ReferralEvent,
    Victim,
    Witness,
)
from npm_tracker.admin import (
    EvidenceAdminMixin,
    ScopedAdmin,
    ScopedStackedInline,
    ScopedTabularInline,
    VocabularyAdmin,
)

for model in (Method, AllegationSource, PlaceOfIncident):
    admin.site.register(model, VocabularyAdmin)


@admin.register(ConsistencyLevel)
class ConsistencyLevelAdmin(VocabularyAdmin):
    list_display = ("rank", *VocabularyAdmin.list_display)


@admin.register(ProsecutorOffice)
class ProsecutorOfficeAdmin(VocabularyAdmin):
    list_display = ("code", "name", "country", "level", "region", "valid_from", "valid_to")
    list_filter = ("country", "level")
    autocomplete_fields = ("region", "parent")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("region")


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(ScopedAdmin):
    list_display = (
        "code",
        "country",
        "clock",
        "duration",
        "unit",
        "effective_from",
        "effective_to",
        "legal_source",
        "verified",
    )
    list_filter = ("country", "clock", "unit", "verified")
    list_select_related = ("country",)
    search_fields = ("code", "legal_source")


@admin.register(Incident)
class IncidentAdmin(EvidenceAdminMixin, ScopedAdmin):
    list_display = ("title", "country", "occurred_on", "created_at")
    list_filter = ("country",)
    list_select_related = ("country",)
    search_fields = ("title", "description")


class AllegationPartInline:
    def persist(self, request, obj):
        return services.allegation_part_save(actor=request.user, part=obj)


class VictimInline(EvidenceAdminMixin, ScopedStackedInline):
    model = Victim
    max_num = 1
    extra = 1
    show_change_link = False
    fieldsets = (
        (
            None,
            {"fields": ("pseudonym", "sex", "is_minor", "current_facility", "current_location")},
        ),
        (
            _("Identity (confidential)"),
            {"fields": ("full_name", "date_of_birth", "citizenship", "contact_details")},
        ),
    )
    readonly_fields = ("pseudonym",)
    autocomplete_fields = ("current_facility",)

    def persist(self, request, obj):
        return services.victim_save(actor=request.user, victim=obj)


class ConsentInline(EvidenceAdminMixin, ScopedTabularInline):
    model = Consent
    fields = ("destination", "granted_on", "form", "withdrawn_on", "note")
    show_change_link = False

    def persist(self, request, obj):
        return services.consent_save(actor=request.user, consent=obj)


class PerpetratorInline(EvidenceAdminMixin, AllegationPartInline, ScopedTabularInline):
    model = Perpetrator
    fields = ("agency", "unit", "rank", "name")
    show_change_link = False


class WitnessInline(EvidenceAdminMixin, AllegationPartInline, ScopedStackedInline):
    model = Witness
    fields = ("role", "full_name", "contact_details", "statement")
    show_change_link = False


class MedicalExaminationInline(EvidenceAdminMixin, AllegationPartInline, ScopedStackedInline):
    model = MedicalExamination
    fields = (
        ("examined_on", "examiner", "institution"),
        ("istanbul_protocol", "consistency"),
        "findings",
    )
    show_change_link = False


class EvidenceInline(EvidenceAdminMixin, ScopedTabularInline):
    model = Evidence
    fk_name = "allegation"
    fields = ("kind", "file", "description", "filename", "size", "sha256", "supersedes")
    readonly_fields = ("filename", "size", "sha256")
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        # A stored file is never replaced: existing rows show it, new rows upload it.
        return self.readonly_fields

    def persist(self, request, obj):
        return services.evidence_save(actor=request.user, evidence=obj)


class ReferralInline(EvidenceAdminMixin, ScopedTabularInline):
    """The allegation's referrals with their timelines; a new one starts as a draft."""

    model = Referral
    fields = ("reference", "prosecutor_office", "status", "external_number", "timeline")
    readonly_fields = ("reference", "status", "external_number", "timeline")
    autocomplete_fields = ("prosecutor_office",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("events")

    @admin.display(description=_("timeline"))
    def timeline(self, obj):
        if obj.pk is None:
            return ""
        return render_to_string("cases/referral_timeline.html", {"events": obj.events.all()})

    def persist(self, request, obj):
        return services.referral_save(actor=request.user, referral=obj)


@admin.register(Allegation)
class AllegationAdmin(EvidenceAdminMixin, ScopedAdmin):
    list_display = (
        "reference",
        "received_at",
        "country",
        "facility",
        "source",
        "status",
        "urgent",
        "reprisal_risk",
        "assigned_officer",
    )
    list_filter = ("status", "country", "urgent", "reprisal_risk", "source", "place_of_incident")
    list_select_related = ("country", "facility", "source", "assigned_officer")
    date_hierarchy = "received_at"
    search_fields = ("reference", "summary", "facility__name")
    autocomplete_fields = ("facility", "visit", "incident", "methods")
    readonly_fields = ("reference", "status", "closed_reason", "urgent")
    fieldsets = (
        (None, {"fields": ("reference", "country", "status", "closed_reason", "assigned_officer")}),
        (_("Receipt"), {"fields": ("source", "received_at", "visit", "facility", "incident")}),
        (
            _("What happened"),
            {
                "fields": (
                    "place_of_incident",
                    ("incident_date", "incident_date_precision"),
                    "methods",
                    "summary",
                    "injuries",
                )
            },
        ),
        (
            _("Urgency and risk"),
            {"fields": (("death_in_custody", "serious_injury", "urgent"), "reprisal_risk")},
        ),
    )
    inlines = (
        VictimInline,
        ConsentInline,
        PerpetratorInline,
        WitnessInline,
        MedicalExaminationInline,
        EvidenceInline,
        ReferralInline,
    )

    def get_changeform_initial_data(self, request):
        # "Add allegation" from a visit page arrives with ?visit=<id>: prefill its facility and
        # country so the monitor only enters what is new.
        initial = super().get_changeform_initial_data(request)
        from facilities.models import Visit

        visit = Visit.objects.visible_to(request.user).filter(pk=initial.get("visit")).first()
        if visit is not None:
            initial.setdefault("facility", visit.facility_id)
            initial.setdefault("country", visit.facility.country_id)
        return initial

    def persist(self, request, obj):
        return services.allegation_save(actor=request.user, allegation=obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.victim_ensure(actor=request.user, allegation=form.instance)


class ReferralEventInline(ScopedTabularInline):
    """The referral's timeline. Events are appended by the referral's transition service only."""

    model = ReferralEvent
    fields = ("occurred_at", "kind", "external_number", "note", "actor")
    readonly_fields = fields
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Referral)
class ReferralAdmin(EvidenceAdminMixin, ScopedAdmin):
    list_display = (
        "reference",
        "allegation",
        "prosecutor_office",
        "status",
        "external_number",
        "created_at",
    )
    list_filter = ("status", "allegation__country", "prosecutor_office__level")
    list_select_related = ("allegation", "prosecutor_office")
    date_hierarchy = "created_at"
    search_fields = ("reference", "external_number", "allegation__reference")
    autocomplete_fields = ("allegation", "prosecutor_office")
    readonly_fields = ("reference", "status", "external_number")
    fields = ("reference", "allegation", "prosecutor_office", "status", "external_number")
    inlines = (ReferralEventInline,)

    def get_readonly_fields(self, request, obj=None):
        # Once created, a referral stays with its allegation.
        if obj is not None:
            return (*self.readonly_fields, "allegation")
        return self.readonly_fields

    def persist(self, request, obj):
        return services.referral_save(actor=request.user, referral=obj)
