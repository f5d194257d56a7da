"""Reminders: one notice per overdue deadline and one digest per officer and day, whatever runs
how often, including a real Celery worker and beat on Redis."""

import os
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import redis
from django.core import mail
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from cases import notifications, services
from cases.models import Deadline, Notification
from cases.tests.factories import make_allegation, make_referral
from conftest import make_staff
from npm_tracker.core import outbox
from npm_tracker.core.models import OutboxJob
from npm_tracker.tests.celery_helpers import celery_process

ALMATY = ZoneInfo("Asia/Almaty")


def overdue_referral(officer):
    received = timezone.now().astimezone(ALMATY) - timedelta(days=60)
    allegation = make_allegation(received_at=received, assigned_officer=officer)
    referral = make_referral(allegation)
    services.referral_transition(
        actor=officer, referral=referral, kind="sent", occurred_at=received + timedelta(hours=2)
    )
    return referral


def officer_with_mail(name="officer"):
    user = make_staff(name, "KZ")
    user.email = f"{name}@npm.example"
    user.save(update_fields=["email"])
    return user


@pytest.mark.django_db
def test_an_overdue_deadline_is_notified_once_in_the_officers_language(reference):
    officer = officer_with_mail()
    officer.staff_profile.preferred_language = "ru"
    officer.staff_profile.save()
    referral = overdue_referral(officer)
    assert notifications.notify_overdue() == 1
    assert notifications.notify_overdue() == 0
    assert mail.outbox == []  # the mail is an outbox job, run by a worker
    assert outbox.drain() == 1
    assert outbox.drain() == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert referral.reference in message.subject
    assert message.to == [officer.email]
    deadline = Deadline.objects.get(referral=referral, clock="referral_answer")
    assert deadline.legal_source in message.body
    assert deadline.overdue_notified_at is not None
    # No personal data leaves by mail.
    assert referral.allegation.victim.pseudonym not in message.body
    assert Notification.objects.filter(deadline=deadline).count() == 1


@pytest.mark.django_db
def test_a_met_deadline_is_not_notified(reference):
    officer = officer_with_mail()
    referral = overdue_referral(officer)
    services.referral_transition(actor=officer, referral=referral, kind="acknowledged")
    assert notifications.notify_overdue() == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_digest_goes_once_a_day_to_each_officer(reference):
    first = officer_with_mail("first")
    second = officer_with_mail("second")
    overdue_referral(first)
    overdue_referral(second)
    assert notifications.send_digests() == 2
    assert notifications.send_digests() == 0
    outbox.drain()
    assert sorted(m.to[0] for m in mail.outbox) == ["first@npm.example", "second@npm.example"]
    # Each officer reads the digest in their own language.
    message = next(m for m in mail.outbox if m.to == ["first@npm.example"])
    with translation.override(first.staff_profile.preferred_language):
        overdue = translation.gettext("OVERDUE")
    assert overdue in message.body


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_one_notice(reference):
    officer = officer_with_mail()
    overdue_referral(officer)

    def run():
        try:
            return notifications.notify_overdue()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: run(), range(2)))
    assert sorted(results) == [0, 1]
    assert Notification.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_real_worker_and_beat_notify_an_overdue_referral_exactly_once(
    reference, tmp_path, celery_broker_per_test_process
):
    officer = officer_with_mail()
    referral = overdue_referral(officer)
    broker = celery_broker_per_test_process
    redis.Redis.from_url(broker).flushdb()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/"
        f"{db['NAME']}",
        "CELERY_BROKER_URL": broker,
        "OVERDUE_SCAN_SECONDS": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }
    worker = celery_process(["worker", "--pool=solo", "--loglevel=INFO", "-n", "test@%h"], env)
    beat = celery_process(["beat", "--loglevel=INFO", "-s", str(tmp_path / "beat-schedule")], env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not Notification.objects.exists():
            time.sleep(0.5)
        # Let beat send the task several more times: nothing more may go out.
        time.sleep(5)
    finally:
        for process in (beat, worker):
            process.terminate()
        logs = [p.communicate(timeout=30)[0] for p in (beat, worker)]
    assert Notification.objects.filter(deadline__referral=referral).count() == 1, logs
    runs = logs[1].count("cases.notify_overdue") if logs[1] else 0
    assert runs >= 3, logs[1][-2000:]  # the task did run again and again
    messages = list((tmp_path / "mail").iterdir())
    assert len(messages) == 1
    assert referral.reference in messages[0].read_text()


def _queries_of(fn) -> int:
    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries)


