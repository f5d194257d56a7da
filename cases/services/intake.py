"""Complaints from terminals, hotlines and partner systems become allegations (CONTRACT.md:
``POST /api/v1/complaints/``)."""

from django.db import transaction

from cases.models import Allegation, PlaceOfIncident
from cases.services.allegations import allegation_create
from npm_tracker.core.actors import Actor

# A complaint does not say where the ill-treatment happened; staff complete it.
UNKNOWN_PLACE = "other"


# No savepoint of its own: it is one step of its caller's transaction, whose every failure
# rolls back the whole (and a savepoint would cost two round trips on every complaint).
@transaction.atomic(savepoint=False)
def complaint_intake(
    *,
    actor: Actor,
    country,
    source,
    received_at,
    text: str,
    facility=None,
    complainant: dict | None = None,
) -> Allegation:
    """Record a complaint as a new allegation: its text is the summary, the complainant (when
    named) the victim, the place of incident unknown until staff complete it."""
    return allegation_create(
        actor=actor,
        country=country,
        source=source,
        received_at=received_at,
        facility=facility,
        place_of_incident=PlaceOfIncident.objects.get(code=UNKNOWN_PLACE),
        summary=text,
        victim=complainant or {},
    )
