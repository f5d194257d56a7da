"""The admin site: with ``REQUIRE_TWO_FACTOR`` a staff user is in only after a TOTP token."""

from django.conf import settings
from django.contrib import admin
from django_otp.admin import OTPAdminAuthenticationForm


def two_factor_required() -> bool:
    return settings.REQUIRE_TWO_FACTOR


class NpmAdminSite(admin.AdminSite):
    index_template = "admin/npm_tracker/dashboard.html"

    def index(self, request, extra_context=None):
        """The home page: the user's work (npm_tracker.dashboard) above the list of models."""
        from npm_tracker.dashboard import dashboard_for

        extra_context = {**(extra_context or {}), "dashboard": dashboard_for(request.user)}
        return super().index(request, extra_context)

    def has_permission(self, request):
        allowed = super().has_permission(request)
        if allowed and two_factor_required():
            return request.user.is_verified()
        return allowed

    def get_urls(self):
        from django.urls import path

        from npm_tracker.core.reauth import reauth_view

        return [
            path(
                "reauth/",
                self.admin_view(lambda request: reauth_view(request, self)),
                name="reauth",
            ),
            *super().get_urls(),
        ]

    def login(self, request, extra_context=None):
        self.login_form = OTPAdminAuthenticationForm if two_factor_required() else None
        return super().login(request, extra_context)
