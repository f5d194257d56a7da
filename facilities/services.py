"""All writes of places of detention, visits and recommendations.

Each service validates completely before it writes, runs in one transaction, and takes the acting
user explicitly; the admin, the API, tasks and seeds call these and nothing else.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from facilities.models import (
    DissentingOpinion,
    Facility,
    NpmBody,
    Recommendation,
    Visit,
    VisitFinding,
    VisitObstacle,
    VisitTeamMember,
)
from npm_tracker.services import assign, lock, validated_save


@transaction.atomic
def facility_save(*, actor, facility: Facility) -> Facility:
    """Create or update a facility from a prepared instance. Locks the row when it exists."""
    lock(facility)
    return validated_save(facility)


def facility_create(*, actor, **fields) -> Facility:
    return facility_save(actor=actor, facility=Facility(**fields))


@transaction.atomic
def facility_update(*, actor, facility: Facility, **fields) -> Facility:
    lock(facility)
    assign(facility, fields)
    return validated_save(facility)


def _assign_npm_body(visit: Visit) -> None:
    """A visit belongs to the body that held the NPM mandate on its first day (DOMAIN.md §3)."""
    if not (visit.facility_id and visit.started_on):
        return
    body = NpmBody.in_force(visit.facility.country_id, visit.started_on)
    if body is None:
        raise ValidationError(
            {"started_on": _("No NPM body held the mandate in this country on this date.")}
        )
    visit.npm_body = body


@transaction.atomic
def visit_save(*, actor, visit: Visit) -> Visit:
    """Create or update a visit from a prepared instance; sets the NPM body in force."""
    lock(visit)
    if visit._state.adding and actor is not None and actor.is_authenticated:
        visit.created_by = actor
    _assign_npm_body(visit)
    return validated_save(visit)


@transaction.atomic
def visit_create(
    *,
    actor,
    facility: Facility,
    visit_type,
    started_on: date,
    team: list[dict] = (),
    findings: list[dict] = (),
    obstacles: list[dict] = (),
    dissenting_opinions: list[dict] = (),
    **fields,
) -> Visit:
    """Create a visit with its team, findings, obstacles and dissenting opinions at once."""
    visit = visit_save(
        actor=actor,
        visit=Visit(facility=facility, visit_type=visit_type, started_on=started_on, **fields),
    )
    for model, rows in (
        (VisitTeamMember, team),
        (VisitFinding, findings),
        (VisitObstacle, obstacles),
        (DissentingOpinion, dissenting_opinions),
    ):
        for row in rows:
            visit_part_save(actor=actor, part=model(visit=visit, **row))
    return visit


@transaction.atomic
def visit_update(*, actor, visit: Visit, **fields) -> Visit:
    lock(visit)
    assign(visit, fields)
    return visit_save(actor=actor, visit=visit)


@transaction.atomic
def visit_part_save(*, actor, part) -> object:
    """Save a team member, finding, obstacle or dissenting opinion of a visit."""
    lock(part)
    return validated_save(part)


@transaction.atomic
def recommendation_save(*, actor, recommendation: Recommendation) -> Recommendation:
    """Create or update a recommendation; its country and facility follow its visit."""
    lock(recommendation)
    rec = recommendation
    if rec.visit_id:
        if not rec.facility_id:
            rec.facility_id = rec.visit.facility_id
        if not rec.country_id:
            rec.country_id = rec.visit.facility.country_id
    elif rec.facility_id and not rec.country_id:
        rec.country_id = rec.facility.country_id
    return validated_save(rec)


def recommendation_create(*, actor, **fields) -> Recommendation:
    return recommendation_save(actor=actor, recommendation=Recommendation(**fields))


@transaction.atomic
def recommendation_update(*, actor, recommendation: Recommendation, **fields) -> Recommendation:
    lock(recommendation)
    assign(recommendation, fields)
    return recommendation_save(actor=actor, recommendation=recommendation)
