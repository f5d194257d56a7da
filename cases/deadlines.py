"""The deadline engine: which event starts and meets which legal clock (LIFECYCLES.md), and how
a due moment is computed from the deadline rule in force.

Durations, units and legal sources are data (``DeadlineRule``); this module only knows which
event starts which clock. A started clock copies the rule's terms and source, so a rule edited
later changes new clocks only.
"""

from datetime import date, datetime, time, timedelta

from django.db.models import Q

from cases.models import Deadline, DeadlineRule
from npm_tracker.core.calendar import add_duration

# Referral events: the clocks they start and the clocks they meet. A (country, kind) key applies
# to that country only.
REFERRAL_STARTS = {
    "sent": ("referral_answer",),
    "appealed": ("appeal_answer",),
    ("KZ", "registered"): ("investigation_term",),
    ("KG", "case_opened"): ("investigation_term",),
}
REFERRAL_MEETS = {
    "acknowledged": ("referral_answer",),
    "registered": ("referral_answer", "appeal_answer"),
    "refused": ("referral_answer", "appeal_answer"),
    "forwarded": ("referral_answer",),
    "case_opened": ("appeal_answer",),
    "terminated": ("investigation_term",),
    "sent_to_court": ("investigation_term",),
    "investigation_extended": ("investigation_term",),
}


def referral_clock_changes(country_code: str, kind: str) -> tuple[tuple, tuple]:
    starts = REFERRAL_STARTS.get(kind, ()) + REFERRAL_STARTS.get((country_code, kind), ())
    return starts, REFERRAL_MEETS.get(kind, ())


def rule_in_force(country, clock: str, day: date) -> DeadlineRule | None:
    """The rule of ``clock`` in ``country`` on ``day``, or ``None`` when the law sets none."""
    return (
        DeadlineRule.objects.filter(country=country, clock=clock, effective_from__lte=day)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day))
        .first()
    )


def due_moment(rule: DeadlineRule, started_at: datetime, country) -> datetime:
    return add_duration(started_at, rule.duration, rule.unit, country.code, country.zone)


def clock_start(*, clock: str, country, started_at: datetime, **subject) -> Deadline | None:
    """Start ``clock`` for a subject (``referral=``, ``allegation=``, ``recommendation=``,
    ``follow_up=``). Returns ``None`` when no rule is in force that day: nothing to count."""
    day = started_at.astimezone(country.zone).date()
    rule = rule_in_force(country, clock, day)
    if rule is None:
        return None
    return Deadline.objects.create(
        country=country,
        clock=clock,
        rule=rule,
        duration=rule.duration,
        unit=rule.unit,
        legal_source=rule.legal_source,
        started_at=started_at,
        due_at=due_moment(rule, started_at, country),
        **subject,
    )


def clock_restart_until(
    previous: Deadline, *, started_at: datetime, until: date, country
) -> Deadline:
    """A clock extended to a term set by the authority (``investigation_extended``): due at the
    end of that day, under the same legal source."""
    due = datetime.combine(until, time.max, tzinfo=country.zone)
    return Deadline.objects.create(
        country=country,
        clock=previous.clock,
        rule=previous.rule,
        duration=None,
        unit="",
        legal_source=previous.legal_source,
        started_at=started_at,
        due_at=max(due, started_at + timedelta(seconds=1)),
        referral=previous.referral,
        allegation=previous.allegation,
        recommendation=previous.recommendation,
        follow_up=previous.follow_up,
    )


def clocks_meet(*, clocks, met_at: datetime, met_by: str, **subject) -> list[Deadline]:
    """Mark the open clocks of the given kinds of a subject as met; return them."""
    open_clocks = list(
        Deadline.objects.select_for_update().filter(
            met_at__isnull=True, clock__in=list(clocks), **subject
        )
    )
    for deadline in open_clocks:
        deadline.met_at = met_at
        deadline.met_by = met_by
        deadline.save(update_fields=["met_at", "met_by", "updated_at"])
    return open_clocks


class Keeper:
    """The legal clocks as ``npm_tracker.core.clocks`` offers them to the apps below this one."""

    start = staticmethod(clock_start)
    meet = staticmethod(clocks_meet)

    @staticmethod
    def rules(clock: str):
        return DeadlineRule.objects.filter(clock=clock).select_related("country")
