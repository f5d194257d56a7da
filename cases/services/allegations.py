"""Allegations and the people in them: the allegation complete with its victim, consent,
perpetrators and witnesses, and each of its parts."""

from collections.abc import Mapping, Sequence
from datetime import date

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from cases import choices, deadlines
from cases.models import (
    Allegation,
    Deadline,
    Lesion,
    MedicalExamination,
    Perpetrator,
    Victim,
    Witness,
)
from cases.services.consents import consent_grant, consent_set
from cases.services.follow_ups import follow_up_ensure
from npm_tracker.core import webhooks
from npm_tracker.core.services import (
    Actor,
    assign,
    lock,
    next_in_sequence,
    staff_user,
    validated_save,
)

ADULT_AGE = 18


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _refresh_urgency(allegation: Allegation) -> bool:
    """Set ``urgent``: death in custody, serious injury or a minor victim (DOMAIN.md §5).
    Returns whether it changed; the caller saves."""
    victim_is_minor = (
        not allegation._state.adding
        and Victim.objects.filter(allegation_id=allegation.pk, is_minor=True).exists()
    )
    urgent = bool(allegation.death_in_custody or allegation.serious_injury or victim_is_minor)
    changed = urgent != allegation.urgent
    allegation.urgent = urgent
    return changed


@transaction.atomic
def allegation_save(*, actor: Actor, allegation: Allegation) -> Allegation:
    """Create or update an allegation from a prepared instance.

    On creation it receives its reference (country, year of receipt in the country's time zone,
    sequence: ``KZ-2026-000123``). Urgency is recomputed from the facts.
    """
    lock(allegation)
    adding = allegation._state.adding
    allegation.full_clean(exclude=["reference"])
    if adding:
        year = allegation.local_received_at().year
        code = allegation.country.code
        number = next_in_sequence(f"allegation:{code}:{year}")
        allegation.reference = f"{code}-{year}-{number:06d}"
        allegation.created_by = staff_user(actor)
    _refresh_urgency(allegation)
    allegation.save()
    _after_allegation_change(actor, allegation, adding=adding)
    return allegation


def _after_allegation_change(actor: Actor, allegation: Allegation, *, adding: bool) -> None:
    """Consequences of the facts of an allegation: the 24-hour escalation clock of an urgent case
    (until a referral is sent) and the reprisal follow-ups it calls for."""
    if (
        allegation.urgent
        and not Deadline.objects.filter(allegation=allegation, clock="urgent_escalation").exists()
        and not allegation.referrals.exclude(status="draft").exists()
    ):
        deadlines.clock_start(
            clock="urgent_escalation",
            country=allegation.country,
            started_at=allegation.received_at if adding else timezone.now(),
            allegation=allegation,
        )
    if allegation.reprisal_risk in (choices.ReprisalRisk.MEDIUM, choices.ReprisalRisk.HIGH):
        follow_up_ensure(
            actor=actor, allegation=allegation, reason=choices.FollowUpReason.REPRISAL_RISK
        )
    if allegation.follow_up_requested:
        follow_up_ensure(
            actor=actor, allegation=allegation, reason=choices.FollowUpReason.REQUESTED
        )


@transaction.atomic
def allegation_create(
    *,
    actor: Actor,
    methods=(),
    victim: dict | None = None,
    consents: dict[str, dict] | None = None,
    perpetrators: Sequence[dict] = (),
    witnesses: Sequence[dict] = (),
    **fields,
) -> Allegation:
    """Create an allegation complete with its victim, consents, perpetrators and witnesses.

    ``consents`` maps a destination code to ``{"granted_on": date, "form": code}``.
    """
    allegation = allegation_save(actor=actor, allegation=Allegation(**fields))
    if methods:
        allegation.methods.set(methods)
    victim_save(actor=actor, victim=Victim(allegation=allegation, **(victim or {})))
    for destination, consent in (consents or {}).items():
        consent_grant(actor=actor, allegation=allegation, destination=destination, **consent)
    for row in perpetrators:
        allegation_part_save(actor=actor, part=Perpetrator(allegation=allegation, **row))
    for row in witnesses:
        allegation_part_save(actor=actor, part=Witness(allegation=allegation, **row))
    allegation.refresh_from_db()
    webhooks.emit(
        "allegation.created",
        country_id=allegation.country_id,
        object_type="allegation",
        object_id=allegation.pk,
    )
    return allegation


