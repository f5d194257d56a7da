"""Scopes per operation: reading needs ``read``, writing ``write``; a view may name other scopes
per action (``scopes_by_action``) or accept any of several (``scopes_any_of``). A prosecutor's
office client reaches only the actions a view opens to it (``prosecutor_actions``)."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from npm_tracker.api.auth import ClientPrincipal, scopes_of


class HasScope(BasePermission):
    message = "The credentials do not carry the scope this operation needs."

    def has_permission(self, request, view):
        user = request.user
        if user is None or not getattr(user, "is_authenticated", False):
            return False  # answered 401 by DRF, with WWW-Authenticate
        held = scopes_of(user)
        action = getattr(view, "action", None)
        if isinstance(user, ClientPrincipal) and user.api_client.prosecutor_office_id:
            return action in getattr(view, "prosecutor_actions", ())
        any_of = getattr(view, "scopes_any_of", None)
        if any_of:
            return bool(held & frozenset(any_of))
        needed = getattr(view, "scopes_by_action", {}).get(action)
        if needed is None:
            needed = "read" if request.method in SAFE_METHODS else "write"
        return needed in held
