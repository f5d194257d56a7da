"""What each role may do with the cases app's models, and which allegations (and so which of
their parts, referrals and clocks) it sees (``npm_tracker.core.roles`` explains the roles).
Registered by ``CasesConfig.ready()``."""

from django.db.models import Q

from npm_tracker.core import roles
from npm_tracker.core.roles import (
    AUDITOR,
    CASE_OFFICER,
    HEAD,
    MONITOR,
    READ,
    SYSADMIN,
    WORK,
)

CASE_MODELS = (
    "incident",
    "allegation",
    "victim",
    "witness",
    "perpetrator",
    "medicalexamination",
    "lesion",
    "psychologicalevaluation",
    "consent",
    "evidence",
    "custodyevent",
    "referral",
    "referralevent",
    "allegationevent",
    "reprisalfollowup",
)
VOCABULARIES = (
    "method",
    "allegationsource",
    "placeofincident",
    "consistencylevel",
    "prosecutoroffice",
    "deadlinerule",
)


def allegation_rule(user) -> Q | None:
    """The allegations a staff user's roles open, within their countries; ``None`` when the
    roles open every allegation of those countries."""
    if not roles.is_staff_user(user) or user.is_superuser:
        return None
    held = roles.roles_of(user)
    if held & {HEAD, AUDITOR}:
        return None
    condition = Q(pk__in=[])
    if CASE_OFFICER in held:
        condition |= Q(assigned_officer=user) | Q(created_by=user)
    if MONITOR in held:
        condition |= Q(visit__team__user=user) | Q(assigned_officer=user) | Q(created_by=user)
    return condition


def _deadline_rule(user, prefix: str) -> Q | None:
    """A clock runs on an allegation, a referral, a follow-up or a recommendation: the first
    three follow their allegation, recommendations are open to every role of the country."""
    from cases.models import Allegation

    opened = allegation_rule(user)
    if opened is None:
        return None
    mine = Allegation.objects.filter(opened).values("pk")
    return (
        Q(allegation__in=mine)
        | Q(referral__allegation__in=mine)
        | Q(follow_up__allegation__in=mine)
        | Q(recommendation__isnull=False)
    )


def register() -> None:
    from cases.models import Allegation

    roles.register_rule("allegation", roles.rows_rule(lambda: Allegation.objects, allegation_rule))
    roles.register_rule("deadline", _deadline_rule)
    roles.grant(HEAD, ("cases", "*", WORK))
    for role in (CASE_OFFICER, MONITOR):
        roles.grant(role, ("cases", CASE_MODELS, WORK), ("cases", VOCABULARIES, READ))
    roles.grant(AUDITOR, ("cases", "*", READ))
    roles.grant(SYSADMIN, ("cases", (*VOCABULARIES, "prosecutorclient"), WORK))
