"""Risk-based visit planning: facilities ranked by what the case work says of them (open
allegations, recommendations without a response in time) and by their visits. It reads both apps,
so it lives in the upper one."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Allegation, Deadline
from facilities.models import Facility
from facilities.selectors import PeriodicVisitStatus, periodic_visit_coverage


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
        f: Any = status.facility  # carries the annotations of the query above
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
