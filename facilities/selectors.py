"""Reads of the facilities app that need more than a filter. Each takes the acting user."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Max, Q
from django.utils import timezone

from facilities.models import Facility


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
    from cases.models import DeadlineRule

    rules: dict = {}
    for rule in DeadlineRule.objects.filter(clock="periodic_visit").select_related("country"):
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
        due_on = None
        if rule is not None:
            zone = facility.country.zone
            started = timezone.datetime.combine(start, timezone.datetime.min.time(), tzinfo=zone)
            code = facility.country.code
            if code not in calendars:
                calendars[code] = working_calendar(code)
            due_on = add_duration(
                started, rule.duration, rule.unit, code, zone, calendar=calendars[code]
            )
            due_on = timezone.localtime(due_on, zone).date()
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


@dataclass(frozen=True)
class PlanningRow:
    """A facility's place in the visit plan: its score and why."""

    facility: Facility
    score: float
    reasons: list
    periodic: PeriodicVisitStatus


# Weights of the risk score; what each counts is shown beside it, so a monitor can disagree.
PLANNING_WEIGHTS = {
    "open_allegation": 3.0,
    "overdue_recommendation": 2.0,
    "half_year_since_visit": 1.0,
    "periodic_overdue": 5.0,
    "periodic_due_soon": 2.0,
    "never_visited": 4.0,
    "per_200_held": 1.0,
}


def visit_planning(user, *, today: date | None = None, country=None, region=None) -> list:
    """Facilities ranked for the next visits: open allegations, overdue recommendations, time
    since the last visit, periodic-visit due date and population, each reason shown."""
    from django.db.models import Count, OuterRef, Subquery
    from django.db.models.functions import Coalesce
    from django.utils.translation import gettext as _

    from cases.models import Allegation, Deadline

    today = today or timezone.localdate()
    now = timezone.now()
    w = PLANNING_WEIGHTS
    open_allegations = (
        Allegation.objects.filter(facility=OuterRef("pk"))
        .exclude(status="closed")
        .order_by()
        .values("facility")
        .annotate(n=Count("pk"))
        .values("n")
    )
    overdue_recs = (
        Deadline.objects.filter(
            recommendation__facility=OuterRef("pk"), met_at__isnull=True, due_at__lt=now
        )
        .order_by()
        .values("recommendation__facility")
        .annotate(n=Count("recommendation", distinct=True))
        .values("n")
    )
    facilities = Facility.objects.all()
    if country is not None:
        facilities = facilities.filter(country=country)
    if region is not None:
        facilities = facilities.filter(region=region)
    facilities = facilities.annotate(
        open_allegations=Coalesce(Subquery(open_allegations), 0),
        overdue_recommendations=Coalesce(Subquery(overdue_recs), 0),
        last_visit_on=Max(
            "visits__started_on",
            filter=~Q(visits__status="cancelled") & Q(visits__started_on__lte=today),
        ),
    ).select_related("region", "facility_type")
    rows = []
    for status in periodic_visit_coverage(user, facilities=facilities):
        f = status.facility
        score = 0.0
        reasons = []
        if f.open_allegations:
            score += w["open_allegation"] * f.open_allegations
            reasons.append(_("%(n)d open allegations") % {"n": f.open_allegations})
        if f.overdue_recommendations:
            score += w["overdue_recommendation"] * f.overdue_recommendations
            reasons.append(
                _("%(n)d recommendations without a response in time")
                % {"n": f.overdue_recommendations}
            )
        if f.last_visit_on is None:
            score += w["never_visited"]
            reasons.append(_("never visited"))
        else:
            days = (today - f.last_visit_on).days
            score += w["half_year_since_visit"] * min(days / 182, 8)
            reasons.append(_("last visit %(days)d days ago") % {"days": days})
        if status.overdue(today):
            score += w["periodic_overdue"]
            reasons.append(_("periodic visit overdue since %(day)s") % {"day": status.due_on})
        elif status.due_on is not None and (status.due_on - today).days <= 90:
            score += w["periodic_due_soon"]
            reasons.append(_("periodic visit due by %(day)s") % {"day": status.due_on})
        if f.population:
            score += w["per_200_held"] * min(f.population / 200, 3)
            reasons.append(_("%(n)d persons held") % {"n": f.population})
        rows.append(
            PlanningRow(facility=f, score=round(score, 1), reasons=reasons, periodic=status)
        )
    rows.sort(key=lambda r: (-r.score, r.facility.name))
    return rows
