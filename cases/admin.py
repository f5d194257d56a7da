"""Staff admin for allegations, their people, consent and evidence, and referrals.

An officer opens an allegation and sees everything about it on one page, including its referrals
and their timelines. Evidence is never deleted from here; statuses are read-only (they move only
through their transition service).
"""

from django import forms
from django.contrib import admin
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cases import choices, services
from cases.admin_evidence import PsychologicalEvaluationInline
from cases.lifecycles import ALLEGATION, FOLLOW_UP, REFERRAL
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
    ReprisalFollowUp,
    Victim,
    Witness,
)
from cases.resources import AllegationResource
from cases.selectors import deadlines_of_allegation, history_of, timeline_of
from npm_tracker.core import roles
from npm_tracker.core.access import record_reads
from npm_tracker.core.admin import (
    AssignedToMeFilter,
    ConfidentialFieldsMixin,
    EvidenceAdminMixin,
    ScopedAdmin,
    ScopedStackedInline,
    ScopedTabularInline,
    TransitionAdminMixin,
    VocabularyAdmin,
)
from npm_tracker.core.models import AccessChannel
from npm_tracker.core.workflow import local_day

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


class VictimInline(ConfidentialFieldsMixin, EvidenceAdminMixin, ScopedStackedInline):
    model = Victim
    confidential_fields = (
        "full_name",
        "date_of_birth",
        "citizenship",
        "contact_details",
        "elsewhere",
    )

    @admin.display(description=_("in other allegations"))
    def elsewhere(self, obj):
        """How many other allegations name the same person (by the blind index: nothing else is
        decrypted), with links to those this user may open."""
        if obj is None or obj.pk is None or not obj.identity_index:
            return "—"
        # Only allegations this user may open are counted: a match in a country or case outside
        # their scope is not even hinted at.
        user = self._request_user
        others = (
            list(
                obj.same_person_elsewhere()
                .filter(pk__in=Allegation.objects.visible_to(user).values("pk"))
                .values_list("pk", "reference")
            )
            if user is not None
            else []
        )
        if not others:
            return _("none")
        links = format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            (
                (reverse("admin:cases_allegation_change", args=[pk]), reference)
                for pk, reference in others
            ),
        )
        count = ngettext("%(n)d other allegation", "%(n)d other allegations", len(others)) % {
            "n": len(others)
        }
        return format_html("{} {}", count, links)

    _request_user = None

    def get_formset(self, request, obj=None, **kwargs):
        self._request_user = request.user
        return super().get_formset(request, obj, **kwargs)

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
            {
                "fields": (
                    "full_name",
                    "date_of_birth",
                    "citizenship",
                    "contact_details",
                    "elsewhere",
                )
            },
        ),
    )
    readonly_fields = ("pseudonym", "elsewhere")
    autocomplete_fields = ("current_facility",)

    def persist(self, request, obj):
        return services.victim_save(actor=request.user, victim=obj)


class ConsentInline(EvidenceAdminMixin, ScopedTabularInline):
    model = Consent
    fields = ("destination", "granted_on", "form", "withdrawn_on", "note")
    show_change_link = False

    def persist(self, request, obj):
        return services.consent_save(actor=request.user, consent=obj)


class PerpetratorInline(
    ConfidentialFieldsMixin, EvidenceAdminMixin, AllegationPartInline, ScopedTabularInline
):
    model = Perpetrator
    confidential_fields = ("name",)
    fields = ("agency", "unit", "rank", "name")
    show_change_link = False


class WitnessInline(
    ConfidentialFieldsMixin, EvidenceAdminMixin, AllegationPartInline, ScopedStackedInline
):
    model = Witness
    confidential_fields = ("full_name", "contact_details", "statement")
    fields = ("role", "full_name", "contact_details", "statement")
    show_change_link = False


class MedicalExaminationInline(
    ConfidentialFieldsMixin, EvidenceAdminMixin, AllegationPartInline, ScopedStackedInline
):
    """The examinations in short; each opens on its own page with the person's account, the
    lesions on the body diagram and the opinion (cases.admin_evidence)."""

    model = MedicalExamination
    confidential_fields = ("examiner", "findings")
    fields = (
        ("examined_on", "examiner", "institution"),
        ("istanbul_protocol", "consistency"),
        "findings",
    )
    show_change_link = True


