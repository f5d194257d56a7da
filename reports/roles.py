"""What each role may do with reports, and which report runs it sees: letters to the
prosecutor name people, so only identity roles see them, and only for their cases
(``npm_tracker.core.roles`` explains the roles). Registered by ``ReportsConfig.ready()``."""

from django.db.models import Q

from npm_tracker.core import roles
from npm_tracker.core.roles import (
    ANALYST,
    AUDITOR,
    CASE_OFFICER,
    HEAD,
    IDENTITY_ROLES,
    MONITOR,
    READ,
    SYSADMIN,
    WORK,
)


def _report_rule(user, prefix: str) -> Q | None:
    from cases.models import Allegation
    from cases.roles import allegation_rule

    if roles.public_reports_only(user):
        return Q(version="public") & ~Q(kind="referral_letter")
    if not roles.roles_of(user) & set(IDENTITY_ROLES):
        return ~Q(kind="referral_letter")
    opened = allegation_rule(user)
    if opened is None:
        return None
    return ~Q(kind="referral_letter") | Q(
        referral__allegation__in=Allegation.objects.filter(opened).values("pk")
    )


def register() -> None:
    roles.register_rule("report", _report_rule)
    roles.grant(HEAD, ("reports", "*", WORK))
    for role in (CASE_OFFICER, MONITOR, ANALYST):
        roles.grant(role, ("reports", ("reportrun",), ("view", "add")))
    roles.grant(AUDITOR, ("reports", "*", READ))
    roles.grant(SYSADMIN, ("reports", ("reportschedule",), WORK))
