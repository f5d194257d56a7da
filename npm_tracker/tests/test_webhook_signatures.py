"""Webhook deliveries a receiver can trust and manage: a timestamped signature against replay,
secret rotation with an overlap, a ping event, and redelivery of a logged event. Deliveries go
to a real HTTP endpoint on loopback; the outbox jobs run in this process (``outbox.drain``)."""

import io
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from cases.tests.factories import make_allegation
from npm_tracker.core import outbox, webhooks
from npm_tracker.core.models import Webhook, WebhookDelivery
from npm_tracker.core.webhooks import TIMESTAMPED, sign, verify
from npm_tracker.tests.api_helpers import api_as, assert_problem

pytestmark = pytest.mark.django_db


class Receiver(BaseHTTPRequestHandler):
    calls: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.calls.append({"body": body, "headers": dict(self.headers)})
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.1/32"]
    Receiver.calls = []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


@pytest.fixture
def hooked(reference, receiver):
    client = api_as(scopes="read write")
    hook = client.post(
        "/api/v1/webhooks/", {"url": receiver, "events": ["allegation.created"]}, format="json"
    ).json()
    return client, hook


def _deliver() -> list:
    # What an operator runs without a worker; a worker runs the same jobs (test_outbox.py).
    call_command("run_outbox", kind=[webhooks.KIND], stdout=io.StringIO())
    return Receiver.calls


def test_the_outbox_command_refuses_an_unknown_kind():
    with pytest.raises(CommandError, match="Unknown kind: nope"):
        call_command("run_outbox", kind=["nope"])


def test_a_delivery_carries_a_timestamped_signature_a_receiver_verifies(hooked):
    client, hook = hooked
    answer = client.post(f"/api/v1/webhooks/{hook['id']}/ping/")
    assert answer.status_code == 202
    [call] = _deliver()
    body, headers = call["body"], call["headers"]
    assert json.loads(body) == {
        "event": "webhook.ping",
        "occurred_at": json.loads(body)["occurred_at"],
        "object": {"type": "webhook", "id": hook["id"]},
    }
    assert headers["X-NPM-Delivery"] == answer.json()["event_id"]
    # The contract's header is unchanged; the timestamped one signs "<t>.<body>".
    assert headers["X-NPM-Signature"] == sign(hook["secret"], body)
    header = headers[TIMESTAMPED]
    stamp = int(header.split(",")[0].removeprefix("t="))
    assert abs(stamp - timezone.now().timestamp()) < 60
    assert verify(hook["secret"], header, body)
    # Refused: a replay ten minutes later, another body, another secret, a forged timestamp.
    assert not verify(hook["secret"], header, body, now=stamp + 600)
    assert not verify(hook["secret"], header, body + b" ")
    assert not verify("another secret", header, body)
    forged = header.replace(f"t={stamp}", f"t={stamp + 100}")
    assert not verify(hook["secret"], forged, body, now=stamp + 100)


def test_a_ping_is_logged_like_any_delivery_and_needs_no_subscription(hooked):
    client, hook = hooked
    event_id = client.post(f"/api/v1/webhooks/{hook['id']}/ping/").json()["event_id"]
    _deliver()
    log = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries/").json()
    assert [(d["event_id"], d["event"], d["attempt"], d["succeeded"]) for d in log] == [
        (event_id, "webhook.ping", 1, True)
    ]
    other = api_as(scopes="read write")
    assert_problem(other.post(f"/api/v1/webhooks/{hook['id']}/ping/"), 404)
    assert_problem(api_as(scopes="read").post(f"/api/v1/webhooks/{hook['id']}/ping/"), 403)


def test_rotation_signs_with_both_secrets_while_the_overlap_lasts(hooked, settings):
    client, hook = hooked
    old = hook["secret"]
    rotated = client.post(
        f"/api/v1/webhooks/{hook['id']}/rotate-secret/", HTTP_IDEMPOTENCY_KEY="rotate-1"
    )
    assert rotated.status_code == 200
    new = rotated.json()["secret"]
    assert new != old and len(new) > 20
    until = rotated.json()["previous_secret_valid_until"]
    assert until is not None
    # A retried rotation answers the same secret; it does not rotate again.
    again = client.post(
        f"/api/v1/webhooks/{hook['id']}/rotate-secret/", HTTP_IDEMPOTENCY_KEY="rotate-1"
    )
    assert again["Idempotent-Replayed"] == "true" and again.json()["secret"] == new
    assert "secret" not in client.get(f"/api/v1/webhooks/{hook['id']}/").json()

    client.post(f"/api/v1/webhooks/{hook['id']}/ping/")
    [call] = _deliver()
    body, headers = call["body"], call["headers"]
    assert headers[TIMESTAMPED].count("v1=") == 2
    assert verify(old, headers[TIMESTAMPED], body) and verify(new, headers[TIMESTAMPED], body)
    assert headers["X-NPM-Signature"] == sign(new, body)

    # Once the overlap is over, the old secret signs nothing.
    Webhook.objects.filter(pk=hook["id"]).update(
        previous_secret_until=timezone.now() - timedelta(seconds=1)
    )
    client.post(f"/api/v1/webhooks/{hook['id']}/ping/")
    later = _deliver()[-1]
    assert later["headers"][TIMESTAMPED].count("v1=") == 1
    assert verify(new, later["headers"][TIMESTAMPED], later["body"])
    assert not verify(old, later["headers"][TIMESTAMPED], later["body"])


def test_a_logged_event_is_delivered_again_as_it_was_first_sent(hooked):
    client, hook = hooked
    allegation = make_allegation()  # announced as allegation.created
    [first] = _deliver()
    assert json.loads(first["body"])["object"] == {"type": "allegation", "id": str(allegation.pk)}
    event_id = first["headers"]["X-NPM-Delivery"]
    answer = client.post(
        f"/api/v1/webhooks/{hook['id']}/redeliver/", {"event_id": event_id}, format="json"
    )
    assert answer.status_code == 202 and answer.json() == {"event_id": event_id}
    calls = _deliver()
    assert len(calls) == 2
    second = calls[1]
    assert second["body"] == first["body"]
    assert second["headers"]["X-NPM-Delivery"] == event_id
    assert verify(hook["secret"], second["headers"][TIMESTAMPED], second["body"])
    attempts = list(
        WebhookDelivery.objects.filter(event_id=event_id)
        .order_by("attempt")
        .values_list("attempt", "succeeded")
    )
    assert attempts == [(1, True), (2, True)]
    # Nothing more is sent: the redelivery is done.
    assert len(_deliver()) == 2


def test_redelivery_refuses_what_it_cannot_send(hooked):
    client, hook = hooked
    unknown = "00000000-0000-4000-8000-000000000000"
    url = f"/api/v1/webhooks/{hook['id']}/redeliver/"
    assert_problem(client.post(url, {"event_id": unknown}, format="json"), 404, "not_found")
    assert_problem(client.post(url, {"event_id": "nope"}, format="json"), 400)
    # A delivery logged before deliveries kept their content.
    legacy = WebhookDelivery.objects.create(
        webhook_id=hook["id"], event_id=unknown, event="allegation.created", attempt=1
    )
    assert_problem(
        client.post(url, {"event_id": str(legacy.event_id)}, format="json"),
        409,
        "not_redeliverable",
    )
    assert not outbox.OutboxJob.objects.filter(kind=webhooks.KIND).exists()
