"""Roles: which admin pages each role opens, which records it sees (own country / other country,
assigned / not assigned, on the visit / not), and whether it sees identities — in the admin and
the API alike. Declarative tables; an admin model missing from them fails the test."""

from datetime import date

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from cases import services as case_services
from cases.models import ProsecutorOffice
from cases.tests.factories import make_allegation
from conftest import make_staff
from facilities import services as facility_services
from facilities.models import VisitTeamMember
from facilities.tests.factories import make_facility, make_visit
from npm_tracker.core.models import AccessLog
from reports.models import ReportRun

NAME = "Айдана Ролевая"
ROLES = (
    "head",
    "officer",
    "officer_other",
    "monitor",
    "monitor_assigned",
    "analyst",
    "auditor",
    "sysadmin",
    "kg_head",
)
USERS = {  # key: (role group, country)
    "head": ("npm_head", "KZ"),
    "officer": ("case_officer", "KZ"),
    "officer_other": ("case_officer", "KZ"),
    "monitor": ("monitor", "KZ"),
    "monitor_assigned": ("monitor", "KZ"),
    "analyst": ("analyst", "KZ"),
    "auditor": ("auditor", "KZ"),
    "sysadmin": ("sysadmin", "KZ"),
    "kg_head": ("npm_head", "KG"),
}
ALL = set(ROLES)
CASE_WORK = {
    "head",
    "officer",
    "officer_other",
    "monitor",
    "monitor_assigned",
    "auditor",
    "kg_head",
}
HEADS = {"head", "kg_head"}
# Medical and evidence pages open to the roles that see identities (a monitor only on a case
# assigned to them, so not the lists).
IDENTITY = {"head", "officer", "officer_other", "kg_head"}
VOCABULARY = ALL - {"analyst"}
FACILITY_VOCABULARY = ALL

# Which roles open each admin model's list (200; the others 403).
ADMIN_ACCESS = {
    "auth.group": {"sysadmin"},
    "auth.user": {"sysadmin"},
    "axes.accessattempt": {"sysadmin", "auditor"},
    "axes.accessfailurelog": {"sysadmin", "auditor"},
    "axes.accesslog": {"sysadmin", "auditor"},
    "cases.allegation": CASE_WORK,
    "cases.allegationsource": VOCABULARY,
    "cases.consistencylevel": VOCABULARY,
    "cases.deadlinerule": VOCABULARY,
    "cases.evidence": IDENTITY,
    "cases.incident": CASE_WORK,
    "cases.medicalexamination": IDENTITY,
    "cases.method": VOCABULARY,
    "cases.placeofincident": VOCABULARY,
    "cases.prosecutoroffice": VOCABULARY,
    "cases.referral": CASE_WORK,
    "cases.reprisalfollowup": CASE_WORK,
    "facilities.agency": FACILITY_VOCABULARY,
    "npm_tracker.country": FACILITY_VOCABULARY,
    "facilities.examinedarea": FACILITY_VOCABULARY,
    "facilities.facility": ALL - {"sysadmin"},
    "facilities.facilitytype": FACILITY_VOCABULARY,
    "facilities.npmbody": FACILITY_VOCABULARY,
    "facilities.obstacletype": FACILITY_VOCABULARY,
    "facilities.recommendation": CASE_WORK,
    "facilities.region": FACILITY_VOCABULARY,
    "facilities.visit": CASE_WORK,
    "facilities.visittype": FACILITY_VOCABULARY,
    "npm_tracker.accesslog": HEADS | {"auditor"},
    "npm_tracker.daytransfer": HEADS | {"auditor", "sysadmin"},
    "oauth2_provider.accesstoken": set(),  # superusers only
    "oauth2_provider.application": set(),  # superusers only
    "oauth2_provider.grant": set(),  # superusers only
    "oauth2_provider.idtoken": set(),  # superusers only
    "oauth2_provider.refreshtoken": set(),  # superusers only
    "otp_totp.totpdevice": {"sysadmin"},
    "pghistory.events": {"auditor"},
    "reports.reportrun": CASE_WORK | {"analyst"},
    "reports.reportschedule": HEADS | {"auditor", "sysadmin"},
    "fieldkit.device": HEADS | {"auditor", "sysadmin"},
}

