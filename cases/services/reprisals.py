"""A follow-up closed with its outcome; a reported reprisal becomes a new allegation linked to the
first."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import choices, deadlines
from cases.models import (
    Allegation,
    ReprisalFollowUp,
)
from cases.services.allegations import allegation_create
from npm_tracker.core.errors import DomainError, ErrorCode
from npm_tracker.core.services import (
    Actor,
    validated_save,
)
from npm_tracker.core.workflow import (
    check_event_time,
)


@transaction.atomic
def follow_up_close(
    *,
    actor: Actor,
    follow_up: ReprisalFollowUp,
    outcome: str,
    method: str,
    note: str = "",
    occurred_at=None,
) -> ReprisalFollowUp:
    """Close a follow-up with its outcome. A reported reprisal becomes a new allegation about the
    same person, linked to the first, received when the follow-up found it."""
    follow_up = ReprisalFollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if follow_up.status != choices.FollowUpStatus.OPEN:
        raise DomainError(_("This follow-up is already closed."), code=ErrorCode.INVALID_TRANSITION)
    if outcome not in choices.FollowUpOutcome.values:
        raise DomainError(_("Choose an outcome."), code=ErrorCode.INVALID, field="outcome")
    if method not in choices.FollowUpMethod.values:
        raise DomainError(_("Choose how it was checked."), code=ErrorCode.INVALID, field="method")
    occurred_at = occurred_at or timezone.now()
    original = follow_up.allegation
    check_event_time(occurred_at, floor=original.received_at)
    if outcome == choices.FollowUpOutcome.REPRISAL_REPORTED:
        if not note:
            raise DomainError(
                _("Describe the reprisal reported."), code=ErrorCode.NOTE_REQUIRED, field="note"
            )
        follow_up.new_allegation = _reprisal_allegation(actor, original, note, occurred_at)
    follow_up.status = choices.FollowUpStatus.CLOSED
    follow_up.outcome = outcome
    follow_up.method = method
    follow_up.note = note
    follow_up.closed_at = occurred_at
    validated_save(follow_up)
    deadlines.clocks_meet(
        clocks=["reprisal_follow_up"], met_at=occurred_at, met_by=outcome, follow_up=follow_up
    )
    return follow_up


def _reprisal_allegation(actor: Actor, original: Allegation, note: str, occurred_at) -> Allegation:
    victim = original.victim
    return allegation_create(
        actor=actor,
        country=original.country,
        source=original.source,
        received_at=occurred_at,
        facility=victim.current_facility or original.facility,
        place_of_incident=original.place_of_incident,
        summary=note,
        reprisal_risk=choices.ReprisalRisk.HIGH,
        assigned_officer=original.assigned_officer,
        related_allegation=original,
        victim={
            "sex": victim.sex,
            "is_minor": victim.is_minor,
            "full_name": victim.full_name,
            "date_of_birth": victim.date_of_birth,
            "citizenship": victim.citizenship,
            "current_facility": victim.current_facility,
            "current_location": victim.current_location,
        },
    )
