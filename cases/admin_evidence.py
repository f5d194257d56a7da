"""Staff admin of the medical evidence and of evidence files: the Istanbul Protocol
examination page with its lesions on the body diagram, the psychological evaluation, and each
evidence file's page with its sealed original and chain of custody (opening the original and
recording a physical transfer ask for a purpose and are logged in it).

Everything here is identity or medical data: pages open only to roles that see the case's
identity (``roles.sees_identity``), and each page shown is logged as a read."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from cases import body, choices, services
from cases.models import CustodyEvent, Evidence, Lesion, MedicalExamination, PsychologicalEvaluation
from cases.uploads import evidence_file_response
from npm_tracker.core import roles
from npm_tracker.core.access import record_reads
from npm_tracker.core.admin import (
    ConfidentialFieldsMixin,
    EvidenceAdminMixin,
    ScopedAdmin,
    ScopedStackedInline,
    ScopedTabularInline,
)
from npm_tracker.core.models import AccessChannel


class IdentityPagesMixin:
    """The model's pages only for roles that see the identity of the record's case."""

    def has_view_permission(self, request, obj=None):
        if not super().has_view_permission(request, obj):
            return False
        case = roles.case_of(obj) if obj is not None else None
        return (
            roles.sees_identity(request.user, case) if case else roles.sees_identity(request.user)
        )

    def has_change_permission(self, request, obj=None):
        return self.has_view_permission(request, obj) and super().has_change_permission(
            request, obj
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = getattr(response, "context_data", {}).get("original")
        if response.status_code == 200 and obj is not None:
            record_reads(
                actor=request.user,
                channel=AccessChannel.ADMIN,
                records=[obj],
                what=self.read_as,
                request=request,
            )
        return response


class LesionInline(ConfidentialFieldsMixin, EvidenceAdminMixin, ScopedTabularInline):
    model = Lesion
    confidential_fields = ("size", "colour", "age_estimate", "description")
    fields = (
        "number",
        "region",
        "side",
        "view",
        "type",
        "size",
        "colour",
        "age_estimate",
        "consistency",
        "description",
        "x",
        "y",
    )
    readonly_fields = ("number",)
    show_change_link = False
    formfield_overrides = {}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in ("x", "y") and field is not None:
            field.widget.attrs.update({"class": "lesion-coordinate"})
        if db_field.name == "description" and field is not None:
            field.widget = forms.Textarea(attrs={"rows": 2, "cols": 28})
        return field

    def persist(self, request, obj):
        return services.lesion_save(actor=request.user, lesion=obj)


@admin.register(MedicalExamination)
class MedicalExaminationAdmin(
    IdentityPagesMixin, ConfidentialFieldsMixin, EvidenceAdminMixin, ScopedAdmin
):
    """An examination documented under the Istanbul Protocol (2022): the person's account,
    the findings lesion by lesion on the body diagram, and the physician's opinion."""

    read_as = "medical"
    confidential_fields = ("examiner", "account", "findings", "opinion")
    list_display = ("__str__", "allegation", "istanbul_protocol", "consistency")
    list_filter = ("istanbul_protocol", "allegation__country")
    list_select_related = ("allegation", "consistency")
    search_fields = ("allegation__reference",)
    readonly_fields = ("allegation", "diagram")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "allegation",
                    ("examined_on", "examiner"),
                    ("institution", "place"),
                    ("guards_present", "istanbul_protocol"),
                    "account",
                    "findings",
                )
            },
        ),
        (_("Body diagram"), {"fields": ("diagram",)}),
        (_("Opinion"), {"fields": ("consistency", "opinion")}),
    )
    inlines = (LesionInline,)

    class Media:
        js = ("cases/body_diagram.js",)
        css = {"all": ("cases/body_diagram.css",)}

    def has_add_permission(self, request):
        return False  # added on the allegation's page

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("lesions")

    @admin.display(description=_("body diagram"))
    def diagram(self, obj):
        from django.template.loader import render_to_string

        lesions = list(obj.lesions.all()) if obj.pk else []
        return render_to_string(
            "cases/body_diagram_editor.html",
            {
                "svg": mark_safe(body.svg(lesions)),
                "geometry": body.geometry(),
                "editable": True,
            },
        )

    def persist(self, request, obj):
        return services.allegation_part_save(actor=request.user, part=obj)


class PsychologicalEvaluationInline(
    ConfidentialFieldsMixin, EvidenceAdminMixin, ScopedStackedInline
):
    model = PsychologicalEvaluation
    confidential_fields = ("evaluator", "symptoms", "opinion")
    fields = (
        ("evaluated_on", "evaluator", "place"),
        ("guards_present", "instruments"),
        "symptoms",
        ("consistency", "opinion"),
    )
    show_change_link = False

    def persist(self, request, obj):
        return services.allegation_part_save(actor=request.user, part=obj)


class CustodyInline(ScopedTabularInline):
    model = CustodyEvent
    fields = ("occurred_at", "kind", "by", "purpose", "handed_to", "document_number")
    readonly_fields = fields
    show_change_link = False
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class PurposeForm(forms.Form):
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=500,
        help_text=_("Why the original is opened: it is written in the chain of custody."),
    )


