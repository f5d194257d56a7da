"""Reads of the facilities app that need more than a filter. Each takes the acting user."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Max, Q
from django.utils import timezone

from facilities.models import Facility
from npm_tracker.core import clocks


@dataclass(frozen=True)
class PeriodicVisitStatus:
    """When a facility's next periodic visit is due, from its last one (or its registration),
    under the rule in force then. ``due_on`` is ``None`` where the law sets no periodicity."""

    facility: Facility
    last_periodic_visit_on: date | None
    due_on: date | None
    legal_source: str

    @property
    def never_visited(self) -> bool:
        return self.last_periodic_visit_on is None

    def overdue(self, today: date) -> bool:
        return self.due_on is not None and self.due_on < today


def _rules_by_country():
    rules: dict = {}
    for rule in clocks.keeper().rules("periodic_visit"):
        rules.setdefault(rule.country_id, []).append(rule)
    return rules


def _rule_on(rules, day):
    for rule in rules:
        if rule.effective_from <= day and (rule.effective_to is None or day <= rule.effective_to):
            return rule
    return None


def periodic_visit_coverage(user, *, facilities=None) -> list[PeriodicVisitStatus]:
    """For every active facility the user may see: the last periodic visit that ended and when
    the next one is due (KZ: every 4 years, UIK 45(1)). Two queries whatever the number."""
    from npm_tracker.core.calendar import add_duration, working_calendar

    queryset = facilities if facilities is not None else Facility.objects.all()
    queryset = (
        queryset.visible_to(user)
        .filter(is_active=True)
        .select_related("country")
        .annotate(
            last_periodic=Max(
                "visits__ended_on",
                filter=Q(visits__visit_type__is_periodic=True)
                & Q(visits__status__in=("report_drafted", "report_approved", "report_sent")),
            )
        )
    )
    rules = _rules_by_country()
    calendars: dict = {}
    result = []
    for facility in queryset:
        start = facility.last_periodic or facility.registered_on or facility.created_at.date()
        rule = _rule_on(rules.get(facility.country_id, []), start)
        due_on: date | None = None
        if rule is not None:
            zone = facility.country.zone
            started = datetime.combine(start, datetime.min.time(), tzinfo=zone)
            code = facility.country.code
            if code not in calendars:
                calendars[code] = working_calendar(code)
            due_at = add_duration(
                started, rule.duration, rule.unit, code, zone, calendar=calendars[code]
            )
            due_on = timezone.localtime(due_at, zone).date()
        result.append(
            PeriodicVisitStatus(
                facility=facility,
                last_periodic_visit_on=facility.last_periodic,
                due_on=due_on,
                legal_source=rule.legal_source if rule else "",
            )
        )
    return result


def facilities_overdue_for_periodic_visit(user, *, today: date | None = None):
    """Facilities whose periodic visit is overdue or that were never visited, most urgent first."""
    today = today or timezone.localdate()
    rows = [s for s in periodic_visit_coverage(user) if s.overdue(today) or s.never_visited]
    return sorted(rows, key=lambda s: (s.due_on or date.max, s.facility.name))
