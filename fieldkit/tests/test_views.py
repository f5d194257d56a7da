"""The field app's own routes: the shell behind the admin login, the manifest and service worker,
its files and catalogs, what it takes offline (nothing about a person), the session check and
the device's report of its queue."""

import json
import uuid

import pytest
from django.urls import reverse

from conftest import make_staff
from facilities.models import VisitTeamMember
from facilities.tests.factories import make_facility, make_visit
from fieldkit import services
from fieldkit.models import Device
from fieldkit.views import assets
from npm_tracker.tests.api_helpers import api_as, assert_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def monitor(reference):
    return make_staff("dana", "KZ", roles=("monitor",), direct_permissions=False)


def test_the_shell_is_behind_the_admin_login_and_under_the_strict_csp(client, monitor):
    answer = client.get("/field/")
    assert answer.status_code == 302 and answer["Location"].startswith("/admin/login/")
    client.force_login(monitor)
    answer = client.get("/field/", HTTP_ACCEPT_LANGUAGE="ru")
    assert answer.status_code == 200
    page = answer.content.decode()
    assert '<html lang="ru">' in page and "/field/i18n/ru.js" in page
    assert "<script>" not in page and "style=" not in page  # no inline script or style
    policy = answer["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "no-store" in answer["Cache-Control"]


def test_the_manifest_the_service_worker_and_the_files(client):
    manifest = client.get("/field/manifest.webmanifest")
    assert manifest["Content-Type"] == "application/manifest+json"
    assert json.loads(manifest.content)["scope"] == "/field/"
    worker = client.get("/field/sw.js")
    assert worker["Content-Type"].startswith("text/javascript")
    assert worker["Service-Worker-Allowed"] == "/field/"
    body = worker.content.decode()
    shell = json.loads(body.split("const SHELL = ", 1)[1].split(";\n", 1)[0])
    assert {"/field/", "/field/data/", "/field/app/main.js", "/field/i18n/kk.js"} <= set(shell)
    assert not [url for url in shell if "/api/" in url or "session" in url or "planned" in url]
    for name in assets():
        answer = client.get(f"/field/app/{name}")
        assert answer.status_code == 200 and answer["ETag"], name
    assert client.get("/field/app/main.js")["Content-Type"].startswith("text/javascript")
    assert client.get("/field/app/nothing.js").status_code == 404
    assert client.get("/field/app/..%2Fviews.py").status_code == 404


def test_the_catalog_of_each_language(client):
    catalog = client.get("/field/i18n/ru.js")
    escaped = json.dumps("Начать посещение")[1:-1]  # the catalog is JSON with \u escapes
    assert catalog.status_code == 200 and escaped in catalog.content.decode()
    assert client.get("/field/i18n/xx.js").status_code == 404


def test_what_the_app_takes_offline_is_the_users_countries_and_no_person(client, monitor):
    kz = make_facility("KZ", name="ИВС Астана")
    make_facility("KG", name="ИВС Бишкек")
    assert_problem(client.get("/field/data/"), 403)
    client.force_login(monitor)
    data = client.get("/field/data/").json()
    assert [f["name"] for f in data["facilities"]] == [kz.name]
    types = {item["code"] for item in data["vocabularies"]["visit-types"]}
    assert "kz_special" in types and "thematic" in types and "kg_special" not in types
    assert {"treatment", "material_conditions"} <= {
        item["code"] for item in data["vocabularies"]["areas"]
    }
    assert data["vocabularies"]["countries"] == [
        {"code": "KZ", "name": "Kazakhstan", "country": "KZ"}
    ]
    ended = data["rules"]["visit"]["ended_on"]
    assert ended["not_before"] == "started_on" and ended["kind"] == "date"
    victim = data["rules"]["allegation"]["victim"]["fields"]
    assert victim["full_name"]["max_length"] == 300
    assert data["rules"]["allegation"]["summary"]["required"] is True
    assert data["settings"]["pbkdf2_iterations"] >= 600_000
    # A partner's token is not a staff session.
    assert_problem(api_as("KZ", "read write").get("/field/data/"), 403)


def test_the_rules_speak_the_users_language(client, monitor):
    client.force_login(monitor)
    data = client.get("/field/data/", HTTP_ACCEPT_LANGUAGE="ru").json()
    assert data["rules"]["visit"]["started_on"]["messages"]["required"] == "Обязательное поле."


def test_the_planned_visits_of_the_users_team_with_their_etags(client, monitor):
    ours = make_visit()
    VisitTeamMember.objects.create(visit=ours, user=monitor, role="member")
    make_visit()  # planned, another team
    client.force_login(monitor)
    [planned] = client.get("/field/planned/").json()["results"]
    assert planned["id"] == str(ours.pk) and planned["etag"].startswith('"')


def test_the_session_check_gives_the_csrf_token_and_the_devices_state(client, monitor):
    client.force_login(monitor)
    device = str(uuid.uuid4())
    state = client.get(f"/field/session/?device={device}").json()
    assert state["csrf_token"] and state["device"] == {"known": False, "revoked": False}
    reported = client.post(
        "/field/status/",
        {"device": device, "pending": 4},
        content_type="application/json",
    )
    assert reported.status_code == 200, reported.content
    stored = Device.objects.get(pk=device)
    assert (stored.user, stored.pending_operations) == (monitor, 4) and stored.reported_at
    services.device_revoke(device=stored)
    state = client.get(f"/field/session/?device={device}").json()
    assert state["device"] == {"known": True, "revoked": True}


def test_a_bad_report_changes_nothing_and_another_users_device_is_refused(client, monitor):
    client.force_login(monitor)
    device = str(uuid.uuid4())
    for body in ({"device": device, "pending": -1}, {"device": 5, "pending": 1}, {}):
        assert_problem(client.post("/field/status/", body, content_type="application/json"), 400)
    assert not Device.objects.exists()
    client.post("/field/status/", {"device": device, "pending": 1}, content_type="application/json")
    other = make_staff("erlan", "KZ", roles=("monitor",), direct_permissions=False)
    client.force_login(other)
    refused = client.post(
        "/field/status/", {"device": device, "pending": 9}, content_type="application/json"
    )
    assert_problem(refused, 403)
    assert Device.objects.get(pk=device).pending_operations == 1
    # The session check says nothing of another user's device.
    assert client.get(f"/field/session/?device={device}").json()["device"]["known"] is False


def test_the_device_list_shows_the_devices_of_the_users_countries(client, monitor):
    kz = Device.objects.create(id=uuid.uuid4(), owner=f"user:{monitor.pk}", user=monitor)
    kg_monitor = make_staff("asel", "KG", roles=("monitor",), direct_permissions=False)
    kg = Device.objects.create(id=uuid.uuid4(), owner=f"user:{kg_monitor.pk}", user=kg_monitor)
    client.force_login(make_staff("head", "KZ", roles=("npm_head",), direct_permissions=False))
    page = client.get(reverse("admin:fieldkit_device_changelist")).content.decode()
    assert str(kz.pk) in page and str(kg.pk) not in page
    assert client.get(reverse("admin:fieldkit_device_change", args=[kg.pk])).status_code == 302