@pytest.mark.django_db
def test_overdue_notices_are_sent_in_batches_with_queries_independent_of_their_number(
    reference, monkeypatch
):
    """A backlog costs a fixed number of queries per batch, not per deadline; the limit of a
    run holds across batches, and the rest waits for the next run."""
    monkeypatch.setattr(notifications, "NOTICE_BATCH", 4)
    officers = [officer_with_mail(f"officer{i}") for i in range(3)]
    overdue_referral(officers[0])
    few = _queries_of(notifications.notify_overdue)
    outbox.drain()
    assert len(mail.outbox) == 1
    for i in range(4):  # a whole batch, to three officers
        overdue_referral(officers[i % 3])
    mail.outbox.clear()
    many = _queries_of(notifications.notify_overdue)
    outbox.drain()
    assert len(mail.outbox) == 4
    assert many == few
    # Each deadline was claimed once and mailed to its own officer.
    notified = Deadline.objects.filter(overdue_notified_at__isnull=False)
    assert notified.count() == Notification.objects.filter(kind="overdue").count() == 5
    for notice in Notification.objects.select_related("deadline__referral__allegation"):
        assert notice.recipient_id == notice.deadline.referral.allegation.assigned_officer_id
    # A limit larger than a batch runs several batches.
    for i in range(6):
        overdue_referral(officers[i % 3])
    mail.outbox.clear()
    assert notifications.notify_overdue(limit=5) == 5
    assert notifications.notify_overdue(limit=5) == 1
    assert notifications.notify_overdue() == 0


@pytest.mark.django_db
def test_a_failing_mail_server_leaves_the_mail_to_a_later_attempt(reference, settings):
    officer = officer_with_mail()
    overdue_referral(officer)
    settings.EMAIL_BACKEND = "cases.tests.test_notifications.BrokenBackend"
    assert notifications.notify_overdue() == 1
    assert outbox.drain() == 1
    notice = Notification.objects.get()
    assert notice.delivered_at is None
    job = OutboxJob.objects.get(kind=notifications.MAIL)
    assert (job.status, job.attempts) == ("queued", 1)
    assert "mail server down" in job.last_error
    assert job.available_at > timezone.now()  # after a backoff
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OutboxJob.objects.filter(pk=job.pk).update(available_at=timezone.now())
    assert outbox.drain() == 1
    notice.refresh_from_db()
    assert notice.delivered_at is not None
    assert len(mail.outbox) == 1
    assert notifications.notify_overdue() == 0


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


@pytest.mark.django_db
def test_the_digest_counts_everything_and_lists_the_most_urgent(reference, monkeypatch):
    monkeypatch.setattr(notifications, "DIGEST_ITEMS", 2)
    officer = officer_with_mail()
    referrals = [overdue_referral(officer) for _ in range(5)]
    clocks = Deadline.objects.filter(referral__in=referrals, clock="referral_answer")
    # The clocks fall due at the same moment (end of the same working day): the digest lists
    # them by id, and the one moved to tomorrow is the last of them.
    upcoming = clocks.order_by("-due_at", "-id").first()
    oldest = list(clocks.exclude(pk=upcoming.pk).order_by("due_at", "id")[:2])
    # One clock falls due tomorrow instead: it is listed among those due this week.
    upcoming.due_at = timezone.now() + timedelta(days=1)
    upcoming.save(update_fields=["due_at"])
    assert notifications.send_digests() == 1
    outbox.drain()
    body = mail.outbox[0].body
    with translation.override(officer.staff_profile.preferred_language):
        subject = translation.ngettext(
            "NPM Tracker: %(counter)s deadline overdue or due this week",
            "NPM Tracker: %(counter)s deadlines overdue or due this week",
            5,
        ) % {"counter": 5}
    assert mail.outbox[0].subject == subject
    for deadline in oldest:
        assert notifications.subject_of(deadline) in body
    assert upcoming.referral.reference in body
    shown = sum(r.reference in body for r in referrals)
    assert shown == 3  # two overdue, one upcoming
    with translation.override(officer.staff_profile.preferred_language):
        more = translation.ngettext(
            "and %(counter)s more overdue deadline",
            "and %(counter)s more overdue deadlines",
            2,
        ) % {"counter": 2}
    assert more in body
    assert "/admin/" in body


@pytest.mark.django_db
def test_the_digest_reads_the_same_number_of_queries_for_few_and_many_clocks(reference):
    first = officer_with_mail("first")
    overdue_referral(first)
    few = _queries_of(notifications.send_digests)
    Notification.objects.all().delete()
    officers = [first, officer_with_mail("second"), officer_with_mail("third")]
    for i in range(6):
        overdue_referral(officers[i % 3])
    many = _queries_of(notifications.send_digests)
    # Two officers more cost their claims of the day (savepoint, the notice and its outbox job,
    # release) and nothing else: the clocks are read with a fixed number of queries.
    assert many - few == 2 * 4


