"""All writes of places of detention, visits and recommendations.

Each service validates completely before it writes, runs in one transaction, and takes the acting
user explicitly; the admin, the API, tasks and seeds call these and nothing else.
"""

from collections.abc import Sequence
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from facilities.lifecycles import RECOMMENDATION, RECOMMENDATION_CLOCK, VISIT
from facilities.models import (
    DissentingOpinion,
    Facility,
    NpmBody,
    Recommendation,
    RecommendationEvent,
    RecommendationResponse,
    Visit,
    VisitEvent,
    VisitFinding,
    VisitObstacle,
    VisitTeamMember,
)
from npm_tracker.core import clocks
from npm_tracker.core.errors import DomainError, ErrorCode
from npm_tracker.core.services import (
    Actor,
    actor_fields,
    assign,
    lock,
    locked_row,
    staff_user,
    validated_save,
)
from npm_tracker.core.workflow import (
    check_event_time,
    check_expected_status,
    check_needs,
    local_day,
)


@transaction.atomic
def facility_save(*, actor: Actor, facility: Facility) -> Facility:
    """Create or update a facility from a prepared instance. Locks the row when it exists."""
    lock(facility)
    return validated_save(facility)


def facility_create(*, actor: Actor, **fields) -> Facility:
    return facility_save(actor=actor, facility=Facility(**fields))


@transaction.atomic
def facility_update(*, actor: Actor, facility: Facility, **fields) -> Facility:
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
def visit_save(*, actor: Actor, visit: Visit) -> Visit:
    """Create or update a visit from a prepared instance; sets the NPM body in force."""
    lock(visit)
    if visit._state.adding:
        visit.created_by = staff_user(actor)
    _assign_npm_body(visit)
    return validated_save(visit)


