"""Roles (Django groups, seeded) and what each may see — the one place that says how it is
decided. What each role may do with an app's models, and which rows of them it sees, the app
declares in its own ``roles`` module, registered from its ``AppConfig.ready()``:

| role | case records (allegations and their parts, referrals, follow-ups) | identities |
|---|---|---|
| ``npm_head`` | everything in their countries | yes |
| ``case_officer`` | allegations assigned to them or that they entered | yes |
| ``monitor`` | raised on visits they are on, assigned to them, entered by them | if assigned |
| ``analyst`` | none (statistics and public reports) | no |
| ``auditor`` | everything in their countries, read-only | no |
| ``sysadmin`` | none (users and configuration) | no |

Superusers see everything. A staff user with no role sees no case records. API clients are
governed by their scopes (``api/``), system readers (reports, tasks) by their country.

Everyone is limited to their countries first (``scoping.user_country_ids``); a model whose rows a
role narrows further names the rule and its path to the rule's record in ``role_scope``, for
example ``role_scope = ("allegation", "referral__allegation")``.
"""

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q

HEAD = "npm_head"
CASE_OFFICER = "case_officer"
MONITOR = "monitor"
ANALYST = "analyst"
AUDITOR = "auditor"
SYSADMIN = "sysadmin"
ROLES = (HEAD, CASE_OFFICER, MONITOR, ANALYST, AUDITOR, SYSADMIN)
IDENTITY_ROLES = (HEAD, CASE_OFFICER)

WORK = ("view", "add", "change")
READ = ("view",)

# A grant: (app label, model names or "*", actions).
Grant = tuple[str, tuple[str, ...] | str, tuple[str, ...]]
# A rule: the condition a user's roles put on the rows of a model, given the path from that model
# to the rule's record (``""`` for the record itself, else ending in ``__``); ``None`` for none.
Rule = Callable[[Any, str], Q | None]

_GRANTS: dict[str, list[Grant]] = {role: [] for role in ROLES}
_RULES: dict[str, Rule] = {}


def grant(role: str, *grants: Grant) -> None:
    """Let the group of ``role`` hold these permissions (called from an app's ``ready()``)."""
    for item in grants:
        if item not in _GRANTS[role]:
            _GRANTS[role].append(item)


def register_rule(kind: str, rule: Rule) -> None:
    """Name a rule that models refer to in their ``role_scope``."""
    _RULES[kind] = rule


def grants() -> dict[str, list[Grant]]:
    """The permissions each role's group holds, as the apps declared them."""
    return {role: list(items) for role, items in _GRANTS.items()}


def roles_of(user) -> frozenset:
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_npm_roles", None)
    if cached is None:
        groups = getattr(user, "groups", None)
        cached = (
            frozenset(groups.values_list("name", flat=True)) if groups is not None else frozenset()
        )
        user._npm_roles = cached
    return cached


def is_staff_user(user) -> bool:
    return isinstance(user, AbstractBaseUser)


class AssignedRecord(Protocol):
    """A record with a responsible officer (an allegation)."""

    assigned_officer_id: Any


def sees_identity(user, record: AssignedRecord | None = None) -> bool:
    """May this user see the identity and medical fields (of this record)?"""
    if not is_staff_user(user):
        return False
    if user.is_superuser:
        return True
    roles = roles_of(user)
    if roles & set(IDENTITY_ROLES):
        return True
    if MONITOR in roles and record is not None:
        return record.assigned_officer_id == user.pk
    return False


def case_of(record):
    """The case a record with confidential fields belongs to (its identity rules follow it): the
    record itself when its model says ``is_case = True`` (an allegation), else its
    ``allegation``."""
    if getattr(type(record), "is_case", False):
        return record
    return getattr(record, "allegation", None)


def case_id_of(record):
    """The primary key of ``case_of(record)``, without reading the case."""
    if getattr(type(record), "is_case", False):
        return record.pk
    return getattr(record, "allegation_id", None)


def public_reports_only(user) -> bool:
    if not is_staff_user(user) or user.is_superuser:
        return False
    roles = roles_of(user)
    return ANALYST in roles and not roles & {HEAD, CASE_OFFICER, MONITOR, AUDITOR}


def role_filter(model, user) -> Q | None:
    """The condition a staff user's roles add to the rows of ``model`` (``None``: none)."""
    scope = getattr(model, "role_scope", None)
    if scope is None or not is_staff_user(user) or user.is_superuser:
        return None
    kind, path = scope
    return _RULES[kind](user, f"{path}__" if path else "")


def rows_rule(records: Callable[[], Any], condition: Callable[[Any], Q | None]) -> Rule:
    """A rule that keeps the rows reaching a record the user's ``condition`` opens; ``records``
    gives the records' queryset (called late, so the model may live in any app)."""

    def rule(user, prefix: str) -> Q | None:
        opened = condition(user)
        if opened is None:
            return None
        return Q(**{f"{prefix}pk__in": records().filter(opened).values("pk")})

    return rule


def _audit_rule(user, prefix: str) -> Q | None:
    return None if roles_of(user) & {HEAD, AUDITOR} else Q(pk__in=[])


register_rule("audit", _audit_rule)

# The core's own models and the libraries' that the roles work with.
grant(
    HEAD, ("npm_tracker", ("accesslog", "daytransfer"), READ), ("npm_tracker", ("country",), WORK)
)
grant(CASE_OFFICER, ("npm_tracker", ("country",), READ))
grant(MONITOR, ("npm_tracker", ("country",), READ))
grant(ANALYST, ("npm_tracker", ("country",), READ))
grant(
    AUDITOR,
    ("npm_tracker", "*", READ),
    ("pghistory", "*", READ),
    ("axes", "*", READ),
)
grant(
    SYSADMIN,
    ("auth", ("user",), WORK),
    ("auth", ("group",), READ),  # the roles are seeded; only a superuser changes them
    ("npm_tracker", ("staffprofile", "daytransfer", "apiclient", "webhook", "country"), WORK),
    ("otp_totp", "*", (*WORK, "delete")),
    ("axes", "*", ("view", "delete")),  # unlock a locked-out user
)


def ensure_groups() -> dict:
    """Create or update the role groups with exactly their permissions. Idempotent."""
    from django.contrib.auth.models import Group, Permission

    groups = {}
    for role, items in grants().items():
        wanted = Permission.objects.none()
        for app_label, models, actions in items:
            condition = Q(content_type__app_label=app_label) & Q(
                codename__regex=rf"^({'|'.join(actions)})_"
            )
            if models != "*":
                condition &= Q(content_type__model__in=_names(models))
            wanted |= Permission.objects.filter(condition)
        group, _created = Group.objects.get_or_create(name=role)
        ids = set(wanted.values_list("pk", flat=True))
        if set(group.permissions.values_list("pk", flat=True)) != ids:
            group.permissions.set(ids)
        groups[role] = group
    return groups


def _names(models: Iterable[str] | str) -> list[str]:
    return [models] if isinstance(models, str) else list(models)
