"""Who calls the API: a partner system (OAuth2 client credentials) or a staff member (session).

Client-credential tokens have no user; the caller is a ``ClientPrincipal`` that carries the
client's country, its token's scopes and its audit label, so visibility, throttling and the audit
trail are keyed by the client.
"""

import pghistory
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication

STAFF_SCOPES = frozenset({"read", "write", "confidential", "complaints", "reports"})


class ClientPrincipal:
    """A partner system acting through a token. Behaves enough like a user for scoping."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_superuser = False
    is_staff = False
    pk = None
    id = None

    def __init__(self, api_client, scopes):
        self.api_client = api_client
        self.scopes = frozenset(scopes) & api_client.scope_set
        self._npm_country_ids = frozenset({api_client.country_id})

    @property
    def audit_label(self) -> str:
        return f"api-client:{self.api_client.application.client_id}"

    @property
    def throttle_key(self) -> str:
        return self.audit_label

    def __str__(self) -> str:
        return self.audit_label

    def get_username(self) -> str:
        return self.api_client.name

    def has_perm(self, *args, **kwargs) -> bool:
        return False


def caller_label(user) -> str:
    """Who is calling, as keys and logs name it: ``api-client:<id>`` or ``user:<pk>``."""
    return user.audit_label if isinstance(user, ClientPrincipal) else f"user:{user.pk}"


def scopes_of(user) -> frozenset:
    """The scopes a caller holds on this request."""
    if isinstance(user, ClientPrincipal):
        return user.scopes
    if isinstance(user, AbstractUser) and user.is_active and user.is_staff:
        from npm_tracker.core import roles

        return STAFF_SCOPES if roles.sees_identity(user) else STAFF_SCOPES - {"confidential"}
    return frozenset()


class ClientCredentialsAuthentication(OAuth2Authentication):
    www_authenticate_realm = "api"

    def authenticate(self, request):
        # The token in the Authorization header only: never in a form body or the query string
        # (RFC 6750 allows both; they end up in logs and browser histories).
        if not request.META.get("HTTP_AUTHORIZATION", "").startswith("Bearer "):
            return None
        result = super().authenticate(request)
        if result is None:
            return None
        _user, token = result
        api_client = getattr(token.application, "api_client", None)
        if api_client is None or not api_client.is_active or token.user_id is not None:
            raise exceptions.AuthenticationFailed("This client is not allowed to use the API.")
        principal = ClientPrincipal(api_client, token.scope.split())
        pghistory.context(actor=principal.audit_label)
        return principal, token

    def authenticate_header(self, request):
        return f'Bearer realm="{self.www_authenticate_realm}"'


class StaffSessionAuthentication(SessionAuthentication):
    """Staff use the API with their admin session (browsable API)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None or not result[0].is_staff:
            return None
        if settings.REQUIRE_TWO_FACTOR and not _verified(request):
            return None  # the same two-factor login as the admin
        return result


def _verified(request) -> bool:
    user = getattr(request._request, "user", None)
    return bool(user is not None and getattr(user, "is_verified", lambda: False)())
