"""Helpers for API tests: real OAuth2 clients and tokens, problem+json checks."""

import json
from io import StringIO

from django.core.management import call_command
from rest_framework.test import APIClient


def new_client(country="KZ", scopes="read write", office=None, name="Partner"):
    out = StringIO()
    args = ["--name", name, "--country", country, "--scopes", scopes]
    if office:
        args += ["--prosecutor-office", office]
    call_command("create_api_client", *args, stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def token_for(credentials, scope=None):
    data = {"grant_type": "client_credentials", **credentials}
    if scope is not None:
        data["scope"] = scope
    response = APIClient().post("/o/token/", data)
    return response


def api_as(country="KZ", scopes="read write", office=None, language="en"):
    credentials = new_client(country, scopes, office)
    token = token_for(credentials).json()["access_token"]
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def assert_problem(response, status, code=None):
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/problem+json"), response["Content-Type"]
    body = response.json()
    assert {"type", "title", "status", "detail", "code"} <= set(body), body
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code, body
    return body
