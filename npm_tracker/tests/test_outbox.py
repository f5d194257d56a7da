"""The outbox: work caused by a change survives a broker that loses its queue, a broker that is
down, and a worker that dies; each job runs once per attempt; time limits are the worker's."""

import shutil
import socket
import subprocess
import threading
import time
from collections import Counter
from contextlib import contextmanager
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from celery.signals import before_task_publish
from django.core import mail
from django.utils import timezone

from cases import notifications
from cases.models import Allegation
from cases.tests.test_notifications import case_officer_with_mail, overdue_referral
from facilities.models import Country
from npm_tracker.celery import app
from npm_tracker.core import outbox
from npm_tracker.core.actors import SystemActor
from npm_tracker.core.models import JobStatus, OutboxJob
from npm_tracker.core.webhooks import sign
from npm_tracker.tests.api_helpers import api_as
from reports import services as reports
from reports.choices import RunStatus
from reports.models import ReportRun

COMPLAINT = {
    "country": "KZ",
    "source": "hotline",
    "received_at": "2026-03-02T11:00:00+05:00",
    "text": "Избиение при задержании.",
}


class Receiver(BaseHTTPRequestHandler):
    """A partner's endpoint: records each valid delivery."""

    secret = ""
    deliveries: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers["X-NPM-Signature"] == sign(self.secret, body):
            self.deliveries.append(self.headers["X-NPM-Delivery"])
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A Redis of the test's own, without persistence, that can be killed and started again."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self):
        self.process.kill()
        self.process.wait()

    def queued(self) -> int:
        return redis.Redis.from_url(self.url).llen("celery")


@contextmanager
def broker(url):
    """Publish to, and consume from, ``url`` for a while."""
    previous = app.conf.broker_url

    def switch(to):
        app.conf.broker_url = to
        app._pool = None
        app.amqp._producer_pool = None

    switch(url)
    try:
        yield
    finally:
        switch(previous)


@pytest.fixture
def own_redis():
    server = RedisServer()
    server.start()
    with broker(server.url):
        yield server
    if server.process.poll() is None:
        server.kill()


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.1/32"]
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Receiver.deliveries = []
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


def wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def request_report():
    run, _created = reports.request_run(
        actor=SystemActor("test"),
        kind="periodic_statistics",
        country=Country.objects.get(code="KZ"),
        region=None,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 3, 31),
        language="en",
        version="public",
    )
    return run


