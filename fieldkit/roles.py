"""Who manages devices (``npm_tracker.core.roles`` explains the roles). Registered by
``FieldkitConfig.ready()``."""

from npm_tracker.core import roles
from npm_tracker.core.roles import AUDITOR, HEAD, READ, SYSADMIN, WORK


def register() -> None:
    for role in (HEAD, SYSADMIN):
        roles.grant(role, ("fieldkit", ("device",), WORK))
    roles.grant(AUDITOR, ("fieldkit", ("device", "syncbatch"), READ))