@pytest.mark.django_db
def test_overdue_webhooks_go_to_each_country_for_its_own_referrals(reference, monkeypatch):
    """One batch holds clocks of both countries: a partner hears of its country's only."""
    from facilities.models import Country
    from npm_tracker.core import webhooks
    from npm_tracker.core.models import Webhook

    hooks = {
        code: Webhook.objects.create(
            owner=f"partner-{code}",
            country=Country.objects.get(code=code),
            url=f"https://{code.lower()}.example/hook",
            events=["referral.overdue"],
            secret="s",
        )
        for code in ("KZ", "KG")
    }
    officer = officer_with_mail()
    kz = overdue_referral(officer)
    received = timezone.now() - timedelta(days=60)
    kg = make_referral(make_allegation("KG", received_at=received, assigned_officer=officer))
    services.referral_transition(
        actor=officer, referral=kg, kind="sent", occurred_at=received + timedelta(hours=2)
    )
    notifications.notify_overdue()
    queued = [
        (job.payload["webhook"], job.payload["event"], job.payload["object_id"])
        for job in OutboxJob.objects.filter(kind=webhooks.KIND)
    ]
    assert sorted(queued) == sorted(
        [
            (str(hooks["KZ"].pk), "referral.overdue", str(kz.pk)),
            (str(hooks["KG"].pk), "referral.overdue", str(kg.pk)),
        ]
    )


def case_officer_with_mail(name="officer"):
    user = make_staff(name, "KZ", roles=("case_officer",))
    user.email = f"{name}@npm.example"
    user.save(update_fields=["email"])
    return user


def unassigned_overdue_referral(officer):
    referral = overdue_referral(officer)
    referral.allegation.assigned_officer = None
    referral.allegation.save(update_fields=["assigned_officer"])
    return referral


def head_with_mail(name="head"):
    head = make_staff(name, "KZ")
    head.email = f"{name}@npm.example"
    head.save(update_fields=["email"])
    return head


@pytest.mark.django_db
@pytest.mark.parametrize("why", ["unassigned", "inactive", "no address"])
def test_a_clock_without_a_reachable_officer_goes_to_the_heads_and_the_duty_address(reference, why):
    from facilities.models import Country

    officer = case_officer_with_mail()
    head = head_with_mail()
    Country.objects.filter(code="KZ").update(duty_email="duty@npm.example")
    if why == "unassigned":
        referral = unassigned_overdue_referral(officer)
    else:
        referral = overdue_referral(officer)
        if why == "inactive":
            officer.is_active = False
        else:
            officer.email = ""
        officer.save()
    assert notifications.notify_overdue() == 2
    outbox.drain()
    assert sorted(m.to[0] for m in mail.outbox) == ["duty@npm.example", head.email]
    assert all(referral.reference in m.subject for m in mail.outbox)
    with translation.override(head.staff_profile.preferred_language):
        why_text = translation.gettext("No officer can receive this notice")
    assert why_text in next(m for m in mail.outbox if m.to == [head.email]).body
    deadline = Deadline.objects.get(referral=referral, clock="referral_answer")
    assert deadline.overdue_notified_at is not None
    assert set(Notification.objects.values_list("recipient", "address")) == {
        (head.pk, head.email),
        (None, "duty@npm.example"),
    }


@pytest.mark.django_db
def test_a_clock_nobody_can_receive_is_not_marked_and_is_shown_on_the_home_page(reference):
    from django.test import Client

    officer = case_officer_with_mail()
    referral = unassigned_overdue_referral(officer)
    deadline = Deadline.objects.get(referral=referral, clock="referral_answer")
    assert notifications.notify_overdue() == 0
    deadline.refresh_from_db()
    assert deadline.overdue_notified_at is None
    assert deadline.unreachable_at is not None
    assert not Notification.objects.exists()
    # A head without an address sees it on the admin home.
    head = make_staff("head", "KZ")
    browser = Client()
    browser.force_login(head)
    page = browser.get("/admin/").content.decode()
    assert 'id="dash-unreachable"' in page
    assert referral.reference in page
    # It is not looked at again at every scan, but after a while, and then reaches whoever is
    # there by then.
    head.email = "head@npm.example"
    head.save(update_fields=["email"])
    assert notifications.notify_overdue() == 0
    Deadline.objects.filter(pk=deadline.pk).update(
        unreachable_at=timezone.now() - notifications.UNREACHABLE_RECHECK - timedelta(minutes=1)
    )
    assert notifications.notify_overdue() == 1
    deadline.refresh_from_db()
    assert deadline.overdue_notified_at is not None and deadline.unreachable_at is None
    assert 'id="dash-unreachable"' not in browser.get("/admin/").content.decode()


@pytest.mark.django_db
def test_a_heads_digest_lists_the_overdue_clocks_without_an_officer(reference):
    officer = case_officer_with_mail()
    head = head_with_mail()
    orphan = unassigned_overdue_referral(officer)
    own = overdue_referral(officer)
    assert notifications.send_digests() == 2
    outbox.drain()
    by_address = {m.to[0]: m.body for m in mail.outbox}
    with translation.override(head.staff_profile.preferred_language):
        section = translation.gettext(
            "Overdue deadlines of your countries that no officer can receive:"
        )
    assert section in by_address[head.email] and orphan.reference in by_address[head.email]
    assert own.reference not in by_address[head.email]
    assert section not in by_address[officer.email]
