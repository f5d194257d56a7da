"""Webhook destinations: only public https endpoints are registered (through the API and any
model form, such as the admin's), and a delivery connects only to the address it checked, never
follows a redirect, and logs why it refused."""

import contextlib
import socket
import threading
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.forms import modelform_factory

from npm_tracker.core import outbox
from npm_tracker.core.models import Country, Webhook, WebhookDelivery
from npm_tracker.core.webhooks import deliver, new_secret
from npm_tracker.tests.api_helpers import api_as, assert_problem

REFUSED = "webhook_url_refused"
REAL_GETADDRINFO = socket.getaddrinfo

REFUSED_URLS = [
    "https://127.0.0.1/hook",
    "https://localhost/hook",
    "https://0.0.0.0/hook",
    "https://[::1]/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://10.0.0.5/hook",
    "https://172.16.3.4/hook",
    "https://192.168.1.1/hook",
    "https://[fc00::1]/hook",
    "https://[fe80::1]/hook",
    "https://100.64.0.1/hook",
    "https://224.0.0.1/hook",
    "https://[ff02::1]/hook",
    "https://240.0.0.1/hook",
    "https://8.8.8.8/hook",  # an address literal, even a public one, names no partner
    "https://127.0.0.1:6379/",
    "https://127.0.0.1:5432/",
    "https://partner.example:6379/hook",
    "https://partner.example:5432/hook",
    "https://npm.example.org/hook",  # the application itself (SITE_URL)
    "https://testserver/hook",  # the application itself (ALLOWED_HOSTS)
    "http://user@127.0.0.1/",
    "https://user:secret@partner.example/hook",
    "http://2130706433/",
    "http://0x7f.1/",
    "http://0177.0.0.1/",
    "https://[::ffff:127.0.0.1]/hook",
    "https://loopback.example/hook",  # a name that resolves to loopback
    "https://private.example/hook",  # a name with one private address among public ones
    "ftp://partner.example/hook",
]


