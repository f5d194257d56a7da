"""Working-day calendar of each country, and the arithmetic turning deadline rules into due moments.

A day is a working day unless it is a Saturday, a Sunday or a public holiday of its country (from
the ``holidays`` package), and a row of the ``DayTransfer`` table (days moved by government decree,
kept by staff in the admin) overrides both either way. Durations and units come from the
deadline-rule data; nothing here knows a legal term.

Public holidays are cached per (country, year) for the life of the process: they are computed from
the installed package, which only changes with a deployment. Decree transfers are data that staff
edit at any time, so they are read afresh, in one query per computation.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from dateutil.relativedelta import relativedelta

from npm_tracker.core.models import DayKind, DayTransfer

HOURS = "hours"
CALENDAR_DAYS = "calendar_days"
WORKING_DAYS = "working_days"
MONTHS = "months"
YEARS = "years"
UNITS = frozenset({HOURS, CALENDAR_DAYS, WORKING_DAYS, MONTHS, YEARS})

# Procedural-law convention (the rules on computing terms in the procedural codes of both
# countries): a term counted in calendar days, months or years whose last day is not a working day
# ends on the next working day. Set to False to let such terms end on the day itself.
MOVE_TO_NEXT_WORKING_DAY = True

# (country code, year) -> (public holidays, weekend days worked) of that year.
_PUBLIC_CALENDARS: dict[tuple[str, int], tuple[frozenset[date], frozenset[date]]] = {}


def _public_calendar(country_code: str, year: int) -> tuple[frozenset[date], frozenset[date]]:
    """The public holidays of a country in a year, and the weekend days the package knows are
    worked because a decree moved them (it records both sides of the decrees it knows)."""
    key = (country_code, year)
    cached = _PUBLIC_CALENDARS.get(key)
    if cached is None:
        try:
            # The neighbouring years too: a holiday of 31 December may be observed in January, and
            # a decree of one year may move a day of the next.
            table = holidays.country_holidays(country_code, years=(year - 1, year, year + 1))
        except NotImplementedError as exc:
            raise ValueError(f"No public holidays known for country {country_code!r}.") from exc
        cached = (
            frozenset(day for day in table if day.year == year),
            frozenset(day for day in table.weekend_workdays if day.year == year),
        )
        _PUBLIC_CALENDARS[key] = cached
    return cached


class _WorkingCalendar:
    """The working days of one country over whole years, with its decree transfers read once.

    A computation that runs past the years loaded reads the missing span in one more query; the
    initial span is chosen so that this does not happen for any realistic legal term.
    """

    def __init__(self, country_code: str, first: date, last: date):
        self.country_code = country_code
        self._first = date(first.year, 1, 1)
        self._last = date(last.year, 12, 31)
        self._transfers = self._read_transfers(self._first, self._last)

    def _read_transfers(self, first: date, last: date) -> dict[date, bool]:
        rows = DayTransfer.objects.filter(
            country__code=self.country_code, day__range=(first, last)
        ).values_list("day", "kind")
        return {day: kind == DayKind.WORKING_DAY for day, kind in rows}

    def _cover(self, day: date) -> None:
        if day < self._first:
            first = date(day.year, 1, 1)
            self._transfers.update(self._read_transfers(first, self._first - timedelta(days=1)))
            self._first = first
        elif day > self._last:
            last = date(day.year, 12, 31)
            self._transfers.update(self._read_transfers(self._last + timedelta(days=1), last))
            self._last = last

    def is_working_day(self, day: date) -> bool:
        if not self._first <= day <= self._last:
            self._cover(day)
        moved = self._transfers.get(day)
        if moved is not None:
            return moved
        public_holidays, worked_weekend_days = _public_calendar(self.country_code, day.year)
        if day in public_holidays:
            return False
        if day.weekday() >= 5:
            return day in worked_weekend_days
        return True

    def next_working_day(self, day: date) -> date:
        """``day`` itself when it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def nth_working_day_after(self, day: date, n: int) -> date:
        while n > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day


