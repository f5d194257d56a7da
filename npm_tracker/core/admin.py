"""Admin foundations: scoping by country, saving through services, never deleting evidence.

Every domain ``ModelAdmin`` and inline of the project derives from the classes here, so what a
staff user sees (lists, forms, choices, autocomplete) is always ``visible_to(user)``, and every
save goes through the service of its model.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import (
    NotRelationField,
    get_fields_from_path,
)
from django.contrib.admin.widgets import (
    AdminDateWidget,
    AdminSplitDateTime,
    RelatedFieldWidgetWrapper,
)
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from npm_tracker.core import roles
from npm_tracker.core.admin_paging import EstimatedCountPaginator, with_bounded_years
from npm_tracker.core.models import AccessLog, Country, DayTransfer
from npm_tracker.core.scoping import ScopedQuerySet, user_country_ids
from npm_tracker.core.services import validated_save
from npm_tracker.core.spreadsheets import SpreadsheetExportMixin

admin.site.site_header = _("NPM Tracker")
admin.site.site_title = _("NPM Tracker")
admin.site.index_title = _("Monitoring places of detention")


def staff_of_my_countries(user):
    """Active staff users who share at least one country with ``user``."""
    users = get_user_model().objects.filter(is_active=True, is_staff=True)
    ids = user_country_ids(user)
    if ids is None:
        return users
    return users.filter(staff_profile__countries__in=ids).distinct()


class ScopedFormMixin:
    """Choices in forms offer only what the user may see."""

    def _scope(self, request, db_field, kwargs):
        related = db_field.related_model
        if related is get_user_model():
            kwargs.setdefault("queryset", staff_of_my_countries(request.user))
        elif isinstance(related._default_manager.all(), ScopedQuerySet):
            kwargs.setdefault("queryset", related._default_manager.visible_to(request.user))
        return kwargs

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        # Records referred to are protected; offering to delete them from another form only
        # leads to a refusal.
        if field is not None and isinstance(field.widget, RelatedFieldWidgetWrapper):
            field.widget.can_delete_related = False
        return field

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return super().formfield_for_foreignkey(
            db_field, request, **self._scope(request, db_field, kwargs)
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return super().formfield_for_manytomany(
            db_field, request, **self._scope(request, db_field, kwargs)
        )

    def persist(self, request, obj):
        """Save one object through its service. Overridden per model."""
        return validated_save(obj)


class ScopedAdmin(SpreadsheetExportMixin, ScopedFormMixin, admin.ModelAdmin):
    """Base of every domain ``ModelAdmin``; its list exports to CSV and XLSX."""

    list_per_page = 50
    show_full_result_count = False
    view_on_site = False
    # Large tables: no exact COUNT(*) and no scan for the years of the date hierarchy.
    paginator = EstimatedCountPaginator

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def get_search_fields(self, request):
        return [unicode_search(self.model, name) for name in super().get_search_fields(request)]

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        if changelist.date_hierarchy:
            changelist.queryset = with_bounded_years(changelist.queryset)
        return changelist

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            self.persist(request, obj)

    def save_formset(self, request, form, formset, change):
        inline = self._inline_for(request, formset.model)
        for obj in formset.save(commit=False):
            inline.persist(request, obj)
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()

    def _inline_for(self, request, model):
        for inline in self.get_inline_instances(request):
            if inline.model is model:
                return inline
        raise LookupError(model)


class ScopedInlineMixin(ScopedFormMixin):
    """Base of every inline: same scoping, same services."""

    extra = 0
    show_change_link = True


class ScopedTabularInline(ScopedInlineMixin, admin.TabularInline):
    pass


class ScopedStackedInline(ScopedInlineMixin, admin.StackedInline):
    pass


def fields_without(fieldsets, hidden):
    """The fieldsets with the ``hidden`` fields taken out (and sets left empty dropped)."""
    result = []
    for name, options in fieldsets:
        fields = []
        for entry in options.get("fields", ()):
            if isinstance(entry, list | tuple):
                kept = tuple(f for f in entry if f not in hidden)
                if kept:
                    fields.append(kept)
            elif entry not in hidden:
                fields.append(entry)
        if fields:
            result.append((name, {**options, "fields": fields}))
    return result


class ConfidentialFieldsMixin:
    """Identity and medical fields appear only to users whose role may see them for this
    allegation (``roles.sees_identity``); entering a new record shows them (write-only)."""

    confidential_fields: tuple = ()

    def shows_confidential(self, request, obj) -> bool:
        if obj is None or obj.pk is None:
            return True
        return roles.sees_identity(request.user, roles.case_of(obj))

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.shows_confidential(request, obj):
            return fieldsets
        return fields_without(fieldsets, set(self.confidential_fields))


class EvidenceAdminMixin:
    """Records that are evidence: no delete button, no delete action, no delete view."""

    def has_delete_permission(self, request, obj=None):
        return False


class VocabularyAdmin(ScopedAdmin):
    """Reference data: code, names in four languages, country, validity."""

    list_display = ("code", "name", "country", "valid_from", "valid_to", "sort_order")
    list_filter = ("country",)
    search_fields = ("code", "name_en", "name_ru", "name_kk", "name_ky")
    ordering = ("sort_order", "code")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("country")


@admin.register(Country)
class CountryAdmin(ScopedAdmin):
    list_display = ("code", "name", "timezone", "duty_email")
    search_fields = ("code", "name_en", "name_ru", "name_kk", "name_ky")
    fields = ("code", "name_en", "name_ru", "name_kk", "name_ky", "timezone", "duty_email")


@admin.register(DayTransfer)
class DayTransferAdmin(ScopedAdmin):
    """Days moved by government decree, which the working-day calendar reads before the package."""

    list_display = ("country", "day", "kind", "legal_source")
    list_filter = ("country", "kind")
    date_hierarchy = "day"
    search_fields = ("legal_source", "note")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("country")


class TransitionForm(forms.Form):
    """What a lifecycle step asks for; fields appear according to the step's needs."""

    occurred_at = forms.SplitDateTimeField(
        label=_("When it happened"), widget=AdminSplitDateTime, initial=timezone.now
    )
    expected_status = forms.CharField(widget=forms.HiddenInput)
    document_number = forms.CharField(label=_("Document number"), required=False, max_length=100)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea({"rows": 3}))
    external_number = forms.CharField(label=_("External register number"), max_length=64)
    reason = forms.ChoiceField(label=_("Reason"))
    article = forms.CharField(label=_("Article"), max_length=100)
    sentence = forms.CharField(label=_("Sentence"), max_length=300)
    addressee = forms.CharField(label=_("Addressee of the appeal"), max_length=300)
    new_term = forms.DateField(label=_("New term"), widget=AdminDateWidget)

    OPTIONAL_ALWAYS = ("document_number", "note")

    def __init__(self, *args, step, reasons=(), extra_fields=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("external_number", "reason", "article", "sentence", "addressee", "new_term"):
            if name not in step.needs:
                del self.fields[name]
        if "note" in step.needs:
            self.fields["note"].required = True
        if "reason" in self.fields:
            self.fields["reason"].choices = [("", "---------"), *reasons]
        for name, field in (extra_fields or {}).items():
            self.fields[name] = field


def unicode_search(model, name: str) -> str:
    """A search field of the admin, searched case-insensitively in any script (lookups.py)."""
    if name[:1] in "^=@" or ("__" in name and name.rsplit("__", 1)[1] == "uicontains"):
        return name
    try:
        field = get_fields_from_path(model, name)[-1]
    except (FieldDoesNotExist, NotRelationField):
        return name
    if isinstance(field, (models.CharField, models.TextField)) and not field.choices:
        return f"{name}__uicontains"
    return name


class TransitionAdminMixin:
    """Offers exactly the steps allowed from the current status, as buttons on the object's page;
    each opens a form asking for what the step needs and calls the model's transition service.

    A model admin sets ``lifecycle`` and implements ``transition_context`` (country code and
    opening day of the record) and ``perform_transition``.
    """

    lifecycle = None
    change_form_template = "admin/npm_tracker/change_form_transitions.html"
    step_labels: dict = {}
    reasons: tuple = ()

    def transition_context(self, obj):  # pragma: no cover - overridden
        raise NotImplementedError

    def perform_transition(self, request, obj, step, data):  # pragma: no cover - overridden
        raise NotImplementedError

    def transition_extra_fields(self, request, obj, step):
        return {}

    report_kind = None  # a report made of one record ("visit", "referral_letter"), if any

    def report_request_url(self, obj) -> str:
        """The admin form asking for this record's report, filled in."""
        field = "visit" if self.report_kind == "visit" else "referral"
        query = urlencode(
            {
                "kind": self.report_kind,
                field: obj.pk,
                "country": self.report_country(obj).pk,
                "language": translation.get_language(),
            }
        )
        return reverse("admin:reports_reportrun_add") + "?" + query

    def report_country(self, obj):  # pragma: no cover - overridden where report_kind is set
        raise NotImplementedError

    def object_links(self, request, obj) -> list[tuple[str, str]]:
        """Further (label, url) buttons of the record's page, e.g. adding a record linked to it."""
        return []

    def allowed_steps(self, obj):
        country, opened_on = self.transition_context(obj)
        return self.lifecycle.allowed(country, opened_on, obj.status)

    def step_label(self, name):
        return self.step_labels.get(name, name.replace("_", " "))

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/transition/<str:step>/",
                self.admin_site.admin_view(self.transition_view),
                name="{}_{}_transition".format(*info),
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        obj = self.get_object(request, object_id)
        if obj is not None and self.has_change_permission(request, obj):
            extra_context["transitions"] = [
                (s.name, self.step_label(s.name)) for s in self.allowed_steps(obj)
            ]
            extra_context["transition_url"] = (
                f"admin:{self.opts.app_label}_{self.opts.model_name}_transition"
            )
        if obj is not None and self.report_kind:
            extra_context["report_url"] = self.report_request_url(obj)
        if obj is not None:
            extra_context["object_links"] = self.object_links(request, obj)
        return super().change_view(request, object_id, form_url, extra_context)

    def transition_view(self, request, object_id, step):
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        chosen = next((s for s in self.allowed_steps(obj) if s.name == step), None)
        change_url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk]
        )
        if chosen is None:
            messages.error(request, _("This step is not possible from the current status."))
            return HttpResponseRedirect(change_url)
        form_kwargs = {
            "step": chosen,
            "reasons": self.reasons,
            "extra_fields": self.transition_extra_fields(request, obj, chosen),
        }
        if request.method == "POST":
            form = TransitionForm(request.POST, **form_kwargs)
            if form.is_valid():
                try:
                    self.perform_transition(request, obj, chosen, form.cleaned_data)
                except ValidationError as error:
                    _attach_errors(form, error)
                else:
                    messages.success(
                        request,
                        _("“%(step)s” recorded.") % {"step": self.step_label(chosen.name)},
                    )
                    return HttpResponseRedirect(change_url)
        else:
            form = TransitionForm(initial={"expected_status": obj.status}, **form_kwargs)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "title": self.step_label(chosen.name),
            "form": form,
            "media": self.media + form.media,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/npm_tracker/transition_form.html", context)


