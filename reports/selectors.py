"""The figures of the reports, read with aggregate queries (no per-row queries). The same
functions feed the PDFs and ``GET /api/v1/statistics/``.

A scope is a country, optionally narrowed to a region or an agency (of the facility concerned).
Every figure is a plain dict or list, ready for JSON; names are in the active language.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Count, F, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.choices import Clock, ReferralStatus
from cases.models import (
    Allegation,
    AllegationSource,
    Deadline,
    Method,
    PlaceOfIncident,
    Referral,
    ReferralEvent,
)
from facilities.choices import AddresseeLevel, RecommendationStatus
from facilities.models import (
    Agency,
    ObstacleType,
    Recommendation,
    Region,
    Visit,
    VisitObstacle,
    VisitType,
)
from npm_tracker.scoping import CountryReader

SMALL_CELL = 5  # counts 1..4 are printed "<5" in public versions (OPCAT Art. 21)
FINAL_REFERRAL_STATUSES = (
    ReferralStatus.REFUSED,
    ReferralStatus.TERMINATED,
    ReferralStatus.CONVICTED,
    ReferralStatus.ACQUITTED,
    ReferralStatus.FORWARDED,
)


@dataclass(frozen=True)
class Scope:
    country: object
    period_start: date
    period_end: date
    region: object = None
    agency: object = None

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """The period as instants in the country's time zone: [start, end)."""
        zone = self.country.zone
        start = datetime.combine(self.period_start, time.min, tzinfo=zone)
        end = datetime.combine(self.period_end + timedelta(days=1), time.min, tzinfo=zone)
        return start, end

    def facility_filter(self, prefix: str) -> Q:
        """Narrow records through their facility (``prefix`` leads to it)."""
        condition = Q()
        if self.region is not None:
            condition &= Q(**{f"{prefix}__region": self.region})
        if self.agency is not None:
            condition &= Q(**{f"{prefix}__agency": self.agency})
        return condition

    def previous_year(self) -> "Scope":
        return Scope(
            country=self.country,
            period_start=self.period_start.replace(year=self.period_start.year - 1),
            period_end=self.period_end.replace(year=self.period_end.year - 1),
            region=self.region,
            agency=self.agency,
        )


def _rows(counts: dict, names: dict) -> list[dict]:
    """``[{"code", "name", "count"}]`` by count, then name; codes unknown to ``names`` kept."""
    rows = [
        {"code": code, "name": names.get(code, code), "count": count}
        for code, count in counts.items()
        if count
    ]
    return sorted(rows, key=lambda r: (-r["count"], r["name"]))


def _vocabulary(model, pks) -> dict:
    return {item.pk: item for item in model.objects.filter(pk__in=[pk for pk in pks if pk])}


def _breakdown(queryset, field: str, model) -> list[dict]:
    counts = dict(
        queryset.order_by()
        .values(field)
        .annotate(n=Count("pk", distinct=True))
        .values_list(field, "n")
    )
    items = _vocabulary(model, counts)
    return _rows(
        {items[pk].code if pk in items else "none": n for pk, n in counts.items()},
        {item.code: item.name for item in items.values()} | {"none": _("not recorded")},
    )


def _choices_breakdown(queryset, field: str, choices) -> list[dict]:
    counts = dict(queryset.order_by().values(field).annotate(n=Count("pk")).values_list(field, "n"))
    return _rows(counts, {c.value: str(c.label) for c in choices})


def visits_in(scope: Scope):
    return Visit.objects.filter(
        Q(facility__country=scope.country)
        & scope.facility_filter("facility")
        & Q(started_on__gte=scope.period_start, started_on__lte=scope.period_end)
    ).exclude(status="cancelled")


def allegations_in(scope: Scope):
    start, end = scope.bounds
    return Allegation.objects.filter(
        Q(country=scope.country)
        & scope.facility_filter("facility")
        & Q(received_at__gte=start, received_at__lt=end)
    )


def referrals_in(scope: Scope):
    """Referrals sent to a prosecutor's office in the period."""
    start, end = scope.bounds
    sent = ReferralEvent.objects.filter(
        kind="sent", occurred_at__gte=start, occurred_at__lt=end
    ).values("referral_id")
    return Referral.objects.filter(
        Q(allegation__country=scope.country)
        & scope.facility_filter("allegation__facility")
        & Q(pk__in=sent)
    )


