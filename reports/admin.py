"""Reports in the admin: ask for a report (also from a visit or referral page), follow its
progress, download it; edit the schedules."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from npm_tracker.core.admin import ScopedAdmin
from npm_tracker.core.errors import DomainError
from npm_tracker.core.models import AccessChannel
from reports import services
from reports.choices import RunStatus
from reports.models import KEY_FIELDS, ReportDelivery, ReportRun, ReportSchedule


class ReportRequestForm(forms.ModelForm):
    refresh = forms.BooleanField(
        label=_("Make it again"),
        required=False,
        help_text=_("Replace an existing report of the same kind, scope, period and language."),
    )

    class Meta:
        model = ReportRun
        fields = list(KEY_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.initial.get("language"):
            self.initial["language"] = translation.get_language()
        # The form only validates the request: asking again for an existing report is answered
        # with that report (by the service), so the one-current-run constraint is not checked.
        # Only a new request: a run's own page shows whether it is the current one.
        if self.instance._state.adding:
            self.instance.is_current = False


@admin.register(ReportRun)
class ReportRunAdmin(ScopedAdmin):
    form = ReportRequestForm
    change_form_template = "admin/reports/reportrun/change_form.html"
    list_display = (
        "kind",
        "country",
        "subject",
        "language",
        "version",
        "status_badge",
        "finished_at",
        "download",
    )
    list_filter = ("status", "kind", "country", "language", "version", "is_current")
    list_select_related = ("country", "region", "agency", "visit__facility", "referral")
    date_hierarchy = "created_at"
    autocomplete_fields = ("visit", "referral")
    actions = ("retry_failed",)
    readonly_fields = (
        "status_badge",
        "error",
        "attempts",
        "started_at",
        "finished_at",
        "timings",
        "download",
        "sha256",
        "size",
        "requested",
        "is_current",
        "created_at",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.list_select_related)

    def get_fieldsets(self, request, obj=None):
        key = [(None, {"fields": [*KEY_FIELDS, "refresh"] if obj is None else KEY_FIELDS})]
        if obj is None:
            return key
        return [(None, {"fields": self.readonly_fields}), (_("What it covers"), key[0][1])]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return (*self.readonly_fields, *KEY_FIELDS)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        return format_html(
            '<span class="npm-status npm-status-{}">{}</span>', obj.status, obj.get_status_display()
        )

    @admin.display(description=_("covers"))
    def subject(self, obj):
        if obj.visit_id:
            return obj.visit
        if obj.referral_id:
            return obj.referral
        scope = obj.region or obj.agency
        period = f"{obj.period_start:%Y-%m-%d} – {obj.period_end:%Y-%m-%d}"
        return f"{period} · {scope}" if scope else period

    @admin.display(description=_("file"))
    def download(self, obj):
        if obj.status != RunStatus.DONE:
            return "—"
        return format_html('<a href="{}">{}</a>', obj.download_url(), _("Download PDF"))

    @admin.display(description=_("requested by"))
    def requested(self, obj):
        return obj.requested_by or obj.requested_by_label or "—"

    def save_model(self, request, obj, form, change):
        key = {name: form.cleaned_data.get(name) for name in KEY_FIELDS}
        with transaction.atomic():
            run, created = services.request_run(
                actor=request.user, refresh=form.cleaned_data.get("refresh", False), **key
            )
        obj.pk = run.pk
        if not created:
            messages.info(request, _("This report had already been asked for: here it is."))

    def response_add(self, request, obj, post_url_continue=None):
        return HttpResponseRedirect(reverse("admin:reports_reportrun_change", args=[obj.pk]))

    def get_urls(self):
        return [
            path(
                "<uuid:object_id>/download/",
                self.admin_site.admin_view(self.download_view),
                name="reports_reportrun_download",
            ),
            path(
                "<uuid:object_id>/again/",
                self.admin_site.admin_view(self.again_view),
                name="reports_reportrun_again",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request, object_id):
        run = get_object_or_404(self.get_queryset(request), pk=object_id)
        if run.status != RunStatus.DONE or not run.file:
            raise Http404
        services.log_download(
            run=run, actor=request.user, channel=AccessChannel.PDF, request=request
        )
        return FileResponse(
            run.file.open("rb"),
            as_attachment=True,
            filename=run.filename,
            content_type="application/pdf",
        )

    def again_view(self, request, object_id):
        """Retry a failed run, or make a done one again (a new current run)."""
        run = get_object_or_404(self.get_queryset(request), pk=object_id)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:reports_reportrun_change", args=[run.pk]))
        key = {name: getattr(run, name) for name in KEY_FIELDS}
        try:
            with transaction.atomic():
                new, _created = services.request_run(
                    actor=request.user, refresh=run.status != RunStatus.FAILED, **key
                )
        except (ValidationError, DomainError) as error:
            messages.error(request, "; ".join(getattr(error, "messages", [str(error)])))
            new = run
        return HttpResponseRedirect(reverse("admin:reports_reportrun_change", args=[new.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        run = self.get_object(request, object_id)
        if run is not None:
            extra_context["in_progress"] = run.status in (RunStatus.PENDING, RunStatus.RUNNING)
            extra_context["again_url"] = reverse("admin:reports_reportrun_again", args=[run.pk])
            extra_context["failed"] = run.status == RunStatus.FAILED
            extra_context["current"] = run.is_current
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("Retry the selected failed reports"))
    def retry_failed(self, request, queryset):
        count = 0
        for run in queryset.filter(status=RunStatus.FAILED):
            with transaction.atomic():
                services.retry(run=run)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d report queued again.", "%(count)d reports queued again.", count)
            % {"count": count},
        )


class DeliveryInline(admin.TabularInline):
    model = ReportDelivery
    extra = 0
    can_delete = False
    fields = ("run", "created_at", "sent_at", "sent_to")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ReportSchedule)
class ReportScheduleAdmin(ScopedAdmin):
    list_display = ("kind", "cadence", "country", "region", "agency", "language", "is_active")
    list_filter = ("kind", "cadence", "country", "is_active")
    list_select_related = ("country", "region", "agency")
    inlines = (DeliveryInline,)
    actions = ("dispatch_now",)
    fields = (
        "kind",
        "cadence",
        "country",
        "region",
        "agency",
        "language",
        "version",
        "recipients",
        "is_active",
    )

    def persist(self, request, obj):
        return services.schedule_save(actor=request.user, schedule=obj)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Produce the report of the last complete period now"))
    def dispatch_now(self, request, queryset):
        count = 0
        for schedule in queryset.select_related("country"):
            services.dispatch_schedule(schedule=schedule)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d report asked for.", "%(count)d reports asked for.", count)
            % {"count": count},
        )
