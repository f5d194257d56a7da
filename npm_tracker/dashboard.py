"""The staff home page: what needs the user's attention now, read with a fixed number of queries.

"Mine" is what the user is responsible for: allegations assigned to them (and the referrals,
deadlines and reprisal follow-ups of those allegations) and visits they are on. The figures of
the month cover every country the user may see. Everything goes through ``visible_to``.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cases import notifications
from cases.choices import AllegationStatus, FollowUpStatus
from cases.lifecycles import REFERRAL_FINAL
from cases.models import (
    Allegation,
    AllegationEvent,
    Deadline,
    Referral,
    ReferralEvent,
    ReprisalFollowUp,
)
from facilities.choices import VisitStatus
from facilities.models import Country, Recommendation, Visit

LIST_LENGTH = 10
CHART_MONTHS = 6  # the chart's viewBox is 10 units a month wide


@dataclass
class MonthBar:
    month: date
    count: int
    position: int = 0  # in the small chart, left to right
    height: int = 0  # of the bar in the small chart, 0-40

    @property
    def x(self) -> int:
        return 10 * self.position + 1

    @property
    def y(self) -> int:
        return 40 - self.height


@dataclass
class CountryFigures:
    country: Country
    visits: int = 0
    allegations: int = 0
    referrals_sent: int = 0
    recommendations: int = 0
    overdue: int = 0
    months: list[MonthBar] = field(default_factory=list)


@dataclass
class Activity:
    occurred_at: datetime
    subject: object
    label: str
    note: str


@dataclass
class Dashboard:
    unreachable: list
    allegations: list
    referrals: list
    overdue: list
    due_this_week: list
    follow_ups: list
    visits: list
    activity: list[Activity]
    figures: list[CountryFigures]
    today: date


def _first_of_month(day: date, months_back: int = 0) -> date:
    month = day.month - 1 - months_back
    return date(day.year + month // 12, month % 12 + 1, 1)


def _figures(user, today: date, now: datetime) -> list[CountryFigures]:
    month_start = _first_of_month(today)
    chart_start = _first_of_month(today, CHART_MONTHS - 1)
    countries = Country.objects.visible_to(user).order_by("code")
    figures = {c.pk: CountryFigures(country=c) for c in countries}
    if not figures:
        return []

    def counts(queryset, country_field, **filters):
        rows = queryset.filter(**filters).values(country_field).annotate(n=Count("pk"))
        return {row[country_field]: row["n"] for row in rows}

    visits = counts(
        Visit.objects.visible_to(user), "facility__country", started_on__gte=month_start
    )
    recommendations = counts(
        Recommendation.objects.visible_to(user), "country", issued_on__gte=month_start
    )
    sent = counts(
        ReferralEvent.objects.filter(referral__in=Referral.objects.visible_to(user)),
        "referral__allegation__country",
        kind="sent",
        occurred_at__date__gte=month_start,
    )
    overdue = counts(Deadline.objects.visible_to(user).overdue(now), "country")
    per_month = (
        Allegation.objects.visible_to(user)
        .filter(received_at__date__gte=chart_start)
        .annotate(month=TruncMonth("received_at"))
        .values("country", "month")
        .annotate(n=Count("pk"))
    )
    monthly = {(row["country"], row["month"].date()): row["n"] for row in per_month}
    months = [_first_of_month(today, back) for back in reversed(range(CHART_MONTHS))]
    for pk, item in figures.items():
        item.visits = visits.get(pk, 0)
        item.recommendations = recommendations.get(pk, 0)
        item.referrals_sent = sent.get(pk, 0)
        item.overdue = overdue.get(pk, 0)
        item.months = [
            MonthBar(month, monthly.get((pk, month), 0), position)
            for position, month in enumerate(months)
        ]
        item.allegations = item.months[-1].count
        top = max(bar.count for bar in item.months) or 1
        for bar in item.months:
            bar.height = round(40 * bar.count / top)
    return list(figures.values())


def _activity(user, mine) -> list[Activity]:
    """The latest lifecycle steps of the user's allegations and of their referrals."""
    steps = [
        Activity(e.occurred_at, e.allegation, e.get_kind_display(), e.note)
        for e in AllegationEvent.objects.filter(allegation__in=mine)
        .select_related("allegation")
        .order_by("-occurred_at")[:LIST_LENGTH]
    ]
    steps += [
        Activity(e.occurred_at, e.referral, e.get_kind_display(), e.note)
        for e in ReferralEvent.objects.filter(referral__allegation__in=mine)
        .select_related("referral")
        .order_by("-occurred_at")[:LIST_LENGTH]
    ]
    return sorted(steps, key=lambda a: a.occurred_at, reverse=True)[:LIST_LENGTH]


def dashboard_for(user, *, now: datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    today = timezone.localdate(now)
    mine = Allegation.objects.visible_to(user).filter(assigned_officer=user)
    open_mine = mine.exclude(status=AllegationStatus.CLOSED)
    deadlines = (
        Deadline.objects.visible_to(user)
        .open()
        .filter(
            Q(allegation__in=mine)
            | Q(referral__allegation__in=mine)
            | Q(follow_up__allegation__in=mine)
        )
        .select_related("allegation", "referral", "follow_up__allegation", "recommendation")
    )
    week_end = now + timedelta(days=7)
    return Dashboard(
        # Overdue clocks of the user's countries whose notice nobody could receive.
        unreachable=list(
            notifications.unreachable(Deadline.objects.visible_to(user))
            .select_related("allegation", "referral", "follow_up__allegation", "recommendation")
            .order_by("due_at")[:LIST_LENGTH]
        ),
        allegations=list(
            open_mine.select_related("facility").order_by("-received_at")[:LIST_LENGTH]
        ),
        referrals=list(
            Referral.objects.visible_to(user)
            .filter(allegation__in=open_mine)
            .exclude(status__in=REFERRAL_FINAL)
            .select_related("prosecutor_office", "allegation")
            .order_by("-created_at")[:LIST_LENGTH]
        ),
        overdue=list(deadlines.filter(due_at__lt=now).order_by("due_at")[:LIST_LENGTH]),
        due_this_week=list(
            deadlines.filter(due_at__gte=now, due_at__lt=week_end).order_by("due_at")[:LIST_LENGTH]
        ),
        follow_ups=list(
            ReprisalFollowUp.objects.visible_to(user)
            .filter(status=FollowUpStatus.OPEN, allegation__in=mine)
            .select_related("allegation")
            .order_by("created_at")[:LIST_LENGTH]
        ),
        visits=list(
            Visit.objects.visible_to(user)
            .filter(team__user=user)
            .exclude(status__in=(VisitStatus.REPORT_SENT, VisitStatus.CANCELLED))
            .select_related("facility")
            .distinct()
            .order_by("-started_on")[:LIST_LENGTH]
        ),
        activity=_activity(user, mine),
        figures=_figures(user, today, now),
        today=today,
    )