class TransferForm(forms.Form):
    handed_to = forms.CharField(label=_("Handed to"), max_length=300)
    purpose = forms.CharField(label=_("Purpose"), max_length=500)
    document_number = forms.CharField(label=_("Document number"), max_length=100, required=False)
    occurred_at = forms.DateTimeField(label=_("When"), required=False)


@admin.register(Evidence)
class EvidenceAdmin(IdentityPagesMixin, EvidenceAdminMixin, ScopedAdmin):
    """An evidence file: its fingerprints, its sealed original and its chain of custody. Files
    are added on the allegation's page and never changed."""

    read_as = "evidence file name"
    list_display = ("__str__", "allegation", "kind", "metadata_removed", "created_at")
    list_filter = ("kind", "allegation__country")
    list_select_related = ("allegation",)
    search_fields = ("allegation__reference", "sha256")
    fields = (
        "allegation",
        "kind",
        "filename",
        "description",
        "content_type",
        "size",
        "sha256",
        "served_size",
        "served_sha256",
        "metadata_removed",
        "original_kept",
        "supersedes",
        "uploaded_by",
        "created_at",
        "files",
    )
    readonly_fields = fields
    inlines = (CustodyInline,)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("original kept"), boolean=True)
    def original_kept(self, obj):
        return obj.original_kept

    @admin.display(description=_("files"))
    def files(self, obj):
        working = reverse("evidence-file", args=[obj.file.name])
        links = [format_html('<a href="{}">{}</a>', working, _("Download the working copy"))]
        if obj.original_kept:
            links.append(
                format_html(
                    '<a href="{}">{}</a>',
                    reverse("admin:cases_evidence_original", args=[obj.pk]),
                    _("Open the sealed original"),
                )
            )
        links.append(
            format_html(
                '<a href="{}">{}</a>',
                reverse("admin:cases_evidence_transfer", args=[obj.pk]),
                _("Record a physical transfer"),
            )
        )
        return format_html(" · ".join(["{}"] * len(links)), *links)

    def get_urls(self):
        return [
            path(
                "<uuid:pk>/original/",
                self.admin_site.admin_view(self.original_view),
                name="cases_evidence_original",
            ),
            path(
                "<uuid:pk>/transfer/",
                self.admin_site.admin_view(self.transfer_view),
                name="cases_evidence_transfer",
            ),
            *super().get_urls(),
        ]

    def _evidence(self, request, pk) -> Evidence:
        evidence = self.get_queryset(request).filter(pk=pk).select_related("allegation").first()
        # Outside one's scope or without the identity right, the file does not exist.
        if evidence is None or not roles.sees_identity(request.user, evidence.allegation):
            raise Http404
        return evidence

    def _form_page(self, request, evidence, form, title, explanation, submit):
        return TemplateResponse(
            request,
            "cases/custody_form.html",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "evidence": evidence,
                "form": form,
                "explanation": explanation,
                "submit": submit,
                "opts": self.model._meta,
            },
        )

    def original_view(self, request, pk):
        """The sealed original as received, metadata and all: asks for a purpose, writes it
        in the chain of custody and the access log, then sends the file."""
        evidence = self._evidence(request, pk)
        if not evidence.original_kept:
            raise Http404
        form = PurposeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            services.custody_record(
                actor=request.user,
                evidence=evidence,
                kind=choices.CustodyKind.VIEWED_ORIGINAL,
                purpose=form.cleaned_data["purpose"],
            )
            record_reads(
                actor=request.user,
                channel=AccessChannel.ADMIN,
                records=[evidence],
                what="evidence original",
                request=request,
            )
            return evidence_file_response(evidence, sealed_original=True)
        return self._form_page(
            request,
            evidence,
            form,
            _("Open the sealed original"),
            _(
                "The original keeps everything the file carried when it was received, such as "
                "where and when a photo was taken and with which device. Opening it is recorded "
                "in the chain of custody with your purpose."
            ),
            _("Open the original"),
        )

    def transfer_view(self, request, pk):
        """Record that the item (a printout, a storage medium, the device) was handed over."""
        evidence = self._evidence(request, pk)
        if not super().has_view_permission(request, evidence) or not request.user.has_perm(
            "cases.add_custodyevent"
        ):
            raise PermissionDenied
        form = TransferForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.custody_record(
                    actor=request.user,
                    evidence=evidence,
                    kind=choices.CustodyKind.TRANSFERRED,
                    purpose=form.cleaned_data["purpose"],
                    handed_to=form.cleaned_data["handed_to"],
                    document_number=form.cleaned_data["document_number"],
                    occurred_at=form.cleaned_data["occurred_at"],
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("The transfer is recorded in the chain of custody."))
                return redirect("admin:cases_evidence_change", evidence.pk)
        return self._form_page(
            request,
            evidence,
            form,
            _("Record a physical transfer"),
            _("Who received the item, when and why: the entry cannot be changed afterwards."),
            _("Record the transfer"),
        )