# Which roles see each record (admin change page and API detail alike), and its identity.
RECORDS = {
    # raised on the monitor's visit, assigned to the officer
    "allegation_on_visit": {
        "sees": {"head", "officer", "monitor", "auditor"},
        "identity": {"head", "officer"},
    },
    # on no visit, assigned to a monitor (who then sees its identity)
    "allegation_assigned": {
        "sees": {"head", "monitor_assigned", "auditor"},
        "identity": {"head", "monitor_assigned"},
    },
    "allegation_kg": {"sees": {"kg_head"}, "identity": {"kg_head"}},
    "visit_on": {"sees": {"head", "officer", "officer_other", "monitor", "auditor"}},
    "visit_other": {
        "sees": {"head", "officer", "officer_other", "auditor"},
    },
    "report_public": {"sees": CASE_WORK - {"kg_head"} | {"analyst"}},
    "report_internal": {"sees": CASE_WORK - {"kg_head"}},
    "report_letter": {"sees": {"head", "officer"}},
}
ADMIN_CHANGE = {
    "allegation": "admin:cases_allegation_change",
    "visit": "admin:facilities_visit_change",
    "report": "admin:reports_reportrun_change",
}
API_DETAIL = {"allegation": "/api/v1/allegations/{}/", "visit": "/api/v1/visits/{}/"}


