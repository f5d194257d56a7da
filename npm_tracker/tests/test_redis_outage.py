"""Redis away, PostgreSQL healthy: intake goes on. The cache points at a closed port (a real
connection that is refused, nothing mocked): complaints are stored, the rate limit and the token
endpoint's failed-attempt limit keep counting per process, one warning is logged, and Redis is
used again once it answers."""

import logging
import uuid

import pytest
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from cases.models import Allegation
from npm_tracker.core.api import fallback_cache
from npm_tracker.core.api.throttling import PerClientThrottle
from npm_tracker.tests.api_helpers import api_as, assert_problem, new_client

pytestmark = pytest.mark.django_db

COMPLAINT = {
    "country": "KZ",
    "source": "complaint_terminal",
    "received_at": "2026-03-02T11:00:00+05:00",
    "facility": None,
    "text": "Меня избили сотрудники при обыске.",
    "complainant": {"full_name": "Сапаров Азамат", "sex": "male"},
}


def _redis_down(settings):
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}
    }


@pytest.fixture(autouse=True)
def fresh_fallback(monkeypatch):
    """Each test starts with Redis believed up and tries it again at every request."""
    monkeypatch.setattr(fallback_cache, "RETRY_SECONDS", 0.0)
    fallback_cache.reset()
    yield
    fallback_cache.reset()


@pytest.fixture
def rate(settings):
    def set_rate(value):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"client": value},
        }
        api_settings.reload()
        PerClientThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES

    original = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["client"]
    yield set_rate
    set_rate(original)


def test_a_complaint_is_stored_while_redis_is_down(reference, settings, caplog):
    _redis_down(settings)
    terminal = api_as(scopes="complaints")  # the token endpoint works too
    with caplog.at_level(logging.WARNING, logger=fallback_cache.__name__):
        responses = [
            terminal.post(
                "/api/v1/complaints/", COMPLAINT, format="json", HTTP_IDEMPOTENCY_KEY=f"down-{n}"
            )
            for n in range(3)
        ]
    assert [r.status_code for r in responses] == [201, 201, 201], responses[0].content[:300]
    stored = Allegation.objects.filter(pk__in=[r.json()["allegation"] for r in responses])
    assert stored.count() == 3
    # Logged, once, not once per request.
    warnings = [r for r in caplog.records if r.name == fallback_cache.__name__]
    assert len(warnings) == 1 and "Redis" in warnings[0].getMessage()


def test_the_fallback_limit_still_answers_429(reference, settings, rate):
    rate("3/min")
    _redis_down(settings)
    client = api_as()
    statuses = [client.get("/api/v1/vocabularies/areas/").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    refused = client.get("/api/v1/vocabularies/areas/")
    assert_problem(refused, 429, "throttled")
    assert int(refused["Retry-After"]) > 0
    assert api_as().get("/api/v1/vocabularies/areas/").status_code == 200  # per client


def test_redis_is_used_again_once_it_answers(reference, settings, rate):
    rate("3/min")
    client = api_as()
    up = settings.CACHES
    _redis_down(settings)
    assert client.get("/api/v1/vocabularies/areas/").status_code == 200  # counted locally
    settings.CACHES = up
    # Three more fit the budget only if they are counted in Redis again, not locally.
    for _ in range(3):
        assert client.get("/api/v1/vocabularies/areas/").status_code == 200
    assert client.get("/api/v1/vocabularies/areas/").status_code == 429


def test_token_guessing_is_still_limited_while_redis_is_down(reference, settings):
    settings.TOKEN_FAILURE_LIMIT = 3
    _redis_down(settings)
    target = new_client()
    address = f"203.0.113.{uuid.uuid4().int % 250 + 1}"

    def ask(secret):
        data = {"grant_type": "client_credentials", **target, "client_secret": secret}
        return APIClient().post("/o/token/", data, REMOTE_ADDR=address)

    statuses = [ask("wrong").status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 429, 429]
    assert ask(target["client_secret"]).status_code == 429  # even the right secret
