"""The devices of the field kit, per user: when each last synced, how many batches it sent, how
many operations wait on it (as it last reported), and revoking one (its next sync is refused;
the kit then wipes what it holds)."""

from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from fieldkit import services
from fieldkit.models import Device
from npm_tracker.core.admin import staff_of_my_countries
from npm_tracker.core.models import ApiClient
from npm_tracker.core.scoping import user_country_ids


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "user",
        "owner",
        "created_at",
        "last_sync_at",
        "batches",
        "pending_operations",
        "reported_at",
        "revoked_at",
    )
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("owner", "user__username", "user__last_name")
    readonly_fields = (
        "id",
        "owner",
        "user",
        "created_at",
        "last_sync_at",
        "pending_operations",
        "reported_at",
        "revoked_at",
    )
    actions = ("revoke",)

    def get_queryset(self, request):
        """The devices of staff who share a country with the user and of the API clients of
        the user's countries (all of them for superusers)."""
        devices = super().get_queryset(request).select_related("user").annotate(n=Count("batches"))
        user = request.user
        if user.is_superuser:
            return devices
        clients = ApiClient.objects.filter(country__in=user_country_ids(user) or ())
        labels = [
            f"api-client:{c}" for c in clients.values_list("application__client_id", flat=True)
        ]
        return devices.filter(Q(user__in=staff_of_my_countries(user)) | Q(owner__in=labels))

    @admin.display(description=_("batches synced"), ordering="n")
    def batches(self, device) -> int:
        return device.n

    def has_add_permission(self, request):
        return False  # a device registers itself at its first sync

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never erased: its batches stay on record

    @admin.action(description=_("Revoke the selected devices"), permissions=["change"])
    def revoke(self, request, queryset):
        devices = list(queryset)
        for device in devices:
            services.device_revoke(device=device)
        self.message_user(
            request,
            ngettext(
                "%(count)d device revoked: its next sync is refused.",
                "%(count)d devices revoked: their next sync is refused.",
                len(devices),
            )
            % {"count": len(devices)},
        )
