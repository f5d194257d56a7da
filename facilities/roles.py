"""What each role may do with the facilities app's models, and which visits it sees
(``npm_tracker.core.roles`` explains the roles). Registered by ``FacilitiesConfig.ready()``."""

from django.db.models import Q

from npm_tracker.core import roles
from npm_tracker.core.roles import (
    ANALYST,
    AUDITOR,
    CASE_OFFICER,
    HEAD,
    MONITOR,
    READ,
    SYSADMIN,
    WORK,
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
VOCABULARIES = (
    "npmbody",
    "region",
    "agency",
    "facilitytype",
    "visittype",
    "examinedarea",
    "obstacletype",
)


def visit_rule(user) -> Q | None:
    """The visits a staff user's roles open, within their countries (``None``: all of them)."""
    if not roles.is_staff_user(user) or user.is_superuser:
        return None
    held = roles.roles_of(user)
    if held & {HEAD, AUDITOR, CASE_OFFICER}:
        return None
    if MONITOR in held:
        return Q(team__user=user) | Q(created_by=user)
    return Q(pk__in=[])


def register() -> None:
    from facilities.models import Visit

    roles.register_rule("visit", roles.rows_rule(lambda: Visit.objects, visit_rule))
    roles.grant(HEAD, ("facilities", "*", WORK))
    roles.grant(CASE_OFFICER, ("facilities", "*", READ), ("facilities", FACILITY_WORK, WORK))
    roles.grant(MONITOR, ("facilities", "*", READ), ("facilities", FACILITY_WORK, WORK))
    roles.grant(ANALYST, ("facilities", (*VOCABULARIES, "facility"), READ))
    roles.grant(AUDITOR, ("facilities", "*", READ))
    roles.grant(SYSADMIN, ("facilities", VOCABULARIES, WORK))
