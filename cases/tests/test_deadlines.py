"""Legal clocks: started by the right event under the rule in force that day, due at the moment
the calendar gives, met by the answering event, overdue when read; rules are data."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from cases import services
from cases.models import Deadline, DeadlineRule
from cases.tests.factories import make_allegation, make_referral
from facilities import services as facility_services
from facilities.models import ExaminedArea, VisitType
from facilities.selectors import facilities_overdue_for_periodic_visit, periodic_visit_coverage
from facilities.tests.factories import make_facility, make_visit
from npm_tracker.core.calendar import add_duration

pytestmark = pytest.mark.django_db
ALMATY = ZoneInfo("Asia/Almaty")
BISHKEK = ZoneInfo("Asia/Bishkek")


def send(referral, at, kind="sent", **inputs):
    return services.referral_transition(
        actor=None, referral=referral, kind=kind, occurred_at=at, **inputs
    )


def test_kz_referral_answer_runs_15_working_days_under_its_legal_source(reference):
    # Sent Friday 27 Feb 2026: weekends, 9 March (Women's Day observed) and Nauryz (23-25 March,
    # with the days observed for the weekend) are skipped: the 15th working day is 26 March.
    referral = make_referral(make_allegation(received_at=datetime(2026, 2, 26, 9, tzinfo=ALMATY)))
    send(referral, datetime(2026, 2, 27, 16, tzinfo=ALMATY))
    clock = Deadline.objects.get(referral=referral, clock="referral_answer")
    rule = DeadlineRule.objects.get(country__code="KZ", clock="referral_answer", effective_to=None)
    assert (clock.duration, clock.unit, clock.legal_source) == (
        15,
        "working_days",
        rule.legal_source,
    )
    assert "15" in clock.legal_source
    due = timezone.localtime(clock.due_at, ALMATY)
    assert due.date() == date(2026, 3, 26)
    assert due == add_duration(clock.started_at, 15, "working_days", "KZ", ALMATY)
    assert referral.__class__.objects.get(pk=referral.pk).due_at == clock.due_at


def test_kg_referral_answer_runs_10_calendar_days_and_investigation_starts_on_case_opened(
    reference,
):
    received = datetime(2026, 4, 20, 9, tzinfo=BISHKEK)
    referral = make_referral(make_allegation("KG", received_at=received))
    send(referral, received + timedelta(hours=1))
    answer = Deadline.objects.get(referral=referral, clock="referral_answer")
    assert (answer.duration, answer.unit) == (10, "calendar_days")
    send(referral, received + timedelta(days=2), kind="registered", external_number="KUP-1")
    answer.refresh_from_db()
    assert answer.met_by == "registered"
    assert not Deadline.objects.filter(referral=referral, clock="investigation_term").exists()
    send(referral, received + timedelta(days=3), kind="case_opened")
    assert Deadline.objects.filter(referral=referral, clock="investigation_term").exists()


def test_investigation_term_is_met_by_the_decision_and_restarted_by_an_extension(reference):
    received = datetime(2026, 1, 5, 9, tzinfo=ALMATY)
    referral = make_referral(make_allegation(received_at=received))
    send(referral, received + timedelta(hours=1))
    send(referral, received + timedelta(days=1), kind="registered", external_number="ERDR-1")
    term = Deadline.objects.get(referral=referral, clock="investigation_term", met_at=None)
    assert term.unit == "months"
    assert timezone.localtime(term.due_at, ALMATY).date() == date(2026, 3, 6)
    send(
        referral,
        received + timedelta(days=50),
        kind="investigation_extended",
        new_term=date(2026, 5, 6),
    )
    term.refresh_from_db()
    assert term.met_by == "investigation_extended"
    extended = Deadline.objects.get(referral=referral, clock="investigation_term", met_at=None)
    assert timezone.localtime(extended.due_at, ALMATY).date() == date(2026, 5, 6)
    assert extended.legal_source == term.legal_source
    send(referral, received + timedelta(days=60), kind="terminated", note="No crime found.")
    assert not Deadline.objects.filter(referral=referral, met_at=None).exists()


def test_a_rule_edit_changes_new_clocks_and_leaves_running_ones(reference):
    received = datetime(2026, 2, 2, 9, tzinfo=ALMATY)
    first = make_referral(make_allegation(received_at=received))
    send(first, received + timedelta(hours=1))
    before = Deadline.objects.get(referral=first, clock="referral_answer")
    rule = DeadlineRule.objects.get(country__code="KZ", clock="referral_answer", effective_to=None)
    rule.duration, rule.unit, rule.legal_source = 3, "calendar_days", "Amended law, Art. 1"
    rule.save()
    second = make_referral(make_allegation(received_at=received))
    send(second, received + timedelta(hours=1))
    after = Deadline.objects.get(referral=second, clock="referral_answer")
    before.refresh_from_db()
    assert (before.duration, before.unit) == (15, "working_days")
    assert before.legal_source != "Amended law, Art. 1"
    assert (after.duration, after.unit, after.legal_source) == (
        3,
        "calendar_days",
        "Amended law, Art. 1",
    )
    assert after.due_at < before.due_at


def test_a_rule_taking_effect_on_a_date_applies_to_clocks_started_from_that_date(reference):
    current = DeadlineRule.objects.get(
        country__code="KZ", clock="referral_answer", effective_to=None
    )
    current.effective_to = date(2026, 3, 1)
    current.save()
    DeadlineRule.objects.create(
        code="kz_referral_answer_2026",
        country=current.country,
        clock="referral_answer",
        duration=10,
        unit="working_days",
        effective_from=date(2026, 3, 2),
        legal_source="Amendment of 2 March 2026",
        name_en="Referral answer (amended)",
    )
    received = datetime(2026, 2, 27, 9, tzinfo=ALMATY)
    on_last_day = make_referral(make_allegation(received_at=received))
    on_first_day = make_referral(make_allegation(received_at=received))
    send(on_last_day, datetime(2026, 3, 1, 23, 30, tzinfo=ALMATY))
    send(on_first_day, datetime(2026, 3, 2, 0, 30, tzinfo=ALMATY))
    old = Deadline.objects.get(referral=on_last_day)
    new = Deadline.objects.get(referral=on_first_day)
    assert (old.duration, old.legal_source) == (15, current.legal_source)
    assert (new.duration, new.legal_source) == (10, "Amendment of 2 March 2026")


def test_urgent_allegation_gets_the_24_hour_escalation_met_by_sending(reference):
    received = datetime(2026, 3, 3, 22, 0, tzinfo=ALMATY)
    allegation = make_allegation(received_at=received, death_in_custody=True)
    clock = Deadline.objects.get(allegation=allegation, clock="urgent_escalation")
    assert clock.due_at == received + timedelta(hours=24)
    assert clock.overdue  # computed when read: 2026-03-04 is long past
    referral = make_referral(allegation)
    send(referral, received + timedelta(hours=30))
    clock.refresh_from_db()
    assert (clock.met_by, clock.overdue) == ("sent", False)
    minor = make_allegation(
        received_at=received,
        incident_date=date(2026, 3, 1),
        victim={"date_of_birth": date(2012, 5, 5)},
    )
    assert Deadline.objects.filter(allegation=minor, clock="urgent_escalation").exists()
    plain = make_allegation(received_at=received)
    assert not Deadline.objects.filter(allegation=plain).exists()


def test_recommendation_response_clock_by_source_and_country(reference):
    visit = make_visit(started_on=date(2026, 3, 2))
    area = ExaminedArea.objects.first()
    rec = facility_services.recommendation_create(
        actor=None,
        visit=visit,
        source="visit_report",
        addressee_level="facility",
        addressee_agency=visit.facility.agency,
        area=area,
        text="Record injuries on arrival.",
    )
    facility_services.recommendation_transition(
        actor=None,
        recommendation=rec,
        to="issued",
        occurred_at=datetime(2026, 3, 10, 10, tzinfo=ALMATY),
    )
    clock = Deadline.objects.get(recommendation=rec)
    assert (clock.clock, clock.duration, clock.unit) == (
        "recommendation_response",
        15,
        "working_days",
    )
    rec.refresh_from_db()
    assert rec.issued_on == date(2026, 3, 10) and rec.due_at == clock.due_at
    facility_services.recommendation_response_add(
        actor=None,
        recommendation=rec,
        received_on=date(2026, 3, 20),
        text="Registers will be kept from April.",
        number="12-3/456",
    )
    clock.refresh_from_db()
    rec.refresh_from_db()
    assert rec.status == "response_received" and clock.met_by == "response_received"
    assert rec.due_at is None and not rec.overdue


def test_kyrgyz_recommendations_of_the_ombudsperson_era_have_no_clock_until_a_rule_exists(
    reference,
):
    kg_visit = make_visit(
        make_facility("KG", name="СИЗО-1"),
        started_on=date(2026, 1, 12),
        visit_type=VisitType.objects.get(code="kg_ombudsperson_planned"),
    )
    rec = facility_services.recommendation_create(
        actor=None,
        visit=kg_visit,
        source="visit_report",
        addressee_level="facility",
        addressee_agency=kg_visit.facility.agency,
        area=ExaminedArea.objects.first(),
        text="x",
    )
    facility_services.recommendation_transition(
        actor=None,
        recommendation=rec,
        to="issued",
        occurred_at=datetime(2026, 1, 20, tzinfo=BISHKEK),
    )
    assert not Deadline.objects.filter(recommendation=rec).exists()


def test_reprisal_risk_opens_a_follow_up_that_follows_the_person(reference):
    received = datetime(2026, 3, 3, 10, tzinfo=ALMATY)
    colony = make_facility(name="Колония ЕЦ-166/1")
    allegation = make_allegation(received_at=received, reprisal_risk="high")
    follow_up = allegation.follow_ups.get()
    clock = Deadline.objects.get(follow_up=follow_up)
    assert (clock.duration, clock.unit) == (30, "calendar_days")
    victim = allegation.victim
    victim.current_facility = colony
    services.victim_save(actor=None, victim=victim)
    follow_up.refresh_from_db()
    assert follow_up.where_held_now == colony
    services.follow_up_close(
        actor=None,
        follow_up=follow_up,
        outcome="reprisal_reported",
        method="visit",
        note="Placed in a punishment cell after the interview.",
        occurred_at=received + timedelta(days=20),
    )
    follow_up.refresh_from_db()
    assert follow_up.status == "closed" and follow_up.new_allegation is not None
    assert follow_up.new_allegation.related_allegation == allegation
    assert follow_up.new_allegation.facility == colony
    clock.refresh_from_db()
    assert clock.met_by == "reprisal_reported"
    requested = make_allegation(received_at=received, follow_up_requested=True)
    assert requested.follow_ups.get().reason == "requested"
    assert not make_allegation(received_at=received, reprisal_risk="low").follow_ups.exists()


def test_periodic_visit_coverage(reference, kz_staff):
    visited = make_facility(name="ИВС visited", registered_on=date(2015, 1, 1))
    make_facility(name="ИВС never", registered_on=date(2015, 1, 1))
    make_facility(name="ИВС new", registered_on=date(2026, 1, 1))
    visit = make_visit(visited, started_on=date(2024, 5, 6), ended_on=date(2024, 5, 7))
    at = datetime(2024, 5, 6, 9, tzinfo=ALMATY)
    for step in ("in_progress", "report_drafted"):
        at += timedelta(hours=1)
        facility_services.visit_transition(actor=None, visit=visit, to=step, occurred_at=at)
    coverage = {s.facility.name: s for s in periodic_visit_coverage(kz_staff)}
    # Four years after 7 May 2024 is Sunday 7 May 2028, Defender of the Fatherland Day; the
    # holiday is observed on Monday 8 May and 9 May is Victory Day: due Wednesday 10 May.
    assert coverage["ИВС visited"].due_on == date(2028, 5, 10)
    assert coverage["ИВС visited"].legal_source
    assert (
        coverage["ИВС never"].due_on == date(2019, 1, 3)
        or coverage["ИВС never"].due_on.year == 2019
    )
    overdue = [s.facility.name for s in facilities_overdue_for_periodic_visit(kz_staff)]
    assert "ИВС never" in overdue and "ИВС new" in overdue  # never visited
    assert "ИВС visited" not in overdue
