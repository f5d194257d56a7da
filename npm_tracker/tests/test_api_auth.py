"""OAuth2 client credentials, scopes, problem+json errors and throttling of the API."""

import time
import uuid

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from npm_tracker.tests.api_helpers import api_as, assert_problem, new_client, token_for

pytestmark = pytest.mark.django_db


def test_token_gets_every_scope_the_client_holds_and_no_other(reference):
    credentials = new_client(scopes="read write confidential")
    response = token_for(credentials)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    assert set(body["scope"].split()) == {"read", "write", "confidential"}
    assert token_for(credentials, scope="read").json()["scope"] == "read"
    refused = token_for(credentials, scope="read reports")
    assert refused.status_code in (400, 401)
    assert "access_token" not in refused.json()


def test_wrong_secret_gets_no_token(reference):
    credentials = new_client()
    response = token_for({**credentials, "client_secret": "wrong"})
    assert response.status_code == 401
    assert "access_token" not in response.json()


def test_no_or_bad_token_answers_401_with_bearer_challenge(reference):
    response = APIClient().get("/api/v1/facilities/")
    body = assert_problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert body["detail"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert_problem(client.get("/api/v1/facilities/"), 401)


def test_valid_token_without_the_scope_answers_403(reference):
    reader = api_as(scopes="complaints")
    assert_problem(reader.get("/api/v1/facilities/"), 403, "permission_denied")


def test_revoked_client_and_rotated_secret(reference):
    credentials = new_client()
    token = token_for(credentials).json()["access_token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/api/v1/facilities/").status_code == 200
    from io import StringIO

    out = StringIO()
    call_command("rotate_api_client_secret", credentials["client_id"], stdout=out)
    import json

    rotated = json.loads(out.getvalue().strip().splitlines()[-1])
    assert client.get("/api/v1/facilities/").status_code == 401
    assert token_for(credentials).status_code == 401
    assert token_for(rotated).status_code == 200
    call_command("revoke_api_client", credentials["client_id"], stdout=StringIO())
    assert token_for(rotated).status_code == 401


def test_bad_client_commands_explain_and_create_nothing(reference):
    from oauth2_provider.models import Application

    with pytest.raises(CommandError):
        call_command("create_api_client", "--name", "x", "--country", "KZ", "--scopes", "admin")
    with pytest.raises(CommandError):
        call_command(
            "create_api_client", "--name", "x", "--country", "KZ", "--prosecutor-office", "kg_gpo"
        )
    assert not Application.objects.exists()


def test_unknown_paths_and_missing_slash_never_answer_html(reference):
    client = api_as()
    assert_problem(client.get("/api/v1/nothing-here/"), 404, "not_found")
    assert client.get("/api/v1/facilities").status_code == 200  # no trailing slash: same answer
    assert_problem(client.get("/api/v1/facilities/00000000-0000-0000-0000-000000000000/"), 404)


def test_malformed_json_and_oversize_bodies_are_problems(reference, settings):
    client = api_as()
    response = client.post("/api/v1/facilities/", data="{not json", content_type="application/json")
    assert_problem(response, 400)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post(
        "/api/v1/facilities/",
        data='{"name": "' + "x" * 5000 + '"}',
        content_type="application/json",
    )
    assert response.status_code in (400, 413)
    assert response["Content-Type"].startswith("application/problem+json")


def test_rate_limit_answers_429_with_retry_after(reference, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"client": "3/min"},
    }
    from rest_framework.settings import api_settings

    api_settings.reload()
    from npm_tracker.core.api.throttling import PerClientThrottle

    PerClientThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    try:
        from django.core.cache import cache

        cache.clear()
        client = api_as()
        statuses = [client.get("/api/v1/vocabularies/areas/").status_code for _ in range(4)]
        assert statuses[:3] == [200, 200, 200]
        response = client.get("/api/v1/vocabularies/areas/")
        assert_problem(response, 429, "throttled")
        assert int(response["Retry-After"]) > 0
        assert response["X-RateLimit-Limit"] == "3" and response["X-RateLimit-Remaining"] == "0"
        assert 0 < int(response["X-RateLimit-Reset"]) <= 60
        other = api_as()  # another client has its own budget
        assert other.get("/api/v1/vocabularies/areas/").status_code == 200
    finally:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"client": "600/min"},
        }
        api_settings.reload()
        PerClientThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