@pytest.fixture
def world(reference, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    users = {
        key: make_staff(key, country, roles=(role,), direct_permissions=False)
        for key, (role, country) in USERS.items()
    }
    facility = make_facility(name="ИВС ролей")
    visit_on = make_visit(facility, started_on=date(2026, 3, 2))
    facility_services.visit_part_save(
        actor=None,
        part=VisitTeamMember(visit=visit_on, user=users["monitor"], role="member"),
    )
    visit_other = make_visit(facility, started_on=date(2026, 3, 9))
    victim = {"full_name": NAME, "date_of_birth": date(1990, 1, 1)}
    on_visit = make_allegation(
        facility=facility, visit=visit_on, assigned_officer=users["officer"], victim=victim
    )
    assigned = make_allegation(
        facility=facility, assigned_officer=users["monitor_assigned"], victim=victim
    )
    kg = make_allegation("KG", victim=victim)
    referral = case_services.referral_create(
        actor=None,
        allegation=on_visit,
        prosecutor_office=ProsecutorOffice.objects.get(code="kz_po_karaganda"),
    )
    reports = {}
    for key, extra in (
        ("report_public", {"kind": "periodic_statistics", "version": "public"}),
        ("report_internal", {"kind": "periodic_statistics", "version": "internal"}),
        ("report_letter", {"kind": "referral_letter", "referral": referral}),
    ):
        period = (
            {}
            if "referral" in extra
            else {
                "period_start": date(2026, 1, 1),
                "period_end": date(2026, 3, 31),
            }
        )
        reports[key] = ReportRun.objects.create(
            country=facility.country, language="en", **period, **extra
        )
    records = {
        "allegation_on_visit": on_visit,
        "allegation_kg": kg,
        "visit_on": visit_on,
        "visit_other": visit_other,
        **reports,
    }
    return {"users": users, "records": records, "assigned": assigned}


def test_the_admin_table_covers_every_registered_model():
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == set(ADMIN_ACCESS), registered ^ set(ADMIN_ACCESS)


def check_admin_pages(world, table, page):
    """Every role against every model of ``table``: 200 for the roles listed, 403 otherwise."""
    failures = []
    for role in ROLES:
        client = Client()
        client.force_login(world["users"][role])
        for label, allowed in sorted(table.items()):
            app_label, model_name = label.split(".")
            status = client.get(reverse(f"admin:{app_label}_{model_name}_{page}")).status_code
            expected = 200 if role in allowed else 403
            if status != expected:
                failures.append((role, label, page, expected, status))
    assert not failures, "\n".join(map(str, failures))


@pytest.mark.django_db
def test_every_role_opens_exactly_its_admin_pages(world):
    check_admin_pages(world, ADMIN_ACCESS, "changelist")


@pytest.mark.django_db
def test_every_role_sees_exactly_its_records_and_identities(world):
    records = dict(world["records"])
    records["allegation_assigned"] = world["assigned"]
    failures = []
    for role in ROLES:
        user = world["users"][role]
        client = Client()
        client.force_login(user)
        for key, expected in RECORDS.items():
            obj = records[key]
            kind = key.split("_")[0]
            url = reverse(ADMIN_CHANGE[kind], args=[obj.pk])
            response = client.get(url)
            sees = role in expected["sees"]
            # Out of reach: the admin answers "no such record" (a redirect), as for a wrong id;
            # a role without the model's permission gets 403.
            if (response.status_code == 200) != sees:
                failures.append((role, key, "admin", sees, response.status_code))
            if kind in API_DETAIL:
                api = client.get(API_DETAIL[kind].format(obj.pk))
                if sees and api.status_code != 200:
                    failures.append((role, key, "api", sees, api.status_code))
                if not sees and api.status_code not in (403, 404):
                    failures.append((role, key, "api", sees, api.status_code))
            if "identity" in expected and response.status_code == 200:
                shown = NAME in response.content.decode()
                if shown != (role in expected["identity"]):
                    failures.append((role, key, "identity", role in expected["identity"], shown))
                api_body = client.get(API_DETAIL[kind].format(obj.pk)).json()
                api_shown = (api_body.get("victim") or {}).get("full_name") == NAME
                if api_shown != (role in expected["identity"]):
                    failures.append((role, key, "api identity", role in expected["identity"]))
        # Lists reveal nothing more than the pages do.
        listing = client.get(reverse("admin:cases_allegation_changelist"))
        if listing.status_code == 200:
            for key in ("allegation_on_visit", "allegation_assigned", "allegation_kg"):
                present = f"{records[key].pk}/change/" in listing.content.decode()
                if present != (role in RECORDS[key]["sees"]):
                    failures.append((role, key, "list", role in RECORDS[key]["sees"], present))
    assert not failures, "\n".join(map(str, failures))


@pytest.mark.django_db
def test_identity_reads_are_logged_only_when_shown(world):
    allegation = world["records"]["allegation_on_visit"]
    url = reverse("admin:cases_allegation_change", args=[allegation.pk])
    for role in ("monitor", "auditor"):
        client = Client()
        client.force_login(world["users"][role])
        assert client.get(url).status_code == 200
    assert AccessLog.objects.count() == 0
    client = Client()
    client.force_login(world["users"]["officer"])
    client.get(url)
    assert AccessLog.objects.get().user == world["users"]["officer"]


# Every list route of the API for staff sessions: the model whose permission it needs (the same
# as the admin's), or None when the route needs none (its scope decides).
API_LISTS = {
    "/api/v1/vocabularies/{name}/": None,
    "/api/v1/facilities/": "facilities.facility",
    "/api/v1/visits/": "facilities.visit",
    "/api/v1/recommendations/": "facilities.recommendation",
    "/api/v1/allegations/": "cases.allegation",
    "/api/v1/referrals/": "cases.referral",
    "/api/v1/webhooks/": "npm_tracker.webhook",
    "/api/v1/reports/": "reports.reportrun",
    "/api/v1/statistics/": None,
    "/api/v1/signing-keys/": None,
    "/api/v1/integrity/roots/": None,
}
WEBHOOK_ROLES = {"sysadmin", "auditor"}
LISTED = {
    "/api/v1/allegations/": ("allegation_on_visit", "allegation_assigned", "allegation_kg"),
    "/api/v1/visits/": ("visit_on", "visit_other"),
    "/api/v1/reports/": ("report_public", "report_internal", "report_letter"),
}


def test_the_api_table_covers_every_list_route():
    from npm_tracker.tests.test_api_matrix import schema_routes

    lists = {path for method, path in schema_routes() if method == "get"}
    lists = {path for path in lists if not path.endswith("}/") or path.endswith("{name}/")}
    lists = {path for path in lists if "{id}" not in path}
    assert lists == set(API_LISTS), lists ^ set(API_LISTS)


@pytest.mark.django_db
def test_staff_sessions_on_the_api_hold_their_roles(world):
    records = dict(world["records"])
    records["allegation_assigned"] = world["assigned"]
    failures = []
    for role in ROLES:
        client = Client()
        client.force_login(world["users"][role])
        for route, model in API_LISTS.items():
            url = route.replace("{name}", "areas")
            if route == "/api/v1/statistics/":
                url += "?country=KZ&period_start=2026-01-01&period_end=2026-03-31"
            if route == "/api/v1/integrity/roots/":
                url += "?date=2026-03-02"
            allowed = model is None or role in ADMIN_ACCESS.get(model, WEBHOOK_ROLES)
            if model == "npm_tracker.webhook":
                allowed = role in WEBHOOK_ROLES
            response = client.get(url)
            expected = 200 if allowed else 403
            if route == "/api/v1/statistics/" and role == "kg_head":
                expected = 400  # KZ is not a country of theirs
            if response.status_code != expected:
                failures.append((role, route, expected, response.status_code))
                continue
            if response.status_code == 200 and route in LISTED:
                shown = {item["id"] for item in response.json()["results"]}
                for key in LISTED[route]:
                    if (str(records[key].pk) in shown) != (role in RECORDS[key]["sees"]):
                        failures.append((role, route, key, role in RECORDS[key]["sees"]))
    assert not failures, "\n".join(map(str, failures))


WORKERS = {"head", "kg_head", "officer", "officer_other", "monitor", "monitor_assigned"}
CONFIGURERS = {"head", "kg_head", "sysadmin"}
# Which roles open each admin model's "add" page (200; the others 403).
ADMIN_ADD = {
    "auth.group": set(),  # the roles are seeded: only a superuser changes them
    "auth.user": {"sysadmin"},
    "axes.accessattempt": set(),
    "axes.accessfailurelog": set(),
    "axes.accesslog": set(),
    "cases.allegation": WORKERS,
    "cases.evidence": set(),  # uploaded on the allegation's page
    "cases.medicalexamination": set(),  # added on the allegation's page
    "cases.allegationsource": CONFIGURERS,
    "cases.consistencylevel": CONFIGURERS,
    "cases.deadlinerule": CONFIGURERS,
    "cases.incident": WORKERS,
    "cases.method": CONFIGURERS,
    "cases.placeofincident": CONFIGURERS,
    "cases.prosecutoroffice": CONFIGURERS,
    "cases.referral": WORKERS,
    "cases.reprisalfollowup": set(),  # opened by the system when a risk is recorded
    "facilities.agency": CONFIGURERS,
    "npm_tracker.country": CONFIGURERS,
    "facilities.examinedarea": CONFIGURERS,
    "facilities.facility": WORKERS,
    "facilities.facilitytype": CONFIGURERS,
    "facilities.npmbody": CONFIGURERS,
    "facilities.obstacletype": CONFIGURERS,
    "facilities.recommendation": WORKERS,
    "facilities.region": CONFIGURERS,
    "facilities.visit": WORKERS,
    "facilities.visittype": CONFIGURERS,
    "npm_tracker.accesslog": set(),
    "npm_tracker.daytransfer": {"sysadmin"},
    "oauth2_provider.accesstoken": set(),
    "oauth2_provider.application": set(),
    "oauth2_provider.grant": set(),
    "oauth2_provider.idtoken": set(),
    "oauth2_provider.refreshtoken": set(),
    "otp_totp.totpdevice": {"sysadmin"},
    "pghistory.events": set(),
    "reports.reportrun": WORKERS | {"analyst"},
    "reports.reportschedule": CONFIGURERS,
    "fieldkit.device": set(),  # a device registers itself at its first sync
}


def test_the_add_table_covers_every_registered_model():
    assert set(ADMIN_ADD) == set(ADMIN_ACCESS)


@pytest.mark.django_db
def test_every_role_adds_exactly_what_it_may(world):
    check_admin_pages(world, ADMIN_ADD, "add")
