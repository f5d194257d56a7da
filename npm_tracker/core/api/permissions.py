"""Scopes per operation: reading needs ``read``, writing ``write``; a view may name other scopes
per action (``scopes_by_action``) or accept any of several (``scopes_any_of``). A prosecutor's
office client reaches only the actions a view opens to it (``prosecutor_actions``; the HTTP
methods, for a view without actions).

``scope_alternatives`` is the one declaration: the permission check below and the published
schema (``security`` of each operation, npm_tracker/core/api/schema.py) both read it."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from npm_tracker.core.api.auth import ClientPrincipal, scopes_of
from npm_tracker.core.api.oauth import BOUND_SCOPES


def scope_alternatives(view, action, method: str) -> tuple[frozenset[str], ...]:
    """The sets of scopes that each suffice for ``action`` (or, outside a viewset, the HTTP
    ``method``) of ``view``: a caller may proceed when it holds every scope of one of them."""
    any_of = getattr(view, "scopes_any_of", None)
    if any_of:
        alternatives = [frozenset({scope}) for scope in any_of]
    else:
        needed = getattr(view, "scopes_by_action", {}).get(action)
        if needed is None:
            needed = "read" if method.upper() in SAFE_METHODS else "write"
        alternatives = [frozenset({needed})]
    # A view without actions (an APIView) names the HTTP methods it opens.
    opened = action if action is not None else method.lower()
    if opened in getattr(view, "prosecutor_actions", ()):
        alternatives.extend(frozenset({scope}) for scope in sorted(BOUND_SCOPES))
    return tuple(alternatives)


class HasScope(BasePermission):
    message = "The credentials do not carry the scope this operation needs."

    def has_permission(self, request, view):
        user = request.user
        if user is None or not getattr(user, "is_authenticated", False):
            return False  # answered 401 by DRF, with WWW-Authenticate
        held = scopes_of(user)
        alternatives = scope_alternatives(view, getattr(view, "action", None), request.method)
        if isinstance(user, ClientPrincipal) and user.api_client.scope_set & BOUND_SCOPES:
            # A bound client holds only its organisation's scope: the actions opened to it.
            return any(needed & BOUND_SCOPES and needed <= held for needed in alternatives)
        if not _staff_model_permission(request, view):
            return False
        return any(needed <= held for needed in alternatives)


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