def test_authenticated_callers_are_told_their_budget(reference, settings):
    from django.core.cache import cache

    cache.clear()
    client = api_as()
    budget = settings.API_RATE_PER_MINUTE
    first, second = (client.get("/api/v1/vocabularies/areas/") for _ in range(2))
    assert first["X-RateLimit-Limit"] == second["X-RateLimit-Limit"] == str(budget)
    assert int(first["X-RateLimit-Remaining"]) == budget - 1
    assert int(second["X-RateLimit-Remaining"]) == budget - 2
    assert 0 < int(second["X-RateLimit-Reset"]) <= 60
    refused = client.post("/api/v1/facilities/", {}, format="json")  # an error answer too
    assert refused.status_code == 400 and refused["X-RateLimit-Remaining"] == str(budget - 3)
    anonymous = APIClient().get("/api/v1/vocabularies/areas/")
    assert anonymous.status_code == 401 and "X-RateLimit-Limit" not in anonymous


def test_the_schema_declares_the_rate_limit_headers(reference):
    document = APIClient().get("/api/v1/schema/?format=json").json()
    headers = document["components"]["headers"]
    assert {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} <= set(headers)
    for path_item in document["paths"].values():
        for method, operation in path_item.items():
            for status, response in operation["responses"].items():
                declared = response.get("headers", {})
                if status in ("401", "403"):
                    assert "X-RateLimit-Limit" not in declared
                    continue
                assert declared["X-RateLimit-Limit"] == {
                    "$ref": "#/components/headers/X-RateLimit-Limit"
                }, (method, status)
                assert "X-RateLimit-Reset" in declared
                if status == "429":
                    assert declared["Retry-After"] == {"$ref": "#/components/headers/Retry-After"}


def test_errors_speak_the_callers_language(reference):
    client = api_as(language="ru")
    response = client.post("/api/v1/facilities/", {}, format="json")
    body = assert_problem(response, 400)
    assert "Обязательное поле." in str(body["errors"])


def test_schema_and_docs_are_served_without_a_cdn(reference):
    client = APIClient()
    schema = client.get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    document = schema.json()
    assert document["components"]["securitySchemes"]["oauth2"]["flows"]["clientCredentials"]
    assert "/api/v1/facilities/" in document["paths"]
    responses = document["paths"]["/api/v1/facilities/"]["get"]["responses"]
    assert {"200", "400", "401", "403", "429"} <= set(responses)
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html and "cdn" not in html.lower() and "unpkg" not in html


def test_committed_schema_matches_the_code(tmp_path):
    from pathlib import Path

    committed = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.yaml"
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", "--file", str(generated), "--validate")
    assert generated.read_text() == committed.read_text(), "run make schema"


@pytest.mark.django_db
def test_the_token_endpoint_slows_down_secret_guessing(reference, settings):
    settings.TOKEN_FAILURE_LIMIT = 5
    settings.TOKEN_FAILURE_WINDOW_SECONDS = 2
    target, other = new_client(), new_client(name="Other partner")
    attacker = f"203.0.113.{uuid.uuid4().int % 250 + 1}"

    def ask(credentials, address, secret=None):
        data = {"grant_type": "client_credentials", **credentials}
        if secret is not None:
            data["client_secret"] = secret
        return APIClient().post("/o/token/", data, REMOTE_ADDR=address)

    statuses = [ask(target, attacker, "wrong-secret").status_code for _ in range(8)]
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}
    refused = ask(target, attacker)  # the right secret, from the same address: still refused
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert refused["Content-Type"].startswith("application/problem+json")
    assert refused.json()["code"] == "throttled"
    assert ask(target, "198.51.100.7").status_code == 429  # this client id, any address
    assert ask(other, "198.51.100.7").status_code == 200  # another client elsewhere: unaffected
    time.sleep(2.5)  # the window has passed
    assert ask(target, attacker).status_code == 200
