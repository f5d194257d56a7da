"""The working-day calendar turns deadline rules into due moments: weekends, public holidays and
days moved by decree in each country, and the procedural-law conventions for each unit."""

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from facilities.models import Country
from npm_tracker.core import calendar
from npm_tracker.core.calendar import add_duration, is_working_day, working_days_between
from npm_tracker.core.models import DayKind, DayTransfer

ALMATY = ZoneInfo("Asia/Almaty")
BISHKEK = ZoneInfo("Asia/Bishkek")
SEED_FILE = Path(__file__).resolve().parents[2] / "seeds" / "data" / "day_transfers.yaml"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_decree_transfers(reference):
    """Each test starts from the public holidays alone and adds the transfers it is about, so
    that editing the seed file does not change what these tests show."""
    DayTransfer.objects.all().delete()


def end_of(day: date, tz: ZoneInfo = ALMATY) -> datetime:
    return datetime.combine(day, time.max, tzinfo=tz)


def at(day: date, hour: int = 10, minute: int = 0, tz: ZoneInfo = ALMATY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


def transfer(country_code: str, day: date, kind: str) -> DayTransfer:
    return DayTransfer.objects.create(
        country=Country.objects.get(code=country_code), day=day, kind=kind, legal_source="test"
    )


def transfers_from_seed_file(country_code: str, year: int) -> None:
    with open(SEED_FILE, encoding="utf-8") as fh:
        items = yaml.safe_load(fh)
    for item in items:
        if item["country"] == country_code and item["day"].year == year:
            transfer(country_code, item["day"], item["kind"])


def test_weekends_are_skipped_and_the_start_day_does_not_count():
    # given Friday 12 June 2026, an ordinary week in Kazakhstan
    friday = date(2026, 6, 12)
    assert is_working_day(friday, "KZ")
    assert not is_working_day(date(2026, 6, 13), "KZ")
    assert not is_working_day(date(2026, 6, 14), "KZ")

    # when a term of 1 working day starts on Friday, then it ends on Monday evening
    assert add_duration(at(friday), 1, "working_days", "KZ", ALMATY) == end_of(date(2026, 6, 15))
    # and 5 working days from Monday end on the next Monday, not on Saturday
    due = add_duration(at(date(2026, 6, 8)), 5, "working_days", "KZ", ALMATY)
    assert due == end_of(date(2026, 6, 15))


def test_the_start_day_is_the_local_date_in_the_countrys_time_zone():
    # given 20:30 UTC on Thursday, which is already 01:30 on Friday in Almaty
    start = datetime(2026, 6, 11, 20, 30, tzinfo=UTC)

    due = add_duration(start, 1, "working_days", "KZ", ALMATY)

    # then Friday does not count and the term ends on Monday, in local time
    assert due == end_of(date(2026, 6, 15))
    assert due.utcoffset() == timedelta(hours=5)


@pytest.mark.parametrize(
    ("start", "expected", "holiday"),
    [
        # Nauryz 21-23 March 2026, Saturday and Sunday moved to 24 and 25 March.
        (date(2026, 3, 20), date(2026, 3, 26), date(2026, 3, 23)),
        # Kazakhstan's People Solidarity Holiday, Friday 1 May 2026.
        (date(2026, 4, 30), date(2026, 5, 4), date(2026, 5, 1)),
    ],
)
def test_kz_public_holidays_are_skipped(start, expected, holiday):
    assert not is_working_day(holiday, "KZ")
    assert add_duration(at(start), 1, "working_days", "KZ", ALMATY) == end_of(expected)


@pytest.mark.parametrize(
    ("start", "expected", "holiday"),
    [
        # Nooruz, Friday 21 March 2025.
        (date(2025, 3, 20), date(2025, 3, 24), date(2025, 3, 21)),
        # Independence Day, Monday 31 August 2026.
        (date(2026, 8, 28), date(2026, 9, 1), date(2026, 8, 31)),
    ],
)
def test_kg_public_holidays_are_skipped(start, expected, holiday):
    assert not is_working_day(holiday, "KG")
    due = add_duration(at(start, tz=BISHKEK), 1, "working_days", "KG", BISHKEK)
    assert due == end_of(expected, BISHKEK)


def test_a_decree_making_a_saturday_a_working_day_shortens_the_term():
    # given 5 working days from Monday 8 June 2026 end on Monday 15 June
    start = at(date(2026, 6, 8))
    assert add_duration(start, 5, "working_days", "KZ", ALMATY) == end_of(date(2026, 6, 15))

    # when a decree makes Saturday 13 June a working day in Kazakhstan
    transfer("KZ", date(2026, 6, 13), DayKind.WORKING_DAY)

    # then the term ends on that Saturday
    assert is_working_day(date(2026, 6, 13), "KZ")
    assert add_duration(start, 5, "working_days", "KZ", ALMATY) == end_of(date(2026, 6, 13))


def test_a_decree_making_a_weekday_a_day_off_lengthens_the_term_in_its_country_only():
    start = at(date(2026, 6, 8))
    # when a decree makes Thursday 11 June a day off in Kazakhstan
    transfer("KZ", date(2026, 6, 11), DayKind.DAY_OFF)

    # then the Kazakh term skips it and ends one working day later
    assert not is_working_day(date(2026, 6, 11), "KZ")
    assert add_duration(start, 5, "working_days", "KZ", ALMATY) == end_of(date(2026, 6, 16))
    # and Kyrgyzstan is not affected
    assert is_working_day(date(2026, 6, 11), "KG")
    due = add_duration(at(date(2026, 6, 8), tz=BISHKEK), 5, "working_days", "KG", BISHKEK)
    assert due == end_of(date(2026, 6, 15), BISHKEK)


def test_a_transfer_already_known_to_the_holidays_package_counts_without_a_row():
    # The KZ order moving Saturday 4 May 2024 to Wednesday 8 May is in the package: both sides.
    assert is_working_day(date(2024, 5, 4), "KZ")
    assert not is_working_day(date(2024, 5, 8), "KZ")


def test_fifteen_working_days_over_the_month_end_and_the_new_year_holidays():
    # given a referral sent on Friday 19 December 2025
    kz_start, kg_start = at(date(2025, 12, 19)), at(date(2025, 12, 19), tz=BISHKEK)

    # Kazakhstan: 1-2 January and Orthodox Christmas (7 January) are off
    due = add_duration(kz_start, 15, "working_days", "KZ", ALMATY)
    assert due == end_of(date(2026, 1, 14))
    # Kyrgyzstan: New Year holidays 1-6 January and Christmas (7 January) are off
    due = add_duration(kg_start, 15, "working_days", "KG", BISHKEK)
    assert due == end_of(date(2026, 1, 16), BISHKEK)

    # when the KG decree extending the 2026 New Year holidays to 12 January is loaded
    transfers_from_seed_file("KG", 2026)

    # then 8 and 9 January are off too and the term ends two working days later
    due = add_duration(kg_start, 15, "working_days", "KG", BISHKEK)
    assert due == end_of(date(2026, 1, 20), BISHKEK)
    assert working_days_between(date(2025, 12, 19), date(2026, 1, 20), "KG") == 15


@pytest.mark.parametrize(
    ("start", "duration", "unit", "expected"),
    [
        (date(2025, 1, 31), 1, "months", date(2025, 2, 28)),
        (date(2024, 1, 31), 1, "months", date(2024, 2, 29)),
        (date(2025, 10, 31), 4, "months", date(2026, 3, 2)),  # 28 Feb 2026 is a Saturday
        (date(2024, 2, 29), 1, "years", date(2025, 2, 28)),
        (date(2026, 2, 12), 2, "months", date(2026, 4, 13)),  # 12 April 2026 is a Sunday
    ],
)
def test_months_and_years_keep_the_day_number_clamped_to_the_month(start, duration, unit, expected):
    due = add_duration(at(start), duration, unit, "KZ", ALMATY)
    assert due == end_of(expected)


def test_a_month_ending_on_a_public_holiday_moves_to_the_next_working_day():
    # 23 February + 1 month is 23 March 2026, in the middle of Nauryz (21-25 March)
    due = add_duration(at(date(2026, 2, 23)), 1, "months", "KZ", ALMATY)
    assert due == end_of(date(2026, 3, 26))


def test_a_calendar_day_deadline_ending_on_a_sunday_moves_to_monday(monkeypatch):
    # given Thursday 11 June 2026 + 3 calendar days = Sunday 14 June
    start = at(date(2026, 6, 11))
    assert add_duration(start, 3, "calendar_days", "KZ", ALMATY) == end_of(date(2026, 6, 15))
    # and a calendar-day term ending on a working day stays there
    assert add_duration(start, 5, "calendar_days", "KZ", ALMATY) == end_of(date(2026, 6, 16))

    # when the convention is switched off, the term ends on the Sunday itself
    monkeypatch.setattr(calendar, "MOVE_TO_NEXT_WORKING_DAY", False)
    assert add_duration(start, 3, "calendar_days", "KZ", ALMATY) == end_of(date(2026, 6, 14))


def test_hours_are_exact_across_midnight_and_never_move():
    # given 22:30 on Friday evening in Almaty
    start = at(date(2026, 6, 12), 22, 30)

    # then 3 hours later is 01:30 on Saturday, a day off, and it does not move
    assert add_duration(start, 3, "hours", "KZ", ALMATY) == at(date(2026, 6, 13), 1, 30)
    due = add_duration(start, 24, "hours", "KZ", ALMATY)
    assert due - start == timedelta(hours=24)
    assert due == at(date(2026, 6, 13), 22, 30)


def test_hours_are_elapsed_time_where_the_clocks_change():
    # Neither country changes its clocks today; a zone that does shows that hours are elapsed
    # time, not wall-clock time (on 29 March 2026 Berlin skips from 02:00 to 03:00).
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 3, 28, 12, 0, tzinfo=berlin)

    due = add_duration(start, 24, "hours", "KZ", berlin)

    assert due == datetime(2026, 3, 29, 13, 0, tzinfo=berlin)


