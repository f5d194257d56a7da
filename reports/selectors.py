"""The figures of the reports, read with aggregate queries (no per-row queries). The same
functions feed the PDFs and ``GET /api/v1/statistics/``.

A scope is a country, optionally narrowed to a region or an agency (of the facility concerned).
Every figure is a plain dict or list, ready for JSON; names are in the active language.
"""

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q
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
from npm_tracker.core.models import Country
from npm_tracker.core.scoping import CountryReader

# Memory for the sorts and hashes of one statistics run (a year of a country's records sorted in
# memory rather than on disk); set for the run's transaction only, not for every connection.
STATISTICS_WORK_MEM = "64MB"
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
    country: Country
    period_start: date
    period_end: date
    region: Region | None = None
    agency: Agency | None = None

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


def _named(counts: dict, model) -> list[dict]:
    """``_rows`` of counts keyed by the primary keys of a vocabulary (``None``: not recorded)."""
    items = _vocabulary(model, counts)
    return _rows(
        {items[pk].code if pk in items else "none": n for pk, n in counts.items()},
        {item.code: item.name for item in items.values()} | {"none": _("not recorded")},
    )


def _breakdown(queryset, field: str, model) -> list[dict]:
    counts = dict(
        queryset.order_by()
        .values(field)
        .annotate(n=Count("pk", distinct=True))
        .values_list(field, "n")
    )
    return _named(counts, model)


def _labelled(counts: dict, choices) -> list[dict]:
    return _rows(counts, {c.value: str(c.label) for c in choices})


def _one_pass(queryset, dimensions: dict, flags: dict | None = None) -> tuple[dict, dict]:
    """Count the distinct records of ``queryset`` in total and grouped by each of
    ``dimensions`` (``{name: field path}``), in one scan (``GROUPING SETS``), instead of one
    query per figure. ``flags`` (``{name: Q}``) are counted in the total too.

    Returns ``(totals, groups)``: ``totals`` has ``"count"`` and one count per flag; ``groups``
    maps each dimension to ``{value: count}`` (``None`` for records without a value)."""
    flags = flags or {}
    names = list(dimensions)
    columns: dict[str, F | ExpressionWrapper] = {
        f"dim{i}": F(path) for i, path in enumerate(dimensions.values())
    }
    columns |= {
        f"flag{i}": ExpressionWrapper(condition, output_field=BooleanField())
        for i, condition in enumerate(flags.values())
    }
    inner, params = queryset.order_by().values(row=F("pk"), **columns).query.sql_with_params()
    dims = [f"dim{i}" for i in range(len(names))]
    select = [f"GROUPING({d})" for d in dims] + dims + ["count(DISTINCT row)"]
    select += [f"count(DISTINCT row) FILTER (WHERE flag{i})" for i in range(len(flags))]
    sets = ", ".join([f"({d})" for d in dims] + ["()"])
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(select)} FROM ({inner}) AS rows GROUP BY GROUPING SETS ({sets})",
            params,
        )
        result = cursor.fetchall()
    totals: dict = {"count": 0, **dict.fromkeys(flags, 0)}
    groups: dict = {name: {} for name in names}
    width = len(dims)
    for row in result:
        grouped, values, counts = row[:width], row[width : 2 * width], row[2 * width :]
        if all(grouped):
            totals["count"] = counts[0]
            totals.update(zip(flags, counts[1:], strict=True))
            continue
        i = grouped.index(0)
        groups[names[i]][values[i]] = counts[0]
    return totals, groups


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
    totals, groups = _one_pass(
        visits_in(scope),
        {"by_type": "visit_type", "by_region": "facility__region", "by_agency": "facility__agency"},
        {"unannounced": Q(announced=False)},
    )
    return {
        "total": totals["count"],
        "unannounced": totals["unannounced"],
        "by_type": _named(groups["by_type"], VisitType),
        "by_region": _named(groups["by_region"], Region),
        "by_agency": _named(groups["by_agency"], Agency),
    }


def obstacle_figures(scope: Scope) -> dict:
    obstacles = VisitObstacle.objects.filter(visit__in=visits_in(scope))
    return {
        "visits_with_obstacles": obstacles.values("visit").distinct().count(),
        "by_type": _breakdown(obstacles, "obstacle_type", ObstacleType),
    }


def allegation_figures(scope: Scope) -> dict:
    allegations = allegations_in(scope)
    totals, groups = _one_pass(
        allegations, {"by_source": "source", "by_place": "place_of_incident"}
    )
    return {
        "total": totals["count"],
        "by_source": _named(groups["by_source"], AllegationSource),
        "by_method": _breakdown(allegations, "methods", Method),
        "by_place": _named(groups["by_place"], PlaceOfIncident),
        "by_perpetrator_agency": _breakdown(
            allegations.filter(perpetrators__agency__isnull=False),
            "perpetrators__agency",
            Agency,
        ),
    }


