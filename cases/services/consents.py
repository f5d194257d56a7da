"""Consent per destination: granted, withdrawn, brought to a wanted state."""

from datetime import date

from django.db import transaction

from cases import choices
from cases.models import (
    Allegation,
    Consent,
)
from npm_tracker.core.services import (
    Actor,
    lock,
    staff_user,
    validated_save,
)


@transaction.atomic
def consent_save(*, actor: Actor, consent: Consent) -> Consent:
    """Record a consent, or change the note or withdrawal date of one."""
    lock(consent)
    if consent._state.adding:
        consent.recorded_by = staff_user(actor)
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
