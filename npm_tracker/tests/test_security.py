"""Hardened staff login and headers: lockout, two-factor login for the admin and staff API
sessions, Argon2 hashes, CSP without unsafe sources, no-store caching, ``check --deploy``."""

import os
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import make_staff
from npm_tracker.tests.api_helpers import api_as

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pw-for-tests-only"


def login(client, username, password, token=None):
    data = {"username": username, "password": password, "next": "/admin/"}
    if token is not None:
        device = TOTPDevice.objects.get(user__username=username)
        data.update({"otp_device": device.persistent_id, "otp_token": token})
    return client.post("/admin/login/?next=/admin/", data)


@pytest.mark.django_db
def test_repeated_failures_lock_the_account_even_with_the_right_password(reference, settings):
    settings.AXES_FAILURE_LIMIT = 3
    make_staff("target", "KZ")
    client = Client()
    first = login(client, "target", "wrong password")
    assert first.status_code == 200  # a failed login shows the form again
    for _ in range(2):
        login(client, "target", "wrong password")
    locked = login(client, "target", PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Another user from the same address is not locked out.
    make_staff("colleague", "KZ")
    assert login(Client(), "colleague", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_password_spraying_from_one_address_locks_that_address(reference, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 10
    make_staff("target", "KZ")
    sprayer = Client(REMOTE_ADDR="203.0.113.9")
    for number in range(10):  # one or two tries per name: no account reaches its own limit
        login(sprayer, f"name-{number // 2}", "Summer2026!")
    assert login(sprayer, "target", PASSWORD).status_code == 429
    assert login(Client(REMOTE_ADDR="198.51.100.4"), "target", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2(reference):
    user = make_staff("hashed", "KZ")
    assert user.password.startswith("argon2$")


@pytest.mark.django_db
def test_two_factor_login_is_required_for_the_admin_when_configured(reference, settings):
    settings.REQUIRE_TWO_FACTOR = True
    user = make_staff("twofactor", "KZ")
    out = StringIO()
    call_command("enrol_totp", "twofactor", stdout=out)
    assert out.getvalue().strip().splitlines()[-1].startswith("otpauth://totp/")
    device = TOTPDevice.objects.get(user=user)

    client = Client()
    without = login(client, "twofactor", PASSWORD)
    assert without.status_code == 200 and "_auth_user_id" not in client.session
    wrong = login(client, "twofactor", PASSWORD, token="000000")
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    token = f"{totp(device.bin_key):06d}"
    throttled = login(client, "twofactor", PASSWORD, token=token)  # right after a wrong token
    assert throttled.status_code == 200 and "_auth_user_id" not in client.session
    time.sleep(2.1)  # django-otp's throttle doubles after each failure (1 s, 2 s, ...)
    right = login(client, "twofactor", PASSWORD, token=token)
    assert right.status_code == 302, right.content.decode()[:500]
    assert client.get("/admin/").status_code == 200
    assert client.get("/api/v1/facilities/").status_code == 200

    # A password-only session (no second factor) reaches neither the admin nor the API.
    unverified = Client()
    unverified.force_login(user)
    assert unverified.get("/admin/").status_code == 302
    assert unverified.get("/api/v1/facilities/").status_code in (401, 403)

    settings.REQUIRE_TWO_FACTOR = False
    assert unverified.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_csp_and_secure_headers(reference):
    response = Client().get("/admin/login/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    docs = Client().get("/api/v1/docs/")
    assert docs.status_code == 200 and "<script>" not in docs.content.decode()


@pytest.mark.django_db
def test_authenticated_responses_are_not_cached(reference):
    client = Client()
    client.force_login(make_staff("cached", "KZ"))
    assert client.get("/admin/").headers["Cache-Control"] == "no-store"
    api = api_as(scopes="read")
    assert api.get("/api/v1/facilities/").headers["Cache-Control"] == "no-store"
    assert "no-store" not in Client().get("/healthz").headers.get("Cache-Control", "")


def test_check_deploy_reports_nothing_with_production_settings():
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "x" * 60 + "production-like-secret-key",
        "DJANGO_ALLOWED_HOSTS": "npm.example.org",
        "FIELD_ENCRYPTION_KEYS": "k1:" + "A" * 43,
        "BLIND_INDEX_KEY": "an-index-key-that-is-not-the-development-one",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_development_keys():
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "x" * 60,
    }
    env.pop("FIELD_ENCRYPTION_KEYS", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0 and "FIELD_ENCRYPTION_KEYS" in result.stderr


@pytest.mark.django_db
def test_managing_users_asks_for_the_password_again_after_a_while(reference):
    from npm_tracker.core.reauth import SESSION_KEY

    admin_user = make_staff("sysadmin-user", "KZ", roles=("sysadmin",), direct_permissions=False)
    other = make_staff("someone", "KZ")
    client = Client()
    client.force_login(admin_user)  # a fresh login counts as a typed password
    page = f"/admin/auth/user/{other.pk}/change/"
    assert client.get(page).status_code == 200
    session = client.session
    session[SESSION_KEY] = time.time() - 3600
    session.save()
    asked = client.get(page)
    assert asked.status_code == 302 and asked["Location"].startswith("/admin/reauth/")
    wrong = client.post(asked["Location"], {"password": "not it"})
    assert wrong.status_code == 200 and client.get(page).status_code == 302
    right = client.post(asked["Location"], {"password": PASSWORD})
    assert right.status_code == 302 and right["Location"] == page
    assert client.get(page).status_code == 200
    # The list itself is not a sensitive action.
    session = client.session
    session[SESSION_KEY] = 0
    session.save()
    assert client.get("/admin/auth/user/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/login/", "/api/v1/facilities/", "/healthz"])
def test_every_response_denies_browser_features(reference, path):
    policy = Client().get(path)["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in policy


@pytest.mark.django_db
def test_an_access_token_is_accepted_in_the_authorization_header_only(reference):
    from rest_framework.test import APIClient

    from npm_tracker.tests.api_helpers import new_client, token_for

    token = token_for(new_client(scopes="read write")).json()["access_token"]
    header = APIClient()
    header.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert header.get("/api/v1/facilities/").status_code == 200
    body = APIClient().post("/api/v1/complaints/", {"access_token": token})
    assert body.status_code == 401
    query = APIClient().get("/api/v1/facilities/", {"access_token": token})
    assert query.status_code == 401
