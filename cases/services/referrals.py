"""Referrals to the prosecutor's office and the two lifecycles of a case: the allegation's and
the referral's transitions, with the legal clocks their events start and meet."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import choices, deadlines
from cases.errors import CaseErrorCode
from cases.lifecycles import ALLEGATION, REFERRAL, REFERRAL_FINAL
from cases.models import (
    Allegation,
    AllegationEvent,
    Referral,
    ReferralEvent,
)
from npm_tracker.core import webhooks
from npm_tracker.core.errors import DomainError, ErrorCode
from npm_tracker.core.services import (
    Actor,
    actor_fields,
    lock,
    locked_row,
    next_in_sequence,
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
def referral_save(*, actor: Actor, referral: Referral) -> Referral:
    """Create (as a draft, with reference ``<allegation>-R<n>``) or update a referral."""
    lock(referral)
    if referral._state.adding:
        referral.full_clean(exclude=["reference"])
        allegation = referral.allegation
        number = next_in_sequence(f"referral:{allegation.reference}")
        referral.reference = f"{allegation.reference}-R{number}"
        referral.created_by = staff_user(actor)
    return validated_save(referral)


def referral_create(*, actor: Actor, allegation: Allegation, prosecutor_office) -> Referral:
    return referral_save(
        actor=actor,
        referral=Referral(allegation=allegation, prosecutor_office=prosecutor_office),
    )


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
    allegation = locked_row(Allegation.objects.select_related("country"), allegation)
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
    referral = locked_row(Referral.objects.select_related("allegation__country"), referral)
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
            prosecutor_office_id=referral.prosecutor_office_id,
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
