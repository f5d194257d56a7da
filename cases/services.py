"""All writes of allegations, the people in them, consent, evidence and referrals.

Each service validates completely before it writes and runs in one transaction; reference numbers
come from a sequence row locked by the same transaction, so a refused write hands out no number.
Status changes are not here: they belong to the one transition service of each lifecycle.
"""

import hashlib
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import choices, deadlines
from cases.errors import CaseErrorCode
from cases.lifecycles import ALLEGATION, REFERRAL, REFERRAL_FINAL
from cases.models import (
    Allegation,
    AllegationEvent,
    Consent,
    Deadline,
    Evidence,
    MedicalExamination,
    Perpetrator,
    Referral,
    ReferralEvent,
    ReprisalFollowUp,
    Victim,
    Witness,
)
from cases.uploads import check_upload
from npm_tracker.core import webhooks
from npm_tracker.core.errors import DomainError, ErrorCode
from npm_tracker.core.services import (
    Actor,
    actor_fields,
    assign,
    lock,
    next_in_sequence,
    staff_user,
    validated_save,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

from npm_tracker.core.workflow import (
    check_event_time,
    check_expected_status,
    check_needs,
    local_day,
)

ADULT_AGE = 18


def _actor(actor: Actor) -> "User | None":
    return staff_user(actor)


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
        allegation.created_by = _actor(actor)
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
    *, actor: Actor, allegation: Allegation, methods=None, **fields
) -> Allegation:
    lock(allegation)
    assign(allegation, fields)
    allegation_save(actor=actor, allegation=allegation)
    if methods is not None:
        allegation.methods.set(methods)
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
def medical_examination_add(
    *, actor: Actor, allegation: Allegation, **fields
) -> MedicalExamination:
    return allegation_part_save(
        actor=actor, part=MedicalExamination(allegation=allegation, **fields)
    )


@transaction.atomic
def consent_save(*, actor: Actor, consent: Consent) -> Consent:
    """Record a consent, or change the note or withdrawal date of one."""
    lock(consent)
    if consent._state.adding:
        consent.recorded_by = _actor(actor)
    return validated_save(consent)


def consent_grant(
    *, actor: Actor, allegation: Allegation, destination: str, granted_on: date, form: str, note=""
) -> Consent:
    return consent_save(
        actor=actor,
        consent=Consent(
            allegation=allegation,
            destination=destination,
            granted_on=granted_on,
            form=form,
            note=note,
        ),
    )


@transaction.atomic
def consent_withdraw(
    *, actor: Actor, consent: Consent, withdrawn_on: date, note: str = ""
) -> Consent:
    """Withdraw a consent from a date on; everything produced afterwards must respect it."""
    lock(consent)
    consent.refresh_from_db()
    consent.withdrawn_on = withdrawn_on
    if note:
        consent.note = f"{consent.note}\n{note}".strip()
    return validated_save(consent, update_fields=["withdrawn_on", "note", "updated_at"])


@transaction.atomic
def consent_set(
    *,
    actor: Actor,
    allegation: Allegation,
    destination: str,
    granted: bool,
    on: date,
    form: str = choices.ConsentForm.WRITTEN,
) -> Consent | None:
    """Bring one destination's consent to ``granted``: grant it or withdraw it, dated ``on``.
    Nothing changes when it already stands so."""
    active = (
        Consent.objects.select_for_update()
        .filter(allegation=allegation, destination=destination, withdrawn_on__isnull=True)
        .first()
    )
    if granted and active is None:
        return consent_grant(
            actor=actor, allegation=allegation, destination=destination, granted_on=on, form=form
        )
    if not granted and active is not None:
        return consent_withdraw(actor=actor, consent=active, withdrawn_on=on)
    return active


def _fingerprint(file) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    file.seek(0)
    for chunk in iter(lambda: file.read(1024 * 1024), b""):
        digest.update(chunk)
        size += len(chunk)
    file.seek(0)
    return digest.hexdigest(), size


@transaction.atomic
def evidence_add(
    *,
    actor: Actor,
    allegation: Allegation,
    file,
    kind: str,
    description: str = "",
    supersedes: Evidence | None = None,
) -> Evidence:
    """Store a new evidence file with its SHA-256 and size. Files are never replaced: a
    correction is a new record that supersedes the old one."""
    return evidence_save(
        actor=actor,
        evidence=Evidence(
            allegation=allegation,
            file=file,
            kind=kind,
            description=description,
            supersedes=supersedes,
        ),
    )