class EvidenceInline(EvidenceAdminMixin, ScopedTabularInline):
    model = Evidence
    fk_name = "allegation"
    fields = ("kind", "file", "description", "filename", "size", "sha256", "supersedes")
    readonly_fields = ("filename", "size", "sha256")
    show_change_link = True  # its page: the sealed original and the chain of custody

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


def confidential_data_shown(allegation) -> str:
    """What an allegation's page shows of identity and medical data ("" when nothing)."""
    shown = []
    victim = getattr(allegation, "victim", None)
    has_identity = victim is not None and any(
        (victim.full_name, victim.date_of_birth, victim.contact_details)
    )
    if has_identity or allegation.witnesses.exists():
        shown.append("identity")
    if allegation.injuries or allegation.medical_examinations.exists():
        shown.append("medical")
    return ",".join(shown)


@admin.register(Allegation)
class AllegationAdmin(
    ConfidentialFieldsMixin, TransitionAdminMixin, EvidenceAdminMixin, ScopedAdmin
):
    lifecycle = ALLEGATION
    confidential_fields = ("injuries",)
    resource_classes = [AllegationResource]

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        if self.shows_confidential(request, obj):
            return inlines
        return [inline for inline in inlines if not isinstance(inline, EvidenceInline)]

    step_labels = dict(choices.AllegationStatus.choices)
    reasons = tuple(choices.ClosedReason.choices)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = getattr(response, "context_data", {}).get("original")
        if response.status_code == 200 and obj is not None:
            shown = confidential_data_shown(obj) if self.shows_confidential(request, obj) else ""
            if shown:
                record_reads(
                    actor=request.user,
                    channel=AccessChannel.ADMIN,
                    records=[obj],
                    what=shown,
                    request=request,
                )
        return response

    def transition_context(self, obj):
        return obj.country.code, local_day(obj.received_at, obj.country)

    def perform_transition(self, request, obj, step, data):
        services.allegation_transition(
            actor=request.user,
            allegation=obj,
            to=step.name,
            reason=data.get("reason", ""),
            note=data.get("note", ""),
            occurred_at=data["occurred_at"],
            document_number=data.get("document_number", ""),
            expected_status=data["expected_status"],
        )

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
    list_filter = (
        AssignedToMeFilter,
        "status",
        "country",
        "urgent",
        "reprisal_risk",
        "source",
        "place_of_incident",
    )
    list_select_related = ("country", "facility", "source", "assigned_officer")
    date_hierarchy = "received_at"
    search_fields = ("reference", "summary", "facility__name")
    autocomplete_fields = ("facility", "visit", "incident", "methods", "related_allegation")
    readonly_fields = (
        "reference",
        "status",
        "closed_reason",
        "urgent",
        "timeline",
        "clocks",
        "history",
    )
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
            {
                "fields": (
                    ("death_in_custody", "serious_injury", "urgent"),
                    "reprisal_risk",
                    "follow_up_requested",
                    "related_allegation",
                )
            },
        ),
        (_("Timeline, deadlines and history"), {"fields": ("timeline", "clocks", "history")}),
    )

    @admin.display(description=_("timeline"))
    def timeline(self, obj):
        if obj.pk is None:
            return ""
        return render_to_string("cases/allegation_timeline.html", {"rows": timeline_of(obj)})

    @admin.display(description=_("deadlines"))
    def clocks(self, obj):
        if obj.pk is None:
            return ""
        return render_to_string("cases/deadlines.html", {"deadlines": deadlines_of_allegation(obj)})

    @admin.display(description=_("history"))
    def history(self, obj):
        if obj.pk is None:
            return ""
        return render_to_string("cases/history.html", {"rows": history_of(obj)})

    inlines = (
        VictimInline,
        ConsentInline,
        PerpetratorInline,
        WitnessInline,
        MedicalExaminationInline,
        PsychologicalEvaluationInline,
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
    fields = ("occurred_at", "kind", "external_number", "note", "recorded_by")
    readonly_fields = fields
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Referral)
class ReferralAdmin(TransitionAdminMixin, EvidenceAdminMixin, ScopedAdmin):
    lifecycle = REFERRAL
    step_labels = dict(choices.ReferralEventKind.choices)
    report_kind = "referral_letter"

    def report_country(self, obj):
        return obj.allegation.country

    def object_links(self, request, obj):
        """The signed evidence bundle (letter, evidence, manifest and signature), for those who
        see the person's identity."""
        if not roles.sees_identity(request.user):
            return []
        return [
            (_("Download the signed evidence bundle"), reverse("referral-bundle", args=[obj.pk]))
        ]

    def transition_context(self, obj):
        country = obj.allegation.country
        return country.code, local_day(obj.created_at, country)

    def perform_transition(self, request, obj, step, data):
        services.referral_transition(
            actor=request.user,
            referral=obj,
            kind=step.name,
            occurred_at=data["occurred_at"],
            external_number=data.get("external_number", ""),
            note=data.get("note", ""),
            article=data.get("article", ""),
            sentence=data.get("sentence", ""),
            addressee=data.get("addressee", ""),
            new_term=data.get("new_term"),
            document_number=data.get("document_number", ""),
            expected_status=data["expected_status"],
        )

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
    readonly_fields = ("reference", "status", "external_number", "outcome", "clocks")
    fields = (
        "reference",
        "allegation",
        "prosecutor_office",
        "status",
        "external_number",
        "outcome",
        "clocks",
    )
    inlines = (ReferralEventInline,)

    @admin.display(description=_("deadlines"))
    def clocks(self, obj):
        if obj.pk is None:
            return ""
        return render_to_string("cases/deadlines.html", {"deadlines": obj.deadlines.all()})

    def get_readonly_fields(self, request, obj=None):
        # Once created, a referral stays with its allegation; once sent, with its office.
        if obj is None:
            return self.readonly_fields
        if obj.status != "draft":
            return (*self.readonly_fields, "allegation", "prosecutor_office")
        return (*self.readonly_fields, "allegation")

    def persist(self, request, obj):
        return services.referral_save(actor=request.user, referral=obj)