def _attach_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class AssignedToMeFilter(admin.SimpleListFilter):
    """ "Mine": the records whose allegation is assigned to the logged-in officer."""

    title = _("officer")
    parameter_name = "mine"
    lookup = "assigned_officer"

    def lookups(self, request, model_admin):
        return [("1", _("assigned to me"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(**{self.lookup: request.user})
        return queryset


@admin.register(AccessLog)
class AccessLogAdmin(ScopedAdmin):
    """Who read which identity or medical data, when, from where: read-only, for auditors and
    heads. The "unusual access" page lists users reading far more records than their peers."""

    list_display = (
        "at",
        "reader",
        "channel",
        "what",
        "object_type",
        "allegation_link",
        "ip_address",
    )
    list_filter = ("channel", "what", "country", ("user", admin.RelatedOnlyFieldListFilter))
    date_hierarchy = "at"
    search_fields = ("object_id", "allegation_id", "actor_label", "user__username")
    list_select_related = ("user",)
    change_list_template = "admin/npm_tracker/accesslog/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("reader"), ordering="user__username")
    def reader(self, obj):
        return obj.user or obj.actor_label

    @admin.display(description=_("allegation"))
    def allegation_link(self, obj):
        if obj.allegation_id is None:
            return "—"
        url = reverse("admin:cases_allegation_change", args=[obj.allegation_id])
        return format_html('<a href="{}">{}</a>', url, pgettext("link to open a record", "open"))

    def get_urls(self):
        return [
            path(
                "unusual/",
                self.admin_site.admin_view(self.unusual_view),
                name="npm_tracker_accesslog_unusual",
            ),
            *super().get_urls(),
        ]

    def unusual_view(self, request):
        from npm_tracker.core.access import unusual_readers

        if not self.has_view_permission(request):
            raise PermissionDenied
        days = 30
        rows = unusual_readers(self.get_queryset(request), days=days)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Unusual access"),
            "rows": rows,
            "days": days,
        }
        return TemplateResponse(request, "admin/npm_tracker/accesslog/unusual.html", context)


# Staff accounts, roles, two-factor devices, login attempts and OAuth applications.
from npm_tracker.core import admin_accounts  # noqa: E402, F401
