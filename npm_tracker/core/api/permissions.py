"""Scopes per operation: reading needs ``read``, writing ``write``; a view may name other scopes
per action (``scopes_by_action``) or accept any of several (``scopes_any_of``). A prosecutor's
office client reaches only the actions a view opens to it (``prosecutor_actions``; the HTTP
methods, for a view without actions)."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from npm_tracker.core.api.auth import ClientPrincipal, scopes_of
from npm_tracker.core.api.oauth import BOUND_SCOPES


class HasScope(BasePermission):
    message = "The credentials do not carry the scope this operation needs."

    def has_permission(self, request, view):
        user = request.user
        if user is None or not getattr(user, "is_authenticated", False):
            return False  # answered 401 by DRF, with WWW-Authenticate
        held = scopes_of(user)
        action = getattr(view, "action", None)
        if isinstance(user, ClientPrincipal) and user.api_client.scope_set & BOUND_SCOPES:
            # A view without actions (an APIView) names the HTTP methods it opens.
            opened = action if action is not None else request.method.lower()
            return opened in getattr(view, "prosecutor_actions", ())
        if not _staff_model_permission(request, view):
            return False
        any_of = getattr(view, "scopes_any_of", None)
        if any_of:
            return bool(held & frozenset(any_of))
        needed = getattr(view, "scopes_by_action", {}).get(action)
        if needed is None:
            needed = "read" if request.method in SAFE_METHODS else "write"
        return needed in held


def _staff_model_permission(request, view) -> bool:
    """Staff sessions hold the same model permissions on the API as in the admin (their role):
    viewing needs ``view_<model>``, creating ``add_<model>``, other writes ``change_<model>``."""
    from django.contrib.auth.models import AbstractUser

    user = request.user
    if not isinstance(user, AbstractUser) or user.is_superuser:
        return True
    model = getattr(view, "permission_model", None)
    if model is None:
        try:
            model = view.get_queryset().model
        except (AttributeError, AssertionError, KeyError, TypeError):
            return True  # views without a model (statistics, vocabularies): scopes decide
    if request.method in SAFE_METHODS:
        action = "view"
    elif getattr(view, "action", None) == "create":
        action = "add"
    else:
        action = "change"
    return user.has_perm(f"{model._meta.app_label}.{action}_{model._meta.model_name}")
