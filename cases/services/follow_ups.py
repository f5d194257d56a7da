"""Reprisal follow-ups: opened for a person at risk (or who asks for it), following them wherever
they are held."""

from django.db import transaction
from django.utils import timezone

from cases import deadlines
from cases.models import (
    Allegation,
    ReprisalFollowUp,
)
from npm_tracker.core.services import (
    Actor,
    validated_save,
)


@transaction.atomic
def follow_up_ensure(
    *, actor: Actor, allegation: Allegation, reason: str
) -> ReprisalFollowUp | None:
    """Open a reprisal follow-up for this reason unless one was already opened for it; start
    its clock (its length is the deadline rule ``reprisal_follow_up``)."""
    if ReprisalFollowUp.objects.filter(allegation=allegation, reason=reason).exists():
        return None
    if ReprisalFollowUp.objects.filter(allegation=allegation, status="open").exists():
        return None
    follow_up = validated_save(ReprisalFollowUp(allegation=allegation, reason=reason))
    started = allegation.received_at if not allegation.events.exists() else timezone.now()
    deadlines.clock_start(
        clock="reprisal_follow_up",
        country=allegation.country,
        started_at=started,
        follow_up=follow_up,
    )
    return follow_up