def _referral_aggregates(referrals, end: datetime) -> dict:
    """The referral figures of a period in one statement: the referrals are selected once
    (``referrals_in`` joins the events of the whole table) and then counted by status, their
    answer clocks counted on time and late, and the days each status lasted before the next
    step reduced to medians (a window over the referrals' events)."""
    ids_sql, params = referrals.order_by().values("pk", "status").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH picked AS MATERIALIZED ({ids_sql})
            SELECT json_build_object(
                'by_status', (
                    SELECT json_object_agg(status, n)
                    FROM (SELECT status, count(*) AS n FROM picked GROUP BY status) AS counted
                ),
                'answers', (
                    SELECT json_build_object(
                        'on_time', count(*) FILTER (WHERE met_at IS NOT NULL AND met_at <= due_at),
                        'late', count(*) FILTER (
                            WHERE met_at > due_at OR (met_at IS NULL AND due_at < %s)
                        )
                    )
                    FROM cases_deadline
                    WHERE clock = %s AND referral_id IN (SELECT pk FROM picked)
                ),
                'stages', (
                    SELECT json_agg(json_build_array(from_status, median, n))
                    FROM (
                        SELECT from_status,
                               percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS median,
                               count(*) AS n
                        FROM (
                            SELECT from_status,
                                   EXTRACT(EPOCH FROM occurred_at - lag(occurred_at) OVER (
                                       PARTITION BY referral_id ORDER BY occurred_at, created_at
                                   )) / 86400.0 AS days
                            FROM cases_referralevent
                            WHERE referral_id IN (SELECT pk FROM picked)
                        ) AS steps
                        WHERE days IS NOT NULL
                        GROUP BY from_status
                    ) AS medians
                )
            )
            """,
            [*params, end, Clock.REFERRAL_ANSWER],
        )
        return cursor.fetchone()[0]


def _stage_medians(rows) -> list[dict]:
    """Median days spent in each status before the next step, in the order of the lifecycle."""
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
            for status, median, count in rows or ()
        ),
        key=lambda r: order.index(r["code"]) if r["code"] in order else len(order),
    )


def referral_figures(scope: Scope) -> dict:
    _start, end = scope.bounds
    figures = _referral_aggregates(referrals_in(scope), end)
    by_status = figures["by_status"] or {}
    final = {status: n for status, n in by_status.items() if status in FINAL_REFERRAL_STATUSES}
    on_time, late = figures["answers"]["on_time"], figures["answers"]["late"]
    return {
        "total": sum(by_status.values()),
        "by_status": _labelled(by_status, ReferralStatus),
        "by_outcome": _labelled(final, ReferralStatus),
        "answered_on_time": on_time,
        "answered_late": late,
        "on_time_share": _share(on_time, on_time + late),
        "median_days_by_stage": _stage_medians(figures["stages"]),
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
    totals, groups = _one_pass(deadlines, {"by_clock": "clock"})
    return {"total": totals["count"], "by_clock": _labelled(groups["by_clock"], Clock)}


def recommendation_figures(scope: Scope, *, by_addressee: bool = False) -> dict:
    """Recommendations issued in the period by status (and, for the annual report, by
    addressee level and status), from one grouped query."""
    matrix = (
        recommendations_in(scope)
        .order_by()
        .values_list("addressee_level", "status")
        .annotate(n=Count("pk"))
    )
    by_status: dict = {}
    levels: dict = {}
    for level, status, n in matrix:
        by_status[status] = by_status.get(status, 0) + n
        levels.setdefault(level, {})[status] = n
    total = sum(by_status.values())
    implemented = by_status.get(RecommendationStatus.IMPLEMENTED, 0)
    figures = {
        "issued": total,
        "implemented": implemented,
        "partially_implemented": by_status.get(RecommendationStatus.PARTIALLY_IMPLEMENTED, 0),
        "implementation_rate": _share(implemented, total),
        "by_status": _labelled(by_status, RecommendationStatus),
    }
    if by_addressee:
        names = {c.value: str(c.label) for c in AddresseeLevel}
        figures["by_addressee"] = sorted(
            (
                {
                    "code": level,
                    "name": names.get(level, level),
                    "count": sum(statuses.values()),
                    "by_status": statuses,
                }
                for level, statuses in levels.items()
            ),
            key=lambda r: -r["count"],
        )
    return figures


@contextmanager
def _statistics_transaction():
    """One transaction for the figures of a report, with ``STATISTICS_WORK_MEM``."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{STATISTICS_WORK_MEM}'")
        yield


@_statistics_transaction()
def periodic_statistics(scope: Scope, *, by_addressee: bool = False) -> dict:
    return {
        "visits": visit_figures(scope),
        "obstacles": obstacle_figures(scope),
        "allegations": allegation_figures(scope),
        "referrals": referral_figures(scope),
        "overdue": overdue_figures(scope),
        "recommendations": recommendation_figures(scope, by_addressee=by_addressee),
    }


def _key_figures(scope: Scope) -> dict:
    """The year's headline counts, for the trends of the next year's report: one query."""
    recommendations = recommendations_in(scope)
    return _counts(
        {
            "visits": visits_in(scope),
            "allegations": allegations_in(scope),
            "referrals": referrals_in(scope),
            "recommendations": recommendations,
            "implemented": recommendations.filter(status=RecommendationStatus.IMPLEMENTED),
        }
    )


def _counts(querysets: dict) -> dict:
    """``{name: queryset.count()}`` read in one query."""
    parts, params = [], []
    for queryset in querysets.values():
        sql, queryset_params = queryset.order_by().values("pk").query.sql_with_params()
        parts.append(f"(SELECT count(*) FROM ({sql}) AS counted)")
        params.extend(queryset_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        return dict(zip(querysets, cursor.fetchone(), strict=True))


TREND_LABELS = {
    "visits": gettext_lazy("visits"),
    "allegations": gettext_lazy("allegations received"),
    "referrals": gettext_lazy("referrals sent"),
    "recommendations": gettext_lazy("recommendations issued"),
    "implemented": gettext_lazy("recommendations implemented"),
}


@_statistics_transaction()
def annual_statistics(scope: Scope) -> dict:
    from facilities.selectors import facilities_overdue_for_periodic_visit

    figures = periodic_statistics(scope, by_addressee=True)
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
