"""Roles (Django groups, seeded) and what each may see — the one place that says it.

Everyone is limited to their countries first (``scoping.user_country_ids``); a role then narrows
the rows of case records and decides whether identity and medical fields are shown:

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
"""

from django.db.models import Q

HEAD = "npm_head"
CASE_OFFICER = "case_officer"
MONITOR = "monitor"
ANALYST = "analyst"
AUDITOR = "auditor"
SYSADMIN = "sysadmin"
ROLES = (HEAD, CASE_OFFICER, MONITOR, ANALYST, AUDITOR, SYSADMIN)

# Permissions each role's group holds: (app label, model names or "*", actions).
CASE_MODELS = (
    "incident",
    "allegation",
    "victim",
    "witness",
    "perpetrator",
    "medicalexamination",
    "consent",
    "evidence",
    "referral",
    "referralevent",
    "allegationevent",
    "reprisalfollowup",
)
FACILITY_WORK = (
    "facility",
    "visit",
    "visitteammember",
    "visitobstacle",
    "visitfinding",
    "dissentingopinion",
    "recommendation",
    "recommendationresponse",
    "visitevent",
    "recommendationevent",
)
VOCABULARIES = {
    "facilities": (
        "country",
        "npmbody",
        "region",
        "agency",
        "facilitytype",
        "visittype",
        "examinedarea",
        "obstacletype",
    ),
    "cases": (
        "method",
        "allegationsource",
        "placeofincident",
        "consistencylevel",
        "prosecutoroffice",
        "deadlinerule",
    ),
}
WORK = ("view", "add", "change")
READ = ("view",)

PERMISSIONS = {
    HEAD: [
        ("facilities", "*", WORK),
        ("cases", "*", WORK),
        ("reports", "*", WORK),
        ("npm_tracker", ("accesslog", "daytransfer"), READ),
    ],
    CASE_OFFICER: [
        ("facilities", "*", READ),
        ("facilities", FACILITY_WORK, WORK),
        ("cases", CASE_MODELS, WORK),
        ("cases", VOCABULARIES["cases"], READ),
        ("reports", ("reportrun",), ("view", "add")),
    ],
    MONITOR: [
        ("facilities", "*", READ),
        ("facilities", FACILITY_WORK, WORK),
        ("cases", CASE_MODELS, WORK),
        ("cases", VOCABULARIES["cases"], READ),
        ("reports", ("reportrun",), ("view", "add")),
    ],
    ANALYST: [
        ("facilities", VOCABULARIES["facilities"] + ("facility",), READ),
        ("reports", ("reportrun",), ("view", "add")),
    ],
    AUDITOR: [
        ("facilities", "*", READ),
        ("cases", "*", READ),
        ("reports", "*", READ),
        ("npm_tracker", "*", READ),
        ("pghistory", "*", READ),
        ("axes", "*", READ),
    ],
    SYSADMIN: [
        ("auth", ("user", "group"), WORK),
        ("npm_tracker", ("staffprofile", "daytransfer", "apiclient", "webhook"), WORK),
        ("facilities", VOCABULARIES["facilities"], WORK),
        ("cases", VOCABULARIES["cases"], WORK),
        ("reports", ("reportschedule",), WORK),
        ("otp_totp", "*", (*WORK, "delete")),
        ("axes", "*", ("view", "delete")),  # unlock a locked-out user
        ("oauth2_provider", "*", READ),
    ],
}

IDENTITY_ROLES = (HEAD, CASE_OFFICER)


def roles_of(user) -> frozenset:
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_npm_roles", None)
    if cached is None:
        groups = getattr(user, "groups", None)
        cached = frozenset(groups.values_list("name", flat=True)) if groups is not None else None
        user._npm_roles = cached
    return cached


def is_staff_user(user) -> bool:
    from django.contrib.auth.models import AbstractBaseUser

    return isinstance(user, AbstractBaseUser)


def allegation_rule(user) -> Q | None:
    """The rows of allegations a staff user's roles open, within their countries; ``None`` when
    the roles open every allegation of those countries."""
    if not is_staff_user(user) or user.is_superuser:
        return None
    roles = roles_of(user)
    if roles & {HEAD, AUDITOR}:
        return None
    condition = Q(pk__in=[])
    if CASE_OFFICER in roles:
        condition |= Q(assigned_officer=user) | Q(created_by=user)
    if MONITOR in roles:
        condition |= Q(visit__team__user=user) | Q(assigned_officer=user) | Q(created_by=user)
    return condition


def visit_rule(user) -> Q | None:
    if not is_staff_user(user) or user.is_superuser:
        return None
    roles = roles_of(user)
    if roles & {HEAD, AUDITOR, CASE_OFFICER}:
        return None
    if MONITOR in roles:
        return Q(team__user=user) | Q(created_by=user)
    return Q(pk__in=[])


