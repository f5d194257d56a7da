"""All writes of allegations, the people in them, consent, evidence and referrals.

Each service validates completely before it writes and runs in one transaction; reference numbers
come from a sequence row locked by the same transaction, so a refused write hands out no number.
Status changes are not here: they belong to the one transition service of each lifecycle.
"""

import hashlib
from datetime import date

from django.db import transaction

from cases import choices
from cases.models import (
    Allegation,
    Consent,
    Evidence,
    MedicalExamination,
    Perpetrator,
    Referral,
    Victim,
    Witness,
)
from npm_tracker.services import assign, lock, next_in_sequence, validated_save

ADULT_AGE = 18


def _actor(actor):
    return actor if actor is not None and actor.is_authenticated else None


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
def allegation_save(*, actor, allegation: Allegation) -> Allegation:
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
    return allegation


@transaction.atomic
def allegation_create(
    *,
    actor,
    methods=(),
    victim: dict | None = None,
    consents: dict[str, dict] | None = None,
    perpetrators: list[dict] = (),
    witnesses: list[dict] = (),
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
    return allegation


@transaction.atomic
def allegation_update(*, actor, allegation: Allegation, methods=None, **fields) -> Allegation:
    lock(allegation)
    assign(allegation, fields)
    allegation_save(actor=actor, allegation=allegation)
    if methods is not None:
        allegation.methods.set(methods)
    return allegation


@transaction.atomic
def victim_save(*, actor, victim: Victim) -> Victim:
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
    return victim


@transaction.atomic
def allegation_part_save(*, actor, part):
    """Save a perpetrator, witness or medical examination of an allegation."""
    lock(part)
    return validated_save(part)


@transaction.atomic
def medical_examination_add(*, actor, allegation: Allegation, **fields) -> MedicalExamination:
    return allegation_part_save(
        actor=actor, part=MedicalExamination(allegation=allegation, **fields)
    )


@transaction.atomic
def consent_save(*, actor, consent: Consent) -> Consent:
    """Record a consent, or change the note or withdrawal date of one."""
    lock(consent)
    if consent._state.adding:
        consent.recorded_by = _actor(actor)
    return validated_save(consent)


def consent_grant(
    *, actor, allegation: Allegation, destination: str, granted_on: date, form: str, note=""
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
def consent_withdraw(*, actor, consent: Consent, withdrawn_on: date, note: str = "") -> Consent:
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
    actor,
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
    actor,
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
def evidence_save(*, actor, evidence: Evidence) -> Evidence:
    """Save a prepared evidence record: on creation, fingerprint the file before storing it."""
    lock(evidence)
    if evidence._state.adding:
        upload = evidence.file.file if hasattr(evidence.file, "file") else evidence.file
        evidence.sha256, evidence.size = _fingerprint(upload)
        evidence.filename = (getattr(upload, "name", "") or "file").rsplit("/", 1)[-1][:255]
        evidence.uploaded_by = _actor(actor)
    return validated_save(evidence)


@transaction.atomic
def referral_save(*, actor, referral: Referral) -> Referral:
    """Create (as a draft, with reference ``<allegation>-R<n>``) or update a referral."""
    lock(referral)
    if referral._state.adding:
        referral.full_clean(exclude=["reference"])
        allegation = referral.allegation
        number = next_in_sequence(f"referral:{allegation.reference}")
        referral.reference = f"{allegation.reference}-R{number}"
        referral.created_by = _actor(actor)
    return validated_save(referral)


def referral_create(*, actor, allegation: Allegation, prosecutor_office) -> Referral:
    return referral_save(
        actor=actor,
        referral=Referral(allegation=allegation, prosecutor_office=prosecutor_office),
    )


@transaction.atomic
def victim_ensure(*, actor, allegation: Allegation) -> Victim:
    """Every allegation is about one person: give it an (empty, pseudonymised) victim record
    when none was entered yet."""
    existing = Victim.objects.filter(allegation=allegation).first()
    if existing is not None:
        return existing
    return victim_save(actor=actor, victim=Victim(allegation=allegation))