def recommendations_in(scope: Scope):
    condition = Q(country=scope.country) & Q(
        issued_on__gte=scope.period_start, issued_on__lte=scope.period_end
    )
    if scope.region is not None:
        condition &= Q(facility__region=scope.region)
    if scope.agency is not None:
        condition &= Q(facility__agency=scope.agency) | Q(addressee_agency=scope.agency)
    return Recommendation.objects.filter(condition)


def visit_figures(scope: Scope) -> dict:
    visits = visits_in(scope)
    total = visits.count()
    return {
        "total": total,
        "unannounced": visits.filter(announced=False).count(),
        "by_type": _breakdown(visits, "visit_type", VisitType),
        "by_region": _breakdown(visits, "facility__region", Region),
        "by_agency": _breakdown(visits, "facility__agency", Agency),
    }


def obstacle_figures(scope: Scope) -> dict:
    obstacles = VisitObstacle.objects.filter(visit__in=visits_in(scope))
    return {
        "visits_with_obstacles": obstacles.values("visit").distinct().count(),
        "by_type": _breakdown(obstacles, "obstacle_type", ObstacleType),
    }


def allegation_figures(scope: Scope) -> dict:
    allegations = allegations_in(scope)
    return {
        "total": allegations.count(),
        "by_source": _breakdown(allegations, "source", AllegationSource),
        "by_method": _breakdown(allegations, "methods", Method),
        "by_place": _breakdown(allegations, "place_of_incident", PlaceOfIncident),
        "by_perpetrator_agency": _breakdown(
            allegations.filter(perpetrators__agency__isnull=False),
            "perpetrators__agency",
            Agency,
        ),
    }


