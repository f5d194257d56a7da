"""The admin of staff accounts and what guards them: users, roles (groups), two-factor devices,
login attempts (django-axes) and OAuth applications (django-oauth-toolkit), each within the rules
of ``npm_tracker.core.accounts``."""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import display_for_value, unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin as _TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from npm_tracker.core import accounts
from npm_tracker.core.admin import fields_without
from npm_tracker.core.models import StaffProfile
from npm_tracker.core.reauth import RecentPasswordRequiredMixin


class StaffProfileForm(forms.ModelForm):
    class Meta:
        model = StaffProfile
        fields = ("countries", "preferred_language")

    def __init__(self, *args, require_countries=False, **kwargs):
        super().__init__(*args, **kwargs)
        if require_countries and "countries" in self.fields:
            self.fields["countries"].required = True


class StaffProfileInline(admin.StackedInline):
    """The countries an account works for: only among the editor's own, never the editor's own
    account (``npm_tracker.core.accounts``)."""

    model = StaffProfile
    form = StaffProfileForm
    can_delete = False
    filter_horizontal = ("countries",)
    verbose_name_plural = _("countries and language")

    def get_min_num(self, request, obj=None, **kwargs):
        # An account made by anyone but a superuser must work for at least one of their countries.
        return 0 if request.user.is_superuser else 1

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = type(
            "StaffProfileForm",
            (formset.form,),
            {"__init__": _with_required_countries(not request.user.is_superuser)},
        )
        return formset

    def get_readonly_fields(self, request, obj=None):
        if not accounts.may_change_roles(request.user, obj):
            return ("countries",)
        return ()

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "countries":
            kwargs["queryset"] = accounts.grantable_countries(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


def _with_required_countries(required: bool):
    def __init__(self, *args, **kwargs):
        StaffProfileForm.__init__(self, *args, require_countries=required, **kwargs)

    return __init__


User = get_user_model()
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(RecentPasswordRequiredMixin, DjangoUserAdmin):
    """Staff accounts with the countries they work for, managed within the rules of
    ``npm_tracker.core.accounts``; every change of roles is logged."""

    inlines = (StaffProfileInline,)
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "countries")

    def get_queryset(self, request):
        queryset = super().get_queryset(request).prefetch_related("staff_profile__countries")
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=accounts.manageable_users(request.user).values("pk"))

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return fields_without(fieldsets, {"is_superuser", "user_permissions"})

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not accounts.may_change_roles(request.user, obj):
            readonly += ["groups", "is_superuser", "user_permissions"]
        return readonly

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["queryset"] = accounts.grantable_groups(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        stored = User.objects.filter(pk=obj.pk).first() if change else None
        request._npm_account_before = accounts.Standing.of(stored)
        request._npm_roles_kept = (
            list(stored.groups.exclude(pk__in=accounts.grantable_groups(request.user)))
            if stored is not None
            else []
        )
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        account = form.instance
        # Roles the editor may not grant are not theirs to take away either.
        account.groups.add(*request._npm_roles_kept)
        account.refresh_from_db()
        accounts.record_role_change(
            actor=request.user,
            account=account,
            before=request._npm_account_before,
            after=accounts.Standing.of(account),
            request=request,
        )

    def user_change_password(self, request, id, form_url=""):
        refused = self._reauth(request)
        if refused is not None:
            return refused
        account = self.get_object(request, unquote(id))
        if account is not None and not accounts.may_take_over(request.user, account):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    @admin.display(description=_("countries"))
    def countries(self, obj):
        profile = getattr(obj, "staff_profile", None)
        if profile is None:
            return ""
        return ", ".join(c.code for c in profile.countries.all())


@admin.register(Group)
class RoleGroupAdmin(GroupAdmin):
    """The roles and what each may do are seeded from the apps' declarations
    (``npm_tracker.core.roles``): only a superuser changes them."""

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


# django-otp's model and admin carry English labels that are not marked for translation: the
# device admin names every field, section and column itself, in the user's language.
TOTP_LABELS = {
    "user": (_("user"), ""),
    "name": (_("device name"), _("A name for the user to recognise the device by.")),
    "confirmed": (_("confirmed"), _("Only a confirmed device can be used to log in.")),
    "created_at": (_("created at"), ""),
    "last_used_at": (_("last used at"), ""),
    "key": (_("secret key"), _("The shared secret, in hexadecimal (up to 40 bytes).")),
    "step": (_("time step"), _("Seconds each code is valid for.")),
    "t0": (_("start time"), _("Unix time from which the time steps are counted.")),
    "digits": (_("digits"), ""),
    "tolerance": (_("tolerance"), _("Time steps before or after the current one accepted.")),
    "drift": (_("drift"), _("Time steps the device's clock is known to be off.")),
    "last_t": (_("last time step used"), ""),
    "throttling_failure_timestamp": (_("last failed attempt at"), ""),
    "throttling_failure_count": (_("failed attempts in a row"), ""),
}
TOTP_SECTIONS = {
    "Identity": _("Device"),
    "Timestamps": _("Dates"),
    "Configuration": _("Configuration"),
    "State": pgettext_lazy("device", "State"),
    "Throttling": _("Failed attempts"),
}


def _totp_column(name):
    @admin.display(description=TOTP_LABELS[name][0], ordering=name)
    def column(*args):  # a list column (device) or a read-only field method (admin, device)
        value = getattr(args[-1], name)
        return value if name == "confirmed" else display_for_value(value, "-")

    if name == "confirmed":
        column.boolean = True
    column.__name__ = f"totp_{name}"
    return column


class _ConfirmedFilter(admin.BooleanFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = TOTP_LABELS["confirmed"][0]


class TOTPDeviceAdmin(RecentPasswordRequiredMixin, _TOTPDeviceAdmin):
    """Two-factor devices: adding or removing one asks for the administrator's password again.
    Devices are listed for the accounts the administrator manages; adding, changing, removing
    one or showing its secret (QR code) only for accounts they may take over
    (``accounts.may_take_over``)."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(user__in=accounts.manageable_users(request.user).values("pk"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = accounts.takeover_candidates(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or accounts.may_take_over(request.user, obj.user))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or accounts.may_take_over(request.user, obj.user))

    def _secret_shown(self, request, pk):
        device = self.get_queryset(request).filter(pk=pk).first()
        if device is None:
            raise Http404
        if not self.has_change_permission(request, device):
            raise PermissionDenied
        return self._reauth(request)

    def config_view(self, request, pk):
        return self._secret_shown(request, pk) or super().config_view(request, pk)

    def qrcode_view(self, request, pk):
        return self._secret_shown(request, pk) or super().qrcode_view(request, pk)

    list_display = [
        _totp_column(n) for n in ("user", "name", "created_at", "last_used_at", "confirmed")
    ]
    list_filter = [("confirmed", _ConfirmedFilter)]
    readonly_fields = ["totp_created_at", "totp_last_used_at", "qrcode_link"]

    totp_created_at = _totp_column("created_at")
    totp_last_used_at = _totp_column("last_used_at")

    @admin.display(description=_("QR code"))
    def qrcode_link(self, device):
        if device.pk is None:
            return ""
        href = reverse("admin:otp_totp_totpdevice_config", kwargs={"pk": device.pk})
        return format_html('<a href="{}">{}</a>', href, _("show the QR code"))

    def get_fieldsets(self, request, obj=None):
        readonly = {"created_at": "totp_created_at", "last_used_at": "totp_last_used_at"}
        return [
            (
                TOTP_SECTIONS.get(name, name),
                {**options, "fields": [readonly.get(f, f) for f in options["fields"]]},
            )
            for name, options in super().get_fieldsets(request, obj)
        ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and db_field.name in TOTP_LABELS:
            field.label, field.help_text = TOTP_LABELS[db_field.name]
        return field


admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, TOTPDeviceAdmin)


def _rescoped(model, mixin):
    """Register ``model`` again with its library's admin class and ``mixin`` before it."""
    library_admin = type(admin.site._registry[model])
    admin.site.unregister(model)
    admin.site.register(model, type(library_admin.__name__, (mixin, library_admin), {}))


class LoginAttemptsOfMyCountries:
    """django-axes' pages: the login attempts of the accounts of the user's countries (attempts
    for names that are no account of theirs, such as password spraying, to superusers)."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        names = accounts.manageable_users(request.user).values("username")
        return queryset.filter(username__in=names)


class SuperusersOnly:
    """django-oauth-toolkit's pages (applications, tokens, grants) span every country: API
    clients are managed with the ``create_api_client`` commands, these pages by superusers."""

    def has_module_permission(self, request):
        return request.user.is_superuser and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return request.user.is_superuser and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


def _rescope_libraries():
    from axes.models import AccessAttempt, AccessFailureLog
    from axes.models import AccessLog as LoginLog
    from oauth2_provider.models import (
        get_access_token_model,
        get_application_model,
        get_grant_model,
        get_id_token_model,
        get_refresh_token_model,
    )

    for model in (AccessAttempt, AccessFailureLog, LoginLog):
        _rescoped(model, LoginAttemptsOfMyCountries)
    for get_model in (
        get_application_model,
        get_access_token_model,
        get_grant_model,
        get_id_token_model,
        get_refresh_token_model,
    ):
        _rescoped(get_model(), SuperusersOnly)


_rescope_libraries()
