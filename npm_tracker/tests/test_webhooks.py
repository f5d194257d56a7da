"""Webhooks: registration, signed deliveries with ids only, retries with backoff by a real
Celery worker, and the delivery log."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from celery.contrib.testing.worker import start_worker

from npm_tracker.celery import app
from npm_tracker.core.webhooks import sign
from npm_tracker.tests.api_helpers import api_as, assert_problem


class Receiver(BaseHTTPRequestHandler):
    """A partner's endpoint on loopback: checks the signature, fails twice, then accepts."""

    secret = ""
    calls: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        valid = self.headers["X-NPM-Signature"] == sign(self.secret, body)
        self.calls.append({"valid": valid, "body": json.loads(body)})
        self.send_response(200 if len(self.calls) >= 3 and valid else 503)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.mark.django_db
def test_registration_shows_the_secret_once_and_validates(reference):
    client = api_as(scopes="read write")
    created = client.post(
        "/api/v1/webhooks/",
        {"url": "https://partner.example/hooks", "events": ["allegation.created"]},
        format="json",
    )
    assert created.status_code == 201
    body = created.json()
    assert len(body["secret"]) > 20
    listed = client.get("/api/v1/webhooks/").json()["results"]
    assert [h["id"] for h in listed] == [body["id"]] and "secret" not in listed[0]
    assert_problem(
        client.post(
            "/api/v1/webhooks/", {"url": "ftp://x", "events": ["allegation.created"]}, format="json"
        ),
        400,
    )
    assert_problem(
        client.post(
            "/api/v1/webhooks/", {"url": "https://x.example", "events": ["nope"]}, format="json"
        ),
        400,
    )
    other = api_as(scopes="read write")
    assert other.get("/api/v1/webhooks/").json()["results"] == []
    assert_problem(other.get(f"/api/v1/webhooks/{body['id']}/"), 404)
    assert client.delete(f"/api/v1/webhooks/{body['id']}/").status_code == 204
    assert client.get("/api/v1/webhooks/").json()["results"] == []


@pytest.mark.django_db(transaction=True)
def test_delivery_is_signed_retried_with_backoff_and_logged(reference, settings):
    settings.WEBHOOK_BACKOFF_SECONDS = 0.2
    # The receiver is on loopback, which the destination guard refuses unless opened.
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.1/32"]
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/hook"
    client = api_as(scopes="read write complaints")
    hook = client.post(
        "/api/v1/webhooks/", {"url": url, "events": ["allegation.created"]}, format="json"
    ).json()
    Receiver.secret = hook["secret"]
    Receiver.calls = []
    app.conf.task_always_eager = False
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        created = client.post(
            "/api/v1/complaints/",
            {
                "country": "KZ",
                "source": "hotline",
                "received_at": "2026-03-02T11:00:00+05:00",
                "text": "Избиение при задержании.",
                "complainant": {"full_name": "Секретов Секрет"},
            },
            format="json",
            HTTP_IDEMPOTENCY_KEY="w-1",
        ).json()
        import time

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(Receiver.calls) < 3:
            time.sleep(0.1)
    server.shutdown()
    assert len(Receiver.calls) == 3
    assert all(call["valid"] for call in Receiver.calls)
    payload = Receiver.calls[-1]["body"]
    assert payload["event"] == "allegation.created"
    assert payload["object"] == {"type": "allegation", "id": created["allegation"]}
    assert set(payload) == {"event", "occurred_at", "object"}
    assert "Секрет" not in json.dumps(Receiver.calls, ensure_ascii=False)
    log = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries/").json()
    assert [(d["attempt"], d["response_status"], d["succeeded"]) for d in log] == [
        (1, 503, False),
        (2, 503, False),
        (3, 200, True),
    ]
    assert len({d["event_id"] for d in log}) == 1