@transaction.atomic
def evidence_save(*, actor: Actor, evidence: Evidence) -> Evidence:
    """Save a prepared evidence record: on creation, fingerprint the file before storing it."""
    lock(evidence)
    if evidence._state.adding:
        upload = evidence.file.file if hasattr(evidence.file, "file") else evidence.file
        try:
            checked = check_upload(upload)
        except ValidationError as error:
            raise ValidationError({"file": error.error_list}) from error
        evidence.sha256, evidence.size = _fingerprint(upload)  # the file as received
        evidence.filename = (getattr(upload, "name", "") or "file").rsplit("/", 1)[-1][:255]
        evidence.content_type = checked.content_type
        evidence.metadata_removed = checked.metadata_removed
        evidence.file = ContentFile(checked.content, name=evidence.filename)
        evidence.uploaded_by = _actor(actor)
    return validated_save(evidence)


@transaction.atomic
def referral_save(*, actor: Actor, referral: Referral) -> Referral:
    """Create (as a draft, with reference ``<allegation>-R<n>``) or update a referral."""
    lock(referral)
    if referral._state.adding:
        referral.full_clean(exclude=["reference"])
        allegation = referral.allegation
        number = next_in_sequence(f"referral:{allegation.reference}")
        referral.reference = f"{allegation.reference}-R{number}"
        referral.created_by = _actor(actor)
    return validated_save(referral)