class FollowUpMineFilter(AssignedToMeFilter):
    lookup = "allegation__assigned_officer"


@admin.register(ReprisalFollowUp)
class ReprisalFollowUpAdmin(TransitionAdminMixin, EvidenceAdminMixin, ScopedAdmin):
    """Open follow-ups stay in the officer's list until closed with an outcome."""

    lifecycle = FOLLOW_UP
    step_labels = dict(choices.FollowUpOutcome.choices)
    list_display = (
        "allegation",
        "reason",
        "status",
        "where_held_now",
        "due",
        "overdue_flag",
        "outcome",
        "closed_at",
    )
    list_filter = (FollowUpMineFilter, "status", "reason", "outcome", "allegation__country")
    list_select_related = (
        "allegation",
        "allegation__victim",
        "allegation__victim__current_facility",
    )
    search_fields = ("allegation__reference",)
    readonly_fields = ("allegation", "reason", "status", "outcome", "closed_at", "new_allegation")
    fields = (
        "allegation",
        "reason",
        "status",
        "method",
        "note",
        "outcome",
        "closed_at",
        "new_allegation",
    )

    def has_add_permission(self, request):
        return False  # follow-ups open themselves from the facts of an allegation

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("deadlines")

    @admin.display(description=_("due"))
    def due(self, obj):
        return obj.due_at

    @admin.display(description=_("overdue"), boolean=True)
    def overdue_flag(self, obj):
        return obj.overdue

    @admin.display(description=_("held now at"))
    def where_held_now(self, obj):
        return obj.where_held_now

    def transition_context(self, obj):
        country = obj.allegation.country
        return country.code, local_day(obj.created_at, country)

    def transition_extra_fields(self, request, obj, step):
        return {
            "method": forms.ChoiceField(
                label=_("How it was checked"), choices=choices.FollowUpMethod.choices
            )
        }

    def perform_transition(self, request, obj, step, data):
        services.follow_up_close(
            actor=request.user,
            follow_up=obj,
            outcome=step.name,
            method=data["method"],
            note=data.get("note", ""),
            occurred_at=data["occurred_at"],
        )


# Registered last: it changes the facilities app's admin pages.
from cases import admin_facilities  # noqa: E402, F401