def _stage_medians(referrals) -> list[dict]:
    """Median days spent in each status before the next step, over the referrals' events."""
    ids_sql, params = referrals.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT from_status,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY days),
                   count(*)
            FROM (
                SELECT from_status,
                       EXTRACT(EPOCH FROM occurred_at - lag(occurred_at) OVER (
                           PARTITION BY referral_id ORDER BY occurred_at, created_at
                       )) / 86400.0 AS days
                FROM cases_referralevent
                WHERE referral_id IN ({ids_sql})
            ) AS steps
            WHERE days IS NOT NULL
            GROUP BY from_status
            """,
            params,
        )
        rows = cursor.fetchall()
    labels = {c.value: str(c.label) for c in ReferralStatus}
    order = list(labels)
    return sorted(
        (
            {
                "code": status,
                "name": labels.get(status, status),
                "median_days": round(float(median), 1),
                "count": count,
            }
            for status, median, count in rows
        ),
        key=lambda r: order.index(r["code"]) if r["code"] in order else len(order),
    )


def referral_figures(scope: Scope) -> dict:
    referrals = referrals_in(scope)
    _start, end = scope.bounds
    answers = Deadline.objects.filter(clock=Clock.REFERRAL_ANSWER, referral__in=referrals)
    on_time = answers.filter(met_at__isnull=False, met_at__lte=F("due_at")).count()
    late = answers.filter(
        Q(met_at__gt=F("due_at")) | Q(met_at__isnull=True, due_at__lt=end)
    ).count()
    final = referrals.filter(status__in=FINAL_REFERRAL_STATUSES)
    return {
        "total": referrals.count(),
        "by_status": _choices_breakdown(referrals, "status", ReferralStatus),
        "by_outcome": _choices_breakdown(final, "status", ReferralStatus),
        "answered_on_time": on_time,
        "answered_late": late,
        "on_time_share": _share(on_time, on_time + late),
        "median_days_by_stage": _stage_medians(referrals),
    }


def _share(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def overdue_figures(scope: Scope) -> dict:
    """Legal clocks that were running late at the end of the period."""
    _start, end = scope.bounds
    deadlines = Deadline.objects.filter(country=scope.country, started_at__lt=end, due_at__lt=end)
    deadlines = deadlines.filter(Q(met_at__isnull=True) | Q(met_at__gte=end))
    if scope.region is not None or scope.agency is not None:
        deadlines = deadlines.filter(
            scope.facility_filter("referral__allegation__facility")
            | scope.facility_filter("allegation__facility")
            | scope.facility_filter("recommendation__facility")
            | scope.facility_filter("follow_up__allegation__facility")
        )
    return {
        "total": deadlines.count(),
        "by_clock": _choices_breakdown(deadlines, "clock", Clock),
    }


def recommendation_figures(scope: Scope) -> dict:
    recommendations = recommendations_in(scope)
    total = recommendations.count()
    implemented = recommendations.filter(status=RecommendationStatus.IMPLEMENTED).count()
    partly = recommendations.filter(status=RecommendationStatus.PARTIALLY_IMPLEMENTED).count()
    return {
        "issued": total,
        "implemented": implemented,
        "partially_implemented": partly,
        "implementation_rate": _share(implemented, total),
        "by_status": _choices_breakdown(recommendations, "status", RecommendationStatus),
    }


def periodic_statistics(scope: Scope) -> dict:
    return {
        "visits": visit_figures(scope),
        "obstacles": obstacle_figures(scope),
        "allegations": allegation_figures(scope),
        "referrals": referral_figures(scope),
        "overdue": overdue_figures(scope),
        "recommendations": recommendation_figures(scope),
    }


def _key_figures(scope: Scope) -> dict:
    return {
        "visits": visits_in(scope).count(),
        "allegations": allegations_in(scope).count(),
        "referrals": referrals_in(scope).count(),
        "recommendations": recommendations_in(scope).count(),
        "implemented": recommendations_in(scope).filter(status="implemented").count(),
    }


TREND_LABELS = {
    "visits": gettext_lazy("visits"),
    "allegations": gettext_lazy("allegations received"),
    "referrals": gettext_lazy("referrals sent"),
    "recommendations": gettext_lazy("recommendations issued"),
    "implemented": gettext_lazy("recommendations implemented"),
}


def annual_statistics(scope: Scope) -> dict:
    from facilities.selectors import facilities_overdue_for_periodic_visit

    figures = periodic_statistics(scope)
    this_year = {
        "visits": figures["visits"]["total"],
        "allegations": figures["allegations"]["total"],
        "referrals": figures["referrals"]["total"],
        "recommendations": figures["recommendations"]["issued"],
        "implemented": figures["recommendations"]["implemented"],
    }
    last_year = _key_figures(scope.previous_year())
    figures["trends"] = [
        {
            "code": code,
            "name": str(TREND_LABELS[code]),
            "count": this_year[code],
            "previous": last_year[code],
            "change": this_year[code] - last_year[code],
        }
        for code in this_year
    ]
    reader = CountryReader(scope.country.pk)
    coverage = facilities_overdue_for_periodic_visit(reader, today=scope.period_end)
    coverage = [
        row
        for row in coverage
        if (scope.region is None or row.facility.region_id == scope.region.pk)
        and (scope.agency is None or row.facility.agency_id == scope.agency.pk)
    ]
    figures["facilities"] = {
        "never_visited": sum(1 for row in coverage if row.never_visited),
        "overdue": sum(1 for row in coverage if not row.never_visited),
        "list": [
            {
                "id": str(row.facility.pk),
                "name": row.facility.name,
                "last_periodic_visit_on": row.last_periodic_visit_on,
                "due_on": row.due_on,
            }
            for row in coverage
        ],
    }
    recommendations = recommendations_in(scope)
    matrix = (
        recommendations.order_by().values_list("addressee_level", "status").annotate(n=Count("pk"))
    )
    levels = {c.value: str(c.label) for c in AddresseeLevel}
    by_addressee: dict = {}
    for level, status, n in matrix:
        row = by_addressee.setdefault(
            level, {"code": level, "name": levels.get(level, level), "count": 0, "by_status": {}}
        )
        row["count"] += n
        row["by_status"][status] = n
    figures["recommendations"]["by_addressee"] = sorted(
        by_addressee.values(), key=lambda r: -r["count"]
    )
    return figures


def suppress_small_cells(value):
    """The public version of a figure: counts 1..4 become "<5", everything else is kept; rates
    and medians computed from fewer than five cases are withheld."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return "<5" if 0 < value < SMALL_CELL else value
    if isinstance(value, list):
        return [suppress_small_cells(item) for item in value]
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if key in ("id", "list"):
                result[key] = item
            elif key == "median_days" and isinstance(value.get("count"), int):
                result[key] = item if value["count"] >= SMALL_CELL else None
            elif key == "on_time_share":
                whole = value.get("answered_on_time", 0) + value.get("answered_late", 0)
                result[key] = item if whole >= SMALL_CELL else None
            elif key == "implementation_rate":
                result[key] = item if value.get("issued", 0) >= SMALL_CELL else None
            elif key == "by_status" and isinstance(item, dict):
                result[key] = {k: suppress_small_cells(v) for k, v in item.items()}
            else:
                result[key] = suppress_small_cells(item)
        return result
    return value