@pytest.mark.django_db(transaction=True)
def test_webhooks_renders_and_notices_queued_before_a_redis_restart_all_run_once_after(
    reference, own_redis, receiver, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client = api_as(scopes="read write complaints")
    hook = client.post(
        "/api/v1/webhooks/", {"url": receiver, "events": ["allegation.created"]}, format="json"
    ).json()
    Receiver.secret = hook["secret"]
    for number in range(5):
        response = client.post(
            "/api/v1/complaints/", COMPLAINT, format="json", HTTP_IDEMPOTENCY_KEY=f"r-{number}"
        )
        assert response.status_code == 201
    run = request_report()
    overdue_referral(case_officer_with_mail())
    assert notifications.notify_overdue() == 1
    # Six allegations announced (five complaints, the overdue referral's), a render, a notice.
    announced = Allegation.objects.count()
    assert announced == 6
    kinds = Counter(OutboxJob.objects.values_list("kind", flat=True))
    assert kinds == {"webhook.deliver": announced, "report.render": 1, "notice.mail": 1}
    jobs = sum(kinds.values())
    assert own_redis.queued() == jobs  # every job went to the broker after its commit

    own_redis.kill()  # the queue is lost with it
    own_redis.start()
    assert own_redis.queued() == 0

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        # The sweep (Celery beat runs it every OUTBOX_SWEEP_SECONDS) sends again what is due
        # and was sent longer ago than OUTBOX_RESEND_AFTER_SECONDS.
        settings.OUTBOX_RESEND_AFTER_SECONDS = 0
        assert outbox.sweep()["sent"] == jobs
        assert wait_for(
            lambda: not OutboxJob.objects.exclude(status=JobStatus.DONE).exists(), seconds=120
        ), list(OutboxJob.objects.values("kind", "status", "last_error"))
        # A second sweep finds nothing to send; nothing runs twice.
        assert outbox.sweep()["sent"] == 0
        time.sleep(1)
    assert len(Receiver.deliveries) == announced
    assert len(set(Receiver.deliveries)) == announced
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert len(mail.outbox) == 1
    assert set(OutboxJob.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_is_down_does_not_fail_the_change_and_the_sweep_sends_it_later(
    reference, own_redis, receiver, settings
):
    client = api_as(scopes="read write complaints")
    hook = client.post(
        "/api/v1/webhooks/", {"url": receiver, "events": ["allegation.created"]}, format="json"
    ).json()
    Receiver.secret = hook["secret"]
    own_redis.kill()
    response = client.post(
        "/api/v1/complaints/", COMPLAINT, format="json", HTTP_IDEMPOTENCY_KEY="down-1"
    )
    assert response.status_code == 201
    job = OutboxJob.objects.get()
    assert job.enqueued_at is None  # known not to be in the broker: the next sweep sends it
    own_redis.start()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        assert outbox.sweep()["sent"] == 1
        assert wait_for(lambda: len(Receiver.deliveries) == 1)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE


@pytest.mark.django_db
def test_a_job_whose_worker_died_is_taken_back_and_a_report_says_why(reference, settings):
    run = request_report()
    job = OutboxJob.objects.get(kind=reports.RENDER)
    # A worker claimed it and died: the job is running, its lease runs out.
    OutboxJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, attempts=1, lease_expires_at=timezone.now() - timedelta(1)
    )
    ReportRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    assert outbox.sweep()["taken_back"] == 1
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "stopped before it was finished" in run.error
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.QUEUED, 1)
    # The next attempt renders it.
    OutboxJob.objects.filter(pk=job.pk).update(available_at=timezone.now())
    assert outbox.drain(kinds=[reports.RENDER]) == 1
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.error == ""
    # A lease that runs out on the last attempt ends the job failed, and the run with it.
    OutboxJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, attempts=3, lease_expires_at=timezone.now() - timedelta(1)
    )
    outbox.sweep()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED


@pytest.mark.django_db
def test_asking_again_for_a_stuck_report_queues_it_again(reference, settings):
    run = request_report()
    OutboxJob.objects.all().delete()  # its job lost, as with a broker before the outbox
    stale = timezone.now() - timedelta(seconds=settings.REPORT_TIME_LIMIT_SECONDS + 600)
    ReportRun.objects.filter(pk=run.pk).update(updated_at=stale)
    again = request_report()
    assert again.pk == run.pk
    assert OutboxJob.objects.filter(kind=reports.RENDER, payload={"run": str(run.pk)}).count() == 1
    run.refresh_from_db()
    assert run.status == RunStatus.PENDING
    # A run pending for a normal while is left alone.
    assert request_report().pk == run.pk
    assert OutboxJob.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_messages_carry_no_time_limit_so_the_workers_setting_decides(reference, own_redis):
    headers = []

    def seen(sender=None, headers_=None, **kwargs):
        headers.append(kwargs.get("headers") or headers_)

    before_task_publish.connect(seen)
    try:
        request_report()
    finally:
        before_task_publish.disconnect(seen)
    assert [h["task"] for h in headers] == ["reports.render_job"]
    assert headers[0]["timelimit"] in ((None, None), [None, None])


@pytest.mark.django_db
def test_any_failure_of_a_handler_is_retried_with_backoff_then_given_up(reference, settings):
    """A database error in the worker included: the job is attempted again, never dropped."""
    from django.db import OperationalError

    calls = []

    def handler(payload, attempt):
        calls.append(attempt)
        raise OperationalError("server closed the connection unexpectedly")

    outbox.register(
        outbox.Kind(
            name="test.flaky",
            task="npm_tracker.tests.flaky",
            handler=f"{__name__}.FLAKY",
            max_attempts=3,
            lease_seconds=lambda: 10,
            backoff_seconds=lambda attempt: 0,
        )
    )
    globals()["FLAKY"] = handler
    job = outbox.enqueue("test.flaky", {})
    outbox.drain()
    job.refresh_from_db()
    assert calls == [1, 2, 3]
    assert job.status == JobStatus.FAILED
    assert "OperationalError" in job.last_error