@transaction.atomic
def allegation_update(
    *,
    actor: Actor,
    allegation: Allegation,
    methods=None,
    victim: Mapping | None = None,
    perpetrators: Sequence[Mapping] | None = None,
    consents: Mapping[str, bool] | None = None,
    consents_on: date | None = None,
    consent_form: str = choices.ConsentForm.WRITTEN,
    **fields,
) -> Allegation:
    """Change an allegation and, in the same transaction, what came with the change: the
    victim's fields, perpetrators not yet recorded (a row naming the same agency, unit, rank and
    name as a recorded one is the same person), and each destination's consent brought to the
    state given (granted or withdrawn on ``consents_on``, today by default).

    Locks the allegation (once: a caller that already holds the lock passes the locked record).
    Validates everything; any refusal writes nothing.
    """
    lock(allegation)
    assign(allegation, fields)
    allegation_save(actor=actor, allegation=allegation)
    if methods is not None:
        allegation.methods.set(methods)
    if victim:
        record = allegation.victim
        for field, value in victim.items():
            setattr(record, field, value)
        victim_save(actor=actor, victim=record)
    if perpetrators:
        known = {(p.agency_id, p.unit, p.rank, p.name) for p in allegation.perpetrators.all()}
        for row in perpetrators:
            agency = row.get("agency")
            key = (getattr(agency, "pk", agency), row.get("unit"), row.get("rank"), row.get("name"))
            if key not in known:
                known.add(key)
                allegation_part_save(actor=actor, part=Perpetrator(allegation=allegation, **row))
    day = consents_on or timezone.localdate()
    for destination, granted in (consents or {}).items():
        consent_set(
            actor=actor,
            allegation=allegation,
            destination=destination,
            granted=granted,
            on=day,
            form=consent_form,
        )
    return allegation


@transaction.atomic
def victim_save(*, actor: Actor, victim: Victim) -> Victim:
    """Create or update the victim record; a known date of birth decides whether they are a
    minor (at the incident, else at receipt), and the allegation's urgency follows."""
    lock(victim)
    if victim._state.adding and not victim.pseudonym:
        code = victim.allegation.country.code
        victim.pseudonym = f"V-{code}-{next_in_sequence(f'victim:{code}'):06d}"
    if victim.date_of_birth:
        allegation = victim.allegation
        day = allegation.incident_date or allegation.local_received_at().date()
        victim.is_minor = _age_on(victim.date_of_birth, day) < ADULT_AGE
    validated_save(victim)
    allegation = Allegation.objects.get(pk=victim.allegation_id)
    if _refresh_urgency(allegation):
        allegation.save(update_fields=["urgent", "updated_at"])
        _after_allegation_change(actor, allegation, adding=_being_entered(allegation))
    return victim


def _being_entered(allegation: Allegation) -> bool:
    """Whether the allegation is being entered right now (its clocks then start at receipt)."""
    return not allegation.events.exists() and allegation.status == "received"


@transaction.atomic
def allegation_part_save(*, actor: Actor, part):
    """Save a perpetrator, witness or medical examination of an allegation."""
    lock(part)
    return validated_save(part)


@transaction.atomic
def lesion_save(*, actor: Actor, lesion: Lesion) -> Lesion:
    """Save a lesion of a medical examination; a new one takes the next number on the body
    diagram (the examination's row lock keeps two numbers apart)."""
    if lesion._state.adding:
        MedicalExamination._base_manager.select_for_update().filter(
            pk=lesion.examination_id
        ).exists()
        last = Lesion.objects.filter(examination_id=lesion.examination_id).aggregate(
            last=Max("number")
        )["last"]
        lesion.number = (last or 0) + 1
    else:
        lock(lesion)
    return validated_save(lesion)


@transaction.atomic
def medical_examination_add(
    *, actor: Actor, allegation: Allegation, **fields
) -> MedicalExamination:
    return allegation_part_save(
        actor=actor, part=MedicalExamination(allegation=allegation, **fields)
    )


@transaction.atomic
def victim_ensure(*, actor: Actor, allegation: Allegation) -> Victim:
    """Every allegation is about one person: give it an (empty, pseudonymised) victim record
    when none was entered yet."""
    existing = Victim.objects.filter(allegation=allegation).first()
    if existing is not None:
        return existing
    return victim_save(actor=actor, victim=Victim(allegation=allegation))


# --- lifecycles ---------------------------------------------------------------------------------