def sees_identity(user, allegation=None) -> bool:
    """May this user see the identity and medical fields (of this allegation)?"""
    if not is_staff_user(user):
        return False
    if user.is_superuser:
        return True
    roles = roles_of(user)
    if roles & set(IDENTITY_ROLES):
        return True
    if MONITOR in roles and allegation is not None:
        return allegation.assigned_officer_id == user.pk
    return False


def public_reports_only(user) -> bool:
    if not is_staff_user(user) or user.is_superuser:
        return False
    roles = roles_of(user)
    return ANALYST in roles and not roles & {HEAD, CASE_OFFICER, MONITOR, AUDITOR}


# How each model reaches the record a role rule is about: (rule, path). Models not listed are
# limited by country only.
SCOPES = {
    "cases.allegation": ("allegation", ""),
    "cases.victim": ("allegation", "allegation"),
    "cases.witness": ("allegation", "allegation"),
    "cases.perpetrator": ("allegation", "allegation"),
    "cases.medicalexamination": ("allegation", "allegation"),
    "cases.consent": ("allegation", "allegation"),
    "cases.evidence": ("allegation", "allegation"),
    "cases.referral": ("allegation", "allegation"),
    "cases.referralevent": ("allegation", "referral__allegation"),
    "cases.allegationevent": ("allegation", "allegation"),
    "cases.reprisalfollowup": ("allegation", "allegation"),
    "cases.incident": ("allegation", "allegations"),
    "cases.deadline": ("deadline", ""),
    "facilities.visit": ("visit", ""),
    "facilities.visitteammember": ("visit", "visit"),
    "facilities.visitobstacle": ("visit", "visit"),
    "facilities.visitfinding": ("visit", "visit"),
    "facilities.dissentingopinion": ("visit", "visit"),
    "facilities.visitevent": ("visit", "visit"),
    "reports.reportrun": ("report", ""),
    "npm_tracker.accesslog": ("audit", ""),
}


def role_filter(model, user) -> Q | None:
    """The condition a staff user's roles add to the rows of ``model`` (``None``: none)."""
    scope = SCOPES.get(model._meta.label_lower)
    if scope is None or not is_staff_user(user) or user.is_superuser:
        return None
    kind, path = scope
    prefix = f"{path}__" if path else ""
    if kind == "allegation":
        rule = allegation_rule(user)
        if rule is None:
            return None
        from cases.models import Allegation

        return Q(**{f"{prefix}pk__in": Allegation.objects.filter(rule).values("pk")})
    if kind == "visit":
        rule = visit_rule(user)
        if rule is None:
            return None
        from facilities.models import Visit

        return Q(**{f"{prefix}pk__in": Visit.objects.filter(rule).values("pk")})
    if kind == "deadline":
        rule = allegation_rule(user)
        if rule is None:
            return None
        from cases.models import Allegation

        mine = Allegation.objects.filter(rule).values("pk")
        return (
            Q(allegation__in=mine)
            | Q(referral__allegation__in=mine)
            | Q(follow_up__allegation__in=mine)
            | Q(recommendation__isnull=False)
        )
    if kind == "report":
        # Letters to the prosecutor name people: only identity roles, only for their cases.
        if public_reports_only(user):
            return Q(version="public") & ~Q(kind="referral_letter")
        if not roles_of(user) & set(IDENTITY_ROLES):
            return ~Q(kind="referral_letter")
        rule = allegation_rule(user)
        if rule is None:
            return None
        from cases.models import Allegation

        return ~Q(kind="referral_letter") | Q(
            referral__allegation__in=Allegation.objects.filter(rule).values("pk")
        )
    if kind == "audit":
        return None if roles_of(user) & {HEAD, AUDITOR} else Q(pk__in=[])
    return None


def ensure_groups() -> dict:
    """Create or update the role groups with exactly their permissions. Idempotent."""
    from django.contrib.auth.models import Group, Permission

    groups = {}
    for role, grants in PERMISSIONS.items():
        wanted = Permission.objects.none()
        for app_label, models, actions in grants:
            condition = Q(content_type__app_label=app_label) & Q(
                codename__regex=rf"^({'|'.join(actions)})_"
            )
            if models != "*":
                condition &= Q(content_type__model__in=models)
            wanted |= Permission.objects.filter(condition)
        group, _created = Group.objects.get_or_create(name=role)
        ids = set(wanted.values_list("pk", flat=True))
        if set(group.permissions.values_list("pk", flat=True)) != ids:
            group.permissions.set(ids)
        groups[role] = group
    return groups