def fake_dns(monkeypatch, names):
    """Answer ``names`` ({host: [address, ...]}) from the table, any other name as usual."""

    def getaddrinfo(host, port, *args, **kwargs):
        if host in names:
            return [
                (
                    socket.AF_INET6 if ":" in address else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (address, port or 0),
                )
                for address in names[host]
            ]
        return REAL_GETADDRINFO(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def guarded(settings, monkeypatch):
    """Plain http allowed, so that each URL is refused for its own reason."""
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.SITE_URL = "https://npm.example.org"
    fake_dns(
        monkeypatch,
        {
            "loopback.example": ["127.0.0.1"],
            "private.example": ["93.184.216.34", "10.1.2.3"],
            "public.example": ["93.184.216.34"],
        },
    )
    return settings


def expected_code(url):
    try:
        URLValidator()(url)
    except ValidationError:
        return "invalid"  # malformed for any URL field, refused before the destination rule
    return REFUSED


@pytest.mark.django_db
@pytest.mark.parametrize("url", REFUSED_URLS)
def test_the_api_refuses_a_destination_that_is_not_a_public_https_endpoint(reference, guarded, url):
    client = api_as(scopes="read write")
    response = client.post(
        "/api/v1/webhooks/", {"url": url, "events": ["allegation.created"]}, format="json"
    )
    body = assert_problem(response, 400, expected_code(url))
    assert "url" in body["errors"]
    assert not Webhook.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("url", REFUSED_URLS)
def test_a_model_form_refuses_the_same_destinations(reference, guarded, url):
    form_class = modelform_factory(Webhook, fields=("owner", "country", "url", "events"))
    form = form_class(
        data={
            "owner": "user:1",
            "country": Country.objects.get(code="KZ").pk,
            "url": url,
            "events": '["allegation.created"]',
        }
    )
    assert not form.is_valid()
    assert "url" in form.errors
    codes = {error.code for error in form.errors.as_data()["url"]}
    assert expected_code(url) in codes or "invalid" in codes


@pytest.mark.django_db
def test_plain_http_needs_the_setting_and_public_names_are_accepted(reference, guarded):
    client = api_as(scopes="read write")
    guarded.WEBHOOK_ALLOW_HTTP = False
    body = assert_problem(
        client.post(
            "/api/v1/webhooks/",
            {"url": "http://public.example/hook", "events": ["allegation.created"]},
            format="json",
        ),
        400,
        REFUSED,
    )
    assert "https" in body["errors"]["url"][0]
    for url in ("https://public.example/hook", "https://public.example:8443/hook"):
        created = client.post(
            "/api/v1/webhooks/", {"url": url, "events": ["allegation.created"]}, format="json"
        )
        assert created.status_code == 201, created.content


class Counting(BaseHTTPRequestHandler):
    """A loopback endpoint that counts what reaches it; ``status`` and ``location`` set the
    answer."""

    def do_POST(self):
        self.server.calls.append({"path": self.path, "host": self.headers["Host"]})
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(self.server.status)
        if self.server.location:
            self.send_header("Location", self.server.location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def serve():
    servers = []

    def start(status=200, location=""):
        server = HTTPServer(("127.0.0.1", 0), Counting)
        server.calls, server.status, server.location = [], status, location
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def make_hook(url):
    return Webhook.objects.create(
        owner="api-client:x",
        country=Country.objects.get(code="KZ"),
        url=url,
        events=["allegation.created"],
        secret=new_secret(),
    )


def run_delivery(hook):
    event_id = str(uuid.uuid4())
    occurred_at = "2026-03-02T10:00:00+00:00"
    payload = {
        "webhook": str(hook.pk),
        "event_id": event_id,
        "event": "allegation.created",
        "occurred_at": occurred_at,
        "object_type": "allegation",
        "object_id": "a-1",
    }
    # One attempt, as the outbox makes it; a refusal is retried later (outbox.Retry).
    with contextlib.suppress(outbox.Retry):
        deliver(payload, 1)
    return list(WebhookDelivery.objects.filter(event_id=event_id).order_by("attempt"))


@pytest.mark.django_db
def test_a_name_that_resolves_to_loopback_at_delivery_is_refused_and_nothing_is_sent(
    reference, guarded, serve, monkeypatch
):
    # Given a webhook registered while its name pointed at a public address,
    receiver = serve()
    hook = make_hook(f"http://rebind.example:{receiver.server_port}/hook")
    # when the name is pointed at loopback before the delivery (DNS rebinding),
    fake_dns(monkeypatch, {"rebind.example": ["127.0.0.1"]})
    log = run_delivery(hook)
    # then nothing reaches the loopback endpoint and the log says why.
    assert receiver.calls == []
    assert log and all(not d.succeeded and d.response_status is None for d in log)
    assert all("refused" in d.error and "127.0.0.1" in d.error for d in log)


@pytest.mark.django_db
def test_a_delivery_connects_to_the_address_it_checked_with_the_original_host(
    reference, guarded, serve, monkeypatch
):
    guarded.WEBHOOK_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.1/32"]
    receiver = serve()
    hook = make_hook(f"http://partner.test:{receiver.server_port}/hook?x=1")
    answers = iter([["127.0.0.1"]])

    def once(host, port, *args, **kwargs):
        if host == "partner.test":
            # A second look-up (at connect time) would be a chance to rebind: there is none.
            addresses = next(answers)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]
        return REAL_GETADDRINFO(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", once)
    log = run_delivery(hook)
    assert [(d.attempt, d.response_status, d.succeeded) for d in log] == [(1, 200, True)]
    assert receiver.calls == [{"path": "/hook?x=1", "host": f"partner.test:{receiver.server_port}"}]


@pytest.mark.django_db
def test_a_redirect_is_never_followed_and_counts_as_a_failed_delivery(reference, guarded, serve):
    guarded.WEBHOOK_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.1/32"]
    inner = serve()
    outer = serve(status=302, location=f"http://127.0.0.1:{inner.server_port}/internal")
    log = run_delivery(make_hook(f"http://127.0.0.1:{outer.server_port}/hook"))
    assert inner.calls == []
    assert outer.calls and len(outer.calls) == len(log)
    assert all(d.response_status == 302 and not d.succeeded for d in log)
    assert all("redirect" in d.error for d in log)
