"""Schedules: the period just ended, one run per period however often the dispatcher fires, a link
(never the file) to the recipients, and a real worker and beat on Redis that fail visibly and
succeed on retry."""

import json
import os
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import redis
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection

from facilities.models import Country
from npm_tracker.core import crypto
from npm_tracker.core.models import Webhook
from npm_tracker.core.webhooks import new_secret, sign
from npm_tracker.tests.celery_helpers import celery_process
from reports import services
from reports.models import ReportDelivery, ReportRun, ReportSchedule


@pytest.mark.parametrize(
    ("cadence", "today", "period"),
    [
        ("monthly", date(2026, 3, 15), (date(2026, 2, 1), date(2026, 2, 28))),
        ("monthly", date(2026, 1, 1), (date(2025, 12, 1), date(2025, 12, 31))),
        ("quarterly", date(2026, 5, 10), (date(2026, 1, 1), date(2026, 3, 31))),
        ("quarterly", date(2026, 1, 2), (date(2025, 10, 1), date(2025, 12, 31))),
        ("quarterly", date(2026, 4, 1), (date(2026, 1, 1), date(2026, 3, 31))),
        ("annual", date(2026, 11, 23), (date(2025, 1, 1), date(2025, 12, 31))),
    ],
)
def test_the_period_is_the_last_one_that_ended(cadence, today, period):
    assert services.last_complete_period(cadence, today) == period


def make_schedule(**fields):
    defaults = {
        "kind": "periodic_statistics",
        "cadence": "monthly",
        "country": Country.objects.get(code="KZ"),
        "language": "ru",
        "version": "public",
        "recipients": "head@npm.example\nanalyst@npm.example",
    }
    defaults.update(fields)
    return services.schedule_save(actor=None, schedule=ReportSchedule(**defaults))


@pytest.mark.django_db
def test_schedules_are_validated(reference):
    with pytest.raises(ValidationError) as error:
        make_schedule(recipients="head@npm.example, not-an-address")
    assert "recipients" in error.value.message_dict
    with pytest.raises(ValidationError):
        make_schedule(kind="annual", cadence="monthly")
    assert ReportSchedule.objects.count() == 0


@pytest.mark.django_db
def test_dispatching_twice_makes_one_run_and_sends_one_link(reference, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    schedule = make_schedule()
    today = date(2026, 3, 15)
    assert services.dispatch_due_schedules(today) == 1
    assert services.dispatch_due_schedules(today) == 0
    run = ReportRun.objects.get()
    assert (run.period_start, run.period_end) == (date(2026, 2, 1), date(2026, 2, 28))
    assert ReportDelivery.objects.filter(schedule=schedule, run=run).count() == 1
    assert services.render(run.pk) == "done"
    assert services.send_deliveries(run_id=run.pk) == 1
    assert services.send_deliveries(run_id=run.pk) == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert set(message.to) == {"head@npm.example", "analyst@npm.example"}
    assert message.attachments == []
    assert f"/admin/reports/reportrun/{run.pk}/download/" in message.body
    # Next month, the next period.
    assert services.dispatch_due_schedules(date(2026, 4, 2)) == 1
    assert ReportRun.objects.count() == 2


class Receiver(BaseHTTPRequestHandler):
    secret = ""
    calls: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        valid = self.headers["X-NPM-Signature"] == sign(self.secret, body)
        self.calls.append({"valid": valid, "body": json.loads(body)})
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def _wait(condition, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


@pytest.mark.django_db(transaction=True)
def test_real_worker_and_beat_fail_visibly_then_retry_produces_one_report(
    reference, tmp_path, celery_broker_per_test_process
):
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Receiver.calls = []
    kz = Country.objects.get(code="KZ")
    Receiver.secret = new_secret()
    Webhook.objects.create(
        owner="api-client:test",
        country=kz,
        url=f"http://127.0.0.1:{server.server_port}/hook",
        events=["report.ready"],
        secret=Receiver.secret,
    )
    schedule = make_schedule(recipients="head@npm.example")
    media = tmp_path / "media"
    media.write_text("a file where the reports directory should be")  # storage fails
    broker = celery_broker_per_test_process
    redis.Redis.from_url(broker).flushdb()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/"
        f"{db['NAME']}",
        "CELERY_BROKER_URL": broker,
        "REPORT_DISPATCH_SECONDS": "1",
        "MEDIA_ROOT": str(media),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        # The webhook receiver is on loopback, which the destination guard opens only on request.
        "WEBHOOK_ALLOW_HTTP": "true",
        "WEBHOOK_ALLOWED_PRIVATE_NETWORKS": "127.0.0.1/32",
    }
    worker = celery_process(["worker", "--pool=solo", "--loglevel=INFO", "-n", "reports@%h"], env)
    beat = celery_process(["beat", "--loglevel=INFO", "-s", str(tmp_path / "beat-schedule")], env)
    try:
        assert _wait(lambda: ReportRun.objects.filter(status="failed").exists())
        time.sleep(4)  # the dispatcher fires again and again: still one run
        assert ReportRun.objects.count() == 1
        run = ReportRun.objects.get()
        assert run.status == "failed" and "NotADirectoryError" in run.error
        assert not (tmp_path / "mail").exists()

        media.unlink()
        media.mkdir()
        services.retry(run=run)  # what the admin's "Retry" button and the API do
        assert _wait(lambda: ReportRun.objects.filter(status="done").exists())
        assert _wait(lambda: (tmp_path / "mail").exists() and Receiver.calls, 30)
        time.sleep(3)
    finally:
        for process in (beat, worker):
            process.terminate()
        logs = [p.communicate(timeout=30)[0] for p in (beat, worker)]
        server.shutdown()
    run = ReportRun.objects.get()
    assert run.status == "done" and run.attempts == 2 and run.error == "", logs[1][-3000:]
    assert ReportRun.objects.count() == 1
    stored = (media / run.file.name).read_bytes()  # encrypted at rest, a PDF once decrypted
    assert crypto.decrypt_bytes(stored, f"file:{run.file.name}").startswith(b"%PDF")
    assert logs[1].count("reports.dispatch_schedules") >= 3  # the dispatcher did run repeatedly
    messages = list((tmp_path / "mail").iterdir())
    assert len(messages) == 1
    text = messages[0].read_text()
    assert f"/admin/reports/reportrun/{run.pk}/download/" in text and "%PDF" not in text
    assert ReportDelivery.objects.get(schedule=schedule).sent_at is not None
    assert [c["body"]["event"] for c in Receiver.calls] == ["report.ready"]
    assert Receiver.calls[0]["valid"] and Receiver.calls[0]["body"]["object"]["id"] == str(run.pk)