@pytest.mark.parametrize(
    ("duration", "unit"),
    [(1, "weeks"), (1, ""), (0, "working_days"), (-3, "calendar_days"), (True, "hours")],
)
def test_an_unknown_unit_or_a_duration_below_one_is_refused(duration, unit):
    with pytest.raises(ValueError):
        add_duration(at(date(2026, 6, 8)), duration, unit, "KZ", ALMATY)


def test_a_naive_start_is_refused():
    with pytest.raises(ValueError):
        add_duration(datetime(2026, 6, 8, 10, 0), 1, "working_days", "KZ", ALMATY)


@pytest.mark.parametrize("duration", [1, 15, 120, 400])
def test_transfers_are_read_in_one_query_whatever_the_duration(
    duration, django_assert_max_num_queries
):
    # given transfers in the years such terms cross
    transfer("KZ", date(2026, 6, 13), DayKind.WORKING_DAY)
    transfer("KZ", date(2027, 6, 11), DayKind.DAY_OFF)
    start = at(date(2026, 6, 8))

    with django_assert_max_num_queries(1):
        add_duration(start, duration, "working_days", "KZ", ALMATY)
    with django_assert_max_num_queries(1):
        add_duration(start, duration, "calendar_days", "KZ", ALMATY)
    with django_assert_max_num_queries(1):
        working_days_between(date(2026, 6, 8), date(2026, 6, 8) + timedelta(days=duration), "KZ")


def test_working_days_between_counts_after_the_start_up_to_the_end():
    # Friday 20 March to Friday 27 March 2026 in Kazakhstan: Nauryz leaves Thursday and Friday
    assert working_days_between(date(2026, 3, 20), date(2026, 3, 27), "KZ") == 2
    assert working_days_between(date(2026, 3, 20), date(2026, 3, 20), "KZ") == 0
    assert working_days_between(date(2026, 3, 27), date(2026, 3, 20), "KZ") == 0
    # and it agrees with add_duration
    due = add_duration(at(date(2026, 3, 20)), 15, "working_days", "KZ", ALMATY)
    assert working_days_between(date(2026, 3, 20), due.date(), "KZ") == 15