def referral_create(*, actor: Actor, allegation: Allegation, prosecutor_office) -> Referral:
    return referral_save(
        actor=actor,
        referral=Referral(allegation=allegation, prosecutor_office=prosecutor_office),
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


@transaction.atomic
def allegation_transition(
    *,
    actor: Actor,
    allegation: Allegation,
    to: str,
    reason: str = "",
    note: str = "",
    occurred_at=None,
    document_number: str = "",
    automatic: bool = False,
    expected_status: str | None = None,
) -> Allegation:
    """Move an allegation to ``to`` (LIFECYCLES.md: Allegation).

    Locks the row, checks the table in force when the allegation was received, writes an
    ``AllegationEvent`` and saves the status. ``referred`` happens only automatically, when a
    referral is sent; closing a referred allegation needs every referral to be final.
    """
    allegation = (
        Allegation.objects.select_for_update(of=("self",))
        .select_related("country")
        .get(pk=allegation.pk)
    )
    check_expected_status(allegation.status, expected_status)
    country = allegation.country
    current = allegation.status
    step = ALLEGATION.step(
        country.code, local_day(allegation.received_at, country), current, to, automatic=automatic
    )
    check_needs(step, {"reason": reason, "note": note})
    if reason and reason not in choices.ClosedReason.values:
        raise DomainError(_("Unknown reason."), code=ErrorCode.INVALID, field="reason")
    if to == "closed" and current == "referred":
        if reason != choices.ClosedReason.RESOLVED:
            raise DomainError(
                _("A referred allegation is closed as resolved."),
                code=ErrorCode.INVALID_TRANSITION,
                field="reason",
            )
        if allegation.referrals.exclude(status__in=REFERRAL_FINAL).exists():
            raise DomainError(
                _("Every referral must have reached a final decision first."),
                code=CaseErrorCode.REFERRALS_NOT_FINAL,
            )
    occurred_at = occurred_at or timezone.now()
    previous = allegation.events.order_by("-occurred_at").values_list("occurred_at", flat=True)
    check_event_time(occurred_at, previous=previous.first(), floor=allegation.received_at)
    event = AllegationEvent(
        allegation=allegation,
        kind=to,
        from_status=current,
        to_status=step.status_after(current),
        occurred_at=occurred_at,
        reason=reason if to == "closed" else "",
        note=note,
        document_number=document_number,
        **actor_fields(actor),
    )
    validated_save(event)
    allegation.status = step.status_after(current)
    allegation.closed_reason = reason if to == "closed" else ""
    allegation.save(update_fields=["status", "closed_reason", "updated_at"])
    if to == "closed":
        deadlines.clocks_meet(
            clocks=["urgent_escalation"], met_at=occurred_at, met_by="closed", allegation=allegation
        )
    return allegation


@transaction.atomic
def referral_transition(
    *,
    actor: Actor,
    referral: Referral,
    kind: str,
    occurred_at=None,
    external_number: str = "",
    note: str = "",
    article: str = "",
    sentence: str = "",
    addressee: str = "",
    new_term=None,
    document_number: str = "",
    expected_status: str | None = None,
) -> Referral:
    """Record an event of a referral (LIFECYCLES.md: Referral) and move it accordingly.

    Locks the row, checks the table of the referral's country in force when it was opened,
    refuses missing inputs with their own codes, writes a ``ReferralEvent``, updates the status,
    the external number and the outcome, starts and meets the legal clocks, and moves the
    allegation to ``referred`` when the referral is sent.
    """
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("allegation__country")
        .get(pk=referral.pk)
    )
    check_expected_status(referral.status, expected_status)
    allegation = referral.allegation
    country = allegation.country
    current = referral.status
    step = REFERRAL.step(country.code, local_day(referral.created_at, country), current, kind)
    check_needs(
        step,
        {
            "external_number": external_number,
            "note": note,
            "article": article,
            "sentence": sentence,
            "addressee": addressee,
            "new_term": new_term,
        },
    )
    occurred_at = occurred_at or timezone.now()
    previous = referral.events.order_by("-occurred_at").values_list("occurred_at", flat=True)
    check_event_time(occurred_at, previous=previous.first(), floor=allegation.received_at)
    if kind == "investigation_extended" and new_term <= local_day(occurred_at, country):
        raise DomainError(
            _("The new term must end after the day of the extension."),
            code=ErrorCode.INVALID,
            field="new_term",
        )
    if kind == "sent" and allegation.status == "closed":
        raise DomainError(
            _("The allegation is closed: reopen it before sending a referral."),
            code=ErrorCode.INVALID_TRANSITION,
        )
    # A step keeps only the inputs it takes (an external number belongs to a registration).
    takes = set(step.needs)
    event = ReferralEvent(
        referral=referral,
        kind=kind,
        from_status=current,
        to_status=step.target or current,
        occurred_at=occurred_at,
        external_number=external_number if "external_number" in takes else "",
        note=note,
        article=article if "article" in takes else "",
        sentence=sentence if "sentence" in takes else "",
        addressee=addressee if "addressee" in takes else "",
        new_term=new_term if "new_term" in takes else None,
        document_number=document_number,
        **actor_fields(actor),
    )
    validated_save(event)
    referral.status = step.target or current
    if event.external_number:
        referral.external_number = event.external_number
    referral.outcome = _outcome(kind, note, article, sentence) if step.target else referral.outcome
    referral.save(update_fields=["status", "external_number", "outcome", "updated_at"])
    _referral_clocks(referral, kind, occurred_at, new_term)
    if step.target and step.target != current:
        webhooks.emit(
            "referral.status_changed",
            country_id=country.pk,
            object_type="referral",
            object_id=referral.pk,
        )
    if kind == "sent":
        deadlines.clocks_meet(
            clocks=["urgent_escalation"], met_at=occurred_at, met_by="sent", allegation=allegation
        )
        if allegation.status in ("received", "under_assessment"):
            allegation_transition(
                actor=actor,
                allegation=allegation,
                to="referred",
                occurred_at=max(occurred_at, _last_allegation_event(allegation) or occurred_at),
                note=referral.reference,
                automatic=True,
            )
    return referral


def _last_allegation_event(allegation):
    return allegation.events.order_by("-occurred_at").values_list("occurred_at", flat=True).first()


def _outcome(kind: str, note: str, article: str, sentence: str) -> str:
    if kind not in REFERRAL_FINAL:
        return ""
    return " · ".join(filter(None, [kind, article, sentence, note]))[:500]


def _referral_clocks(referral: Referral, kind: str, occurred_at, new_term) -> None:
    country = referral.allegation.country
    starts, meets = deadlines.referral_clock_changes(country.code, kind)
    met = deadlines.clocks_meet(clocks=meets, met_at=occurred_at, met_by=kind, referral=referral)
    if kind == "investigation_extended":
        previous = met[0] if met else None
        if previous is not None:
            deadlines.clock_restart_until(
                previous, started_at=occurred_at, until=new_term, country=country
            )
    for clock in starts:
        deadlines.clock_start(
            clock=clock, country=country, started_at=occurred_at, referral=referral
        )


# --- reprisal follow-up -------------------------------------------------------------------------


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