def _end_of_day(day: date, tz: ZoneInfo) -> datetime:
    """The last microsecond of ``day`` in the time zone ``tz``."""
    return datetime.combine(day, time.max, tzinfo=tz)


def is_working_day(day: date, country_code: str) -> bool:
    """Whether ``day`` is a working day in the country (``"KZ"`` or ``"KG"``).

    Saturdays, Sundays and public holidays are not, unless a decree transfer makes them one; a
    decree transfer can also make a weekday a day off. Reads the transfers of ``day``'s year in
    one query.
    """
    return _WorkingCalendar(country_code, day, day).is_working_day(day)


def working_calendar(country_code: str) -> "_WorkingCalendar":
    """A calendar of one country with every decree transfer read at once (one query), to serve
    many computations, such as the due dates of a whole page of facilities."""
    return _WorkingCalendar(country_code, date(1990, 1, 1), date(2100, 12, 31))


def add_duration(
    start: datetime,
    duration: int,
    unit: str,
    country_code: str,
    tz: ZoneInfo,
    calendar: "_WorkingCalendar | None" = None,
) -> datetime:
    """The moment a term of ``duration`` ``unit`` started at ``start`` runs out, in the time zone
    ``tz`` of the country.

    - ``hours``: exactly that many hours of elapsed time after ``start``.
    - ``calendar_days``: the end of the day ``duration`` days after the local date of ``start``.
    - ``working_days``: the end of the ``duration``-th working day after the local date of
      ``start``; the day the term starts does not count, as in procedural law.
    - ``months`` / ``years``: the end of the day with the same number ``duration`` months or years
      later; a day missing from the last month is replaced by that month's last day (31 January + 1
      month is 28 or 29 February).

    A term in calendar days, months or years whose last day is not a working day runs to the end of
    the next working day. This is the procedural-law convention, configurable with the module
    constant ``MOVE_TO_NEXT_WORKING_DAY``; terms in hours never move.

    ``start`` must be aware. Raises ``ValueError`` on an unknown unit or a duration below 1. Reads
    the decree transfers in one query; no writes.
    """
    if start.utcoffset() is None:
        raise ValueError("The start of a term must be an aware datetime.")
    if isinstance(duration, bool) or not isinstance(duration, int) or duration < 1:
        raise ValueError(f"A term lasts a whole number of units, at least 1, not {duration!r}.")
    if unit not in UNITS:
        raise ValueError(f"Unknown unit of a term: {unit!r}.")

    if unit == HOURS:
        # Through UTC: arithmetic on an aware datetime keeps its wall-clock time, which is not
        # elapsed time where the clocks change.
        return (start.astimezone(UTC) + timedelta(hours=duration)).astimezone(tz)

    local_day = start.astimezone(tz).date()
    if unit == WORKING_DAYS:
        # Generous bound of the span the count needs, so that it reads the transfers once.
        calendar = calendar or _WorkingCalendar(
            country_code, local_day, local_day + timedelta(days=2 * duration + 31)
        )
        return _end_of_day(calendar.nth_working_day_after(local_day, duration), tz)

    if unit == CALENDAR_DAYS:
        due_day = local_day + timedelta(days=duration)
    elif unit == MONTHS:
        due_day = local_day + relativedelta(months=duration)
    else:
        due_day = local_day + relativedelta(years=duration)
    if MOVE_TO_NEXT_WORKING_DAY:
        calendar = calendar or _WorkingCalendar(country_code, due_day, due_day + timedelta(days=31))
        due_day = calendar.next_working_day(due_day)
    return _end_of_day(due_day, tz)


def working_days_between(start: date, end: date, country_code: str) -> int:
    """How many working days fall after ``start`` up to and including ``end`` (0 when ``end`` is
    not after ``start``). Reads the decree transfers in one query."""
    if end <= start:
        return 0
    calendar = _WorkingCalendar(country_code, start, end)
    return sum(
        calendar.is_working_day(start + timedelta(days=offset))
        for offset in range(1, (end - start).days + 1)
    )
