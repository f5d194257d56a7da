"""``seed --scale``: a small sample of the benchmark data set, checked against the rules the
services apply (statuses from events, steps from the transition tables, clocks from the deadline
rules, history rows, encryption, numbering)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import translation

from cases import deadlines, notifications
from cases.lifecycles import ALLEGATION, REFERRAL
from cases.models import Allegation, Deadline, Notification, Perpetrator, Referral, Victim
from facilities.lifecycles import RECOMMENDATION, VISIT
from facilities.models import Facility, Recommendation, Visit
from npm_tracker.core.crypto import blind_index, name_index
from npm_tracker.core.models import ReferenceSequence
from npm_tracker.core.workflow import local_day
from seeds.scale import HORIZON, PER_SCALE, build_scale, loaded_scale

pytestmark = pytest.mark.django_db

SCALE = 0.01


@pytest.fixture
def scale_data(reference):
    out = StringIO()
    call_command("seed", "--scale", str(SCALE), stdout=out)
    return out.getvalue()


def _timeline(events):
    return sorted(events, key=lambda e: (e.occurred_at, e.created_at))


def test_counts_are_in_proportion_to_the_scale(scale_data):
    assert "Scale data loaded" in scale_data
    assert loaded_scale() == SCALE
    assert Facility.objects.count() == 5  # 3 in KZ, 2 in KG
    assert Visit.objects.count() == 60
    allegations = Allegation.objects.count()
    assert allegations == PER_SCALE["allegations"] * SCALE
    assert set(Allegation.objects.values_list("country__code", flat=True)) == {"KZ", "KG"}
    referrals = Referral.objects.count()
    assert 0.8 * allegations <= referrals <= 1.2 * allegations
    events = sum(r.events.count() for r in Referral.objects.all())
    assert 3.5 * referrals <= events <= 6.5 * referrals
    recommendations = Recommendation.objects.count()
    expected = PER_SCALE["recommendations"] * SCALE
    assert 0.75 * expected <= recommendations <= 1.1 * expected


def _check_chain(record, events, lifecycle, code, opened_on, *, initial, automatic=()):
    status = initial
    for event in _timeline(events):
        assert event.from_status == status, record
        step = lifecycle.step(
            code, opened_on, status, event.kind, automatic=event.kind in automatic
        )
        assert event.to_status == (step.target or status)
        status = event.to_status
    assert record.status == status


def test_every_status_is_the_end_of_allowed_steps(scale_data):
    for referral in Referral.objects.select_related("allegation__country"):
        country = referral.allegation.country
        events = list(referral.events.all())
        _check_chain(
            referral,
            events,
            REFERRAL,
            country.code,
            local_day(referral.created_at, country),
            initial="draft",
        )
        registered = [e for e in _timeline(events) if e.external_number]
        assert referral.external_number == (registered[-1].external_number if registered else "")
        for event in events:
            assert event.occurred_at >= referral.allegation.received_at
    for allegation in Allegation.objects.select_related("country"):
        _check_chain(
            allegation,
            allegation.events.all(),
            ALLEGATION,
            allegation.country.code,
            local_day(allegation.received_at, allegation.country),
            initial="received",
            automatic=("referred",),
        )
        assert (allegation.status == "closed") == bool(allegation.closed_reason)
    for visit in Visit.objects.select_related("facility__country"):
        _check_chain(
            visit,
            visit.events.all(),
            VISIT,
            visit.facility.country.code,
            visit.started_on,
            initial="planned",
        )
    for rec in Recommendation.objects.select_related("country"):
        _check_chain(
            rec,
            rec.events.all(),
            RECOMMENDATION,
            rec.country.code,
            local_day(rec.created_at, rec.country),
            initial="draft",
        )


def test_deadlines_follow_the_rules_the_services_use(scale_data):
    checked = 0
    for deadline in Deadline.objects.select_related("country", "rule"):
        country = deadline.country
        rule = deadlines.rule_in_force(
            country, deadline.clock, local_day(deadline.started_at, country)
        )
        if deadline.duration is None:
            # Restarted to a term set by the authority: the original rule, due that day.
            assert deadline.clock == "investigation_term"
            continue
        assert deadline.rule == rule
        assert deadline.due_at == deadlines.due_moment(rule, deadline.started_at, country)
        checked += 1
    assert checked > 100
    # A referral waiting for an answer has exactly one open answer clock (a KG referral sent
    # before the rule of 2021 has none); an answered one has none open.
    for referral in Referral.objects.select_related("allegation__country"):
        open_answer = referral.deadlines.filter(clock="referral_answer", met_at__isnull=True)
        if referral.status == "sent":
            sent = referral.events.get(kind="sent")
            country = referral.allegation.country
            has_rule = deadlines.rule_in_force(
                country, "referral_answer", local_day(sent.occurred_at, country)
            )
            assert open_answer.count() == (1 if has_rule else 0)
        elif referral.status in ("acknowledged", "refused", "forwarded", "convicted"):
            assert not open_answer.exists()
    # The 24-hour clock of an urgent allegation is met once a referral is sent.
    for allegation in Allegation.objects.filter(urgent=True):
        clock = allegation.deadlines.get(clock="urgent_escalation")
        sent = allegation.referrals.exclude(status="draft").exists()
        assert (clock.met_at is not None) == (sent or allegation.status == "closed")


def test_clocks_overdue_before_the_horizon_were_notified_as_the_scan_does(scale_data):
    """What ``notify_overdue`` would have left had it run every 15 minutes until the horizon:
    the overdue clocks open at a run carry that run's time and one notice each, in the
    officer's language, naming the record by its reference; nothing is left over for the
    scan but what falls due after the horizon."""
    notified = Deadline.objects.filter(overdue_notified_at__isnull=False)
    assert notified.count() > 50
    for deadline in notified.select_related(*notifications.SUBJECTS):
        assert deadline.due_at < deadline.overdue_notified_at <= HORIZON
        assert deadline.overdue_notified_at - deadline.due_at <= timedelta(minutes=15)
        assert deadline.met_at is None or deadline.met_at > deadline.overdue_notified_at
        notice = Notification.objects.get(deadline=deadline, kind="overdue")
        assert notice.sent_at == deadline.overdue_notified_at
        officer = deadline.referral.allegation.assigned_officer if deadline.referral_id else None
        assert officer is None or notice.recipient == officer
        with translation.override(notice.recipient.staff_profile.preferred_language):
            expected = render_to_string(
                "cases/email/overdue_subject.txt",
                {"deadline": deadline, "subject": notifications.subject_of(deadline)},
            ).strip()
        assert notice.subject == expected
    # Clocks met before the first run after their due moment were never notified.
    met_in_time = Deadline.objects.filter(met_at__isnull=False, met_at__lte=F("due_at"))
    assert not met_in_time.filter(overdue_notified_at__isnull=False).exists()
    assert Notification.objects.count() == notified.count()
    # The scan finds only clocks that fell due after the horizon (or in its last minutes).
    left = Deadline.objects.overdue().filter(overdue_notified_at__isnull=True)
    assert not left.filter(due_at__lt=HORIZON - timedelta(minutes=15)).exists()


def test_history_rows_and_encryption_are_those_of_the_orm(scale_data):
    allegation = Allegation.objects.order_by("reference").first()
    rows = list(allegation.history.all())
    assert [r.pgh_label for r in rows] == ["insert"]
    assert rows[0].status == allegation.status
    assert rows[0].pgh_context.metadata["actor"] == "command:seed"
    for model in (Referral, Deadline, Visit, Recommendation, Victim):
        with connection.cursor() as cursor:
            table = model._meta.db_table
            history = model.history.rel.related_model._meta.db_table
            cursor.execute(
                f'SELECT (SELECT count(*) FROM "{table}"),'
                f" (SELECT count(*) FROM \"{history}\" WHERE pgh_label = 'insert')"
            )
            rows_count, history_count = cursor.fetchone()
        assert rows_count == history_count > 0, model
    victim = Victim.objects.exclude(full_name="").exclude(date_of_birth=None).first()
    with connection.cursor() as cursor:
        cursor.execute("SELECT full_name FROM cases_victim WHERE id = %s", [victim.pk])
        stored = cursor.fetchone()[0]
    assert str(victim.full_name) not in stored
    assert victim.identity_index == blind_index(victim.full_name, victim.date_of_birth)
    perpetrator = Perpetrator.objects.exclude(name="").first()
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM cases_perpetrator WHERE id = %s", [perpetrator.pk])
        stored = cursor.fetchone()[0]
    assert str(perpetrator.name) not in stored
    assert perpetrator.name_index == name_index(perpetrator.name) != ""


def test_numbering_continues_after_the_load(scale_data):
    last = Allegation.objects.filter(country__code="KZ").order_by("-reference").first()
    scope = f"allegation:KZ:{last.reference.split('-')[1]}"
    assert ReferenceSequence.objects.get(scope=scope).last_value == int(
        last.reference.rsplit("-", 1)[1]
    )
    referral = Referral.objects.order_by("-reference").first()
    number = int(referral.reference.rsplit("-R", 1)[1])
    sequence = ReferenceSequence.objects.get(scope=f"referral:{referral.allegation.reference}")
    assert sequence.last_value >= number


def test_same_scale_builds_the_same_records(reference):
    class Undo(Exception):
        pass

    runs = []
    for _ in range(2):
        try:
            with transaction.atomic():
                build_scale(SCALE)
                runs.append(
                    list(
                        Referral.objects.order_by("reference").values_list(
                            "id", "reference", "status", "updated_at"
                        )
                    )
                )
                raise Undo
        except Undo:
            pass
    assert runs[0] == runs[1]
    assert len(runs[0]) > 100


def test_a_database_is_loaded_once(scale_data):
    with pytest.raises(ValueError):
        build_scale(SCALE)