@transaction.atomic
def visit_create(
    *,
    actor: Actor,
    facility: Facility,
    visit_type,
    started_on: date,
    team: Sequence[dict] = (),
    findings: Sequence[dict] = (),
    obstacles: Sequence[dict] = (),
    dissenting_opinions: Sequence[dict] = (),
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
def visit_update(*, actor: Actor, visit: Visit, **fields) -> Visit:
    lock(visit)
    assign(visit, fields)
    return visit_save(actor=actor, visit=visit)


@transaction.atomic
def visit_part_save(*, actor: Actor, part) -> object:
    """Save a team member, finding, obstacle or dissenting opinion of a visit."""
    lock(part)
    return validated_save(part)


@transaction.atomic
def recommendation_save(*, actor: Actor, recommendation: Recommendation) -> Recommendation:
    """Create or update a recommendation; its country and facility follow its visit."""
    lock(recommendation)
    rec = recommendation
    if rec.visit_id:
        if not rec.facility_id and rec.visit is not None:
            rec.facility_id = rec.visit.facility_id
        if not rec.country_id and rec.visit is not None:
            rec.country_id = rec.visit.facility.country_id
    elif rec.facility_id and not rec.country_id and rec.facility is not None:
        rec.country_id = rec.facility.country_id
    return validated_save(rec)


def recommendation_create(*, actor: Actor, **fields) -> Recommendation:
    return recommendation_save(actor=actor, recommendation=Recommendation(**fields))


@transaction.atomic
def recommendation_update(
    *, actor: Actor, recommendation: Recommendation, **fields
) -> Recommendation:
    lock(recommendation)
    assign(recommendation, fields)
    return recommendation_save(actor=actor, recommendation=recommendation)


# --- lifecycles ---------------------------------------------------------------------------------


@transaction.atomic
def visit_transition(
    *,
    actor: Actor,
    visit: Visit,
    to: str,
    note: str = "",
    occurred_at=None,
    document_number: str = "",
    expected_status: str | None = None,
) -> Visit:
    """Move a visit to ``to`` (LIFECYCLES.md: Visit). Locks the row, checks the table in force
    on the first day of the visit, writes a ``VisitEvent`` and saves the status."""
    visit = locked_row(Visit.objects.select_related("facility__country"), visit)
    check_expected_status(visit.status, expected_status)
    country = visit.facility.country
    step = VISIT.step(country.code, visit.started_on, visit.status, to)
    check_needs(step, {"note": note})
    occurred_at = occurred_at or timezone.now()
    previous = visit.events.order_by("-occurred_at").values_list("occurred_at", flat=True)
    check_event_time(occurred_at, previous=previous.first())
    validated_save(
        VisitEvent(
            visit=visit,
            kind=to,
            from_status=visit.status,
            to_status=step.status_after(visit.status),
            occurred_at=occurred_at,
            note=note,
            document_number=document_number,
            **actor_fields(actor),
        )
    )
    visit.status = step.status_after(visit.status)
    visit.save(update_fields=["status", "updated_at"])
    return visit


@transaction.atomic
def recommendation_transition(
    *,
    actor: Actor,
    recommendation: Recommendation,
    to: str,
    note: str = "",
    occurred_at=None,
    document_number: str = "",
    verified_by_visit: Visit | None = None,
    expected_status: str | None = None,
) -> Recommendation:
    """Move a recommendation to ``to`` (LIFECYCLES.md: Recommendation).

    Issuing dates it and starts the response clock of its kind (visit or annual report) under the
    rule in force that day; a response meets it; ``obsolete`` meets every open clock. Locks the
    row and writes a ``RecommendationEvent``.
    """
    rec = locked_row(Recommendation.objects.select_related("country"), recommendation)
    check_expected_status(rec.status, expected_status)
    country = rec.country
    step = RECOMMENDATION.step(country.code, local_day(rec.created_at, country), rec.status, to)
    check_needs(step, {"note": note})
    occurred_at = occurred_at or timezone.now()
    previous = rec.events.order_by("-occurred_at").values_list("occurred_at", flat=True)
    check_event_time(occurred_at, previous=previous.first())
    if verified_by_visit is not None and verified_by_visit.facility.country_id != country.pk:
        raise DomainError(
            _("This visit belongs to another country."),
            code=ErrorCode.INVALID,
            field="verified_by_visit",
        )
    validated_save(
        RecommendationEvent(
            recommendation=rec,
            kind=to,
            from_status=rec.status,
            to_status=step.status_after(rec.status),
            occurred_at=occurred_at,
            note=note,
            document_number=document_number,
            verified_by_visit=verified_by_visit,
            **actor_fields(actor),
        )
    )
    rec.status = step.status_after(rec.status)
    fields = ["status", "updated_at"]
    if to == "issued":
        rec.issued_on = timezone.localtime(occurred_at, country.zone).date()
        fields.append("issued_on")
    if verified_by_visit is not None:
        rec.verified_by_visit = verified_by_visit
        fields.append("verified_by_visit")
    rec.save(update_fields=fields)
    response_clocks = ["recommendation_response", "annual_report_response"]
    if to == "issued":
        clocks.keeper().start(
            clock=RECOMMENDATION_CLOCK[rec.source],
            country=country,
            started_at=occurred_at,
            recommendation=rec,
        )
    elif to == "response_received" or to == "obsolete":
        clocks.keeper().meet(
            clocks=response_clocks, met_at=occurred_at, met_by=to, recommendation=rec
        )
    return rec


@transaction.atomic
def recommendation_response_add(
    *,
    actor: Actor,
    recommendation: Recommendation,
    received_on: date,
    text: str,
    number: str = "",
    assessment: str = "not_assessed",
    assessment_note: str = "",
) -> RecommendationResponse:
    """Record an agency's response (a document of its own). The first response to an issued
    recommendation moves it to ``response_received`` and stops its clock."""
    response = validated_save(
        RecommendationResponse(
            recommendation=recommendation,
            number=number,
            received_on=received_on,
            text=text,
            assessment=assessment,
            assessment_note=assessment_note,
        )
    )
    rec = Recommendation.objects.get(pk=recommendation.pk)
    if rec.status == "issued":
        zone = rec.country.zone
        moment = datetime.combine(received_on, time(12), tzinfo=zone)
        last = rec.events.order_by("-occurred_at").values_list("occurred_at", flat=True).first()
        if last is not None and moment < last:
            if timezone.localtime(last, zone).date() > received_on:
                raise DomainError(
                    _("The response cannot precede the issue of the recommendation."),
                    code=ErrorCode.EVENT_OUT_OF_ORDER,
                    field="received_on",
                )
            moment = last
        recommendation_transition(
            actor=actor,
            recommendation=rec,
            to="response_received",
            occurred_at=moment,
            document_number=number,
        )
    return response


@transaction.atomic
def visit_obstacles_set(*, actor: Actor, visit: Visit, obstacles) -> None:
    """Make the visit's recorded obstacles exactly ``obstacles`` (obstacle types)."""
    wanted = {o.pk for o in obstacles}
    current = {o.obstacle_type_id: o for o in visit.obstacles.all()}
    for type_id, obstacle in current.items():
        if type_id not in wanted:
            obstacle.delete()
    for obstacle_type in obstacles:
        if obstacle_type.pk not in current:
            visit_part_save(
                actor=actor, part=VisitObstacle(visit=visit, obstacle_type=obstacle_type)
            )
