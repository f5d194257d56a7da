"""An id outside the caller's scope behaves exactly like an unknown id — in admin list filters,
"export selected", the audit trail's pages and API filters — and pages of third-party libraries
(login attempts, OAuth applications) are scoped or kept to superusers."""

import uuid
from datetime import date

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from cases.tests.factories import make_allegation
from conftest import make_staff
from facilities.tests.factories import make_facility
from npm_tracker.core.models import AccessChannel, AccessLog
from npm_tracker.tests.api_helpers import api_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_countries(reference):
    kz_facility = make_facility("KZ", name="ИВС Караганда")
    kg_facility = make_facility("KG", name="ИВС Бишкек")
    return {
        "kz_facility": kz_facility,
        "kg_facility": kg_facility,
        "kz": make_allegation("KZ", facility=kz_facility),
        "kg": make_allegation("KG", facility=kg_facility),
    }


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _same(first, second):
    """Two responses a caller cannot tell apart (CSRF tokens and the ids asked for aside)."""
    assert first.status_code == second.status_code
    assert first.get("Location") == second.get("Location")
    assert len(first.content) == len(second.content)


@pytest.mark.parametrize(
    "query",
    [
        "/admin/cases/allegation/?facility__id__exact={facility}",
        "/admin/cases/allegation/?related_allegation={allegation}",
        "/admin/cases/referral/?allegation__id__exact={allegation}",
    ],
)
def test_admin_filters_on_another_countrys_ids_answer_as_unknown_ids(two_countries, query):
    client = _login(make_staff("kg-head", "KG", direct_permissions=False))
    known = query.format(
        facility=two_countries["kz_facility"].pk, allegation=two_countries["kz"].pk
    )
    unknown = query.format(facility=uuid.uuid4(), allegation=uuid.uuid4())
    _same(client.get(known), client.get(unknown))


def test_exporting_selected_records_of_another_country_answers_as_unknown_ids(two_countries):
    kz_row = AccessLog.objects.create(
        channel=AccessChannel.ADMIN,
        country=two_countries["kz"].country,
        object_type="cases.allegation",
        object_id=two_countries["kz"].pk,
        allegation_id=two_countries["kz"].pk,
        what="identity",
    )
    client = _login(make_staff("kg-auditor", "KG", roles=("auditor",), direct_permissions=False))
    url = reverse("admin:npm_tracker_accesslog_export")

    def export(pk):
        return client.post(url, {"resource": "0", "format": "0", "export_items": [str(pk)]})

    known, unknown = export(kz_row.pk), export(uuid.uuid4())
    assert known.get("Content-Type") == unknown.get("Content-Type")
    _same(known, unknown)


@pytest.mark.parametrize("caller", ["client", "staff"])
def test_api_filters_on_another_countrys_ids_answer_as_unknown_ids(two_countries, caller):
    if caller == "client":
        client = api_as("KG", "read")
    else:
        from rest_framework.test import APIClient

        client = APIClient()
        client.force_login(make_staff("kg-head", "KG", direct_permissions=False))
    for route, name in (("/api/v1/allegations/", "facility"), ("/api/v1/visits/", "facility")):
        known = client.get(route, {name: str(two_countries["kz_facility"].pk)})
        unknown = client.get(route, {name: str(uuid.uuid4())})
        assert known.status_code == unknown.status_code == 200, (route, known.status_code)
        assert known.json()["results"] == unknown.json()["results"] == []
        own = client.get(route, {name: str(two_countries["kg_facility"].pk)})
        assert own.status_code == 200


def test_the_audit_trail_shows_only_records_the_user_may_open(two_countries):
    events = reverse("admin:pghistory_events_changelist")
    auditor = make_staff("kz-auditor", "KZ", roles=("auditor",), direct_permissions=False)
    client = _login(auditor)

    def listed(query):
        response = client.get(events + query)
        assert response.status_code == 200, response.status_code
        return response, list(response.context["cl"].result_list)

    own, own_events = listed(f"?obj=cases.allegation:{two_countries['kz'].pk}")
    assert own_events and str(two_countries["kz"]) in own.content.decode()
    other, other_events = listed(f"?obj=cases.allegation:{two_countries['kg'].pk}")
    unknown, unknown_events = listed(f"?obj=cases.allegation:{uuid.uuid4()}")
    assert other_events == unknown_events == []
    assert str(two_countries["kg"]) not in other.content.decode()
    _same(other, unknown)
    _, everything = listed("")
    assert everything == []  # all events at once: superusers only
    _, malformed = listed("?obj=cases.allegation:not-an-id")
    assert malformed == []
    root = _login(make_staff("root", superuser=True, direct_permissions=False))
    assert root.get(events + f"?obj=cases.allegation:{uuid.uuid4()}").status_code == 200


def test_the_same_person_in_other_allegations_is_counted_within_the_users_scope(reference):
    person = {"full_name": "Ержан Повторный", "date_of_birth": date(1990, 1, 1)}
    kz = make_allegation("KZ", victim=person)
    make_allegation("KZ", victim=person)
    make_allegation("KG", victim=person)
    make_allegation("KG", victim=person)
    page = _login(make_staff("kz-head", "KZ", direct_permissions=False)).get(
        reverse("admin:cases_allegation_change", args=[kz.pk])
    )
    text = page.content.decode()
    assert "1 other allegation" in text and "3 other" not in text
    kg_pair = make_staff("both-head", "KZ", "KG", direct_permissions=False)
    text = _login(kg_pair).get(reverse("admin:cases_allegation_change", args=[kz.pk])).content
    assert "3 other allegations" in text.decode()


def test_login_attempts_are_shown_for_accounts_of_the_users_countries(reference):
    make_staff("kz-officer", "KZ", roles=("case_officer",), direct_permissions=False)
    make_staff("kg-officer", "KG", roles=("case_officer",), direct_permissions=False)
    for name in ("kz-officer", "kg-officer", "no-such-account"):
        AccessAttempt.objects.create(
            username=name, ip_address="10.0.0.9", user_agent="x", failures_since_start=2
        )
    url = reverse("admin:axes_accessattempt_changelist")
    for role in ("auditor", "sysadmin"):
        client = _login(make_staff(f"kz-{role}", "KZ", roles=(role,), direct_permissions=False))
        shown = {a.username for a in client.get(url).context["cl"].result_list}
        assert shown == {"kz-officer"}, (role, shown)
    root = _login(make_staff("root", superuser=True, direct_permissions=False))
    assert len(root.get(url).context["cl"].result_list) == 3


def test_oauth_applications_and_tokens_are_for_superusers_only(reference):
    api_as("KG", "read")  # an application and a token of KG
    sysadmin = _login(
        make_staff("kz-sysadmin", "KZ", roles=("sysadmin",), direct_permissions=False)
    )
    for model in ("application", "accesstoken", "refreshtoken", "grant", "idtoken"):
        assert sysadmin.get(reverse(f"admin:oauth2_provider_{model}_changelist")).status_code == 403
    root = _login(make_staff("root", superuser=True, direct_permissions=False))
    assert root.get(reverse("admin:oauth2_provider_application_changelist")).status_code == 200


@pytest.mark.parametrize("role", ["sysadmin", "auditor", "npm_head", "case_officer"])
def test_another_countrys_webhook_answers_as_an_unknown_one(reference, role):
    from rest_framework.test import APIClient

    created = api_as("KZ", "read write").post(
        "/api/v1/webhooks/",
        {"url": "https://partner.example/hooks", "events": ["allegation.created"]},
        format="json",
    )
    assert created.status_code == 201
    known, unknown = created.json()["id"], str(uuid.uuid4())
    client = APIClient()
    client.force_login(make_staff(f"kg-{role}", "KG", roles=(role,), direct_permissions=False))
    for path in ("/api/v1/webhooks/{}/", "/api/v1/webhooks/{}/deliveries/"):
        for method in ("get", "delete"):
            first = getattr(client, method)(path.format(known))
            second = getattr(client, method)(path.format(unknown))
            assert (first.status_code, first.json()["code"]) == (
                second.status_code,
                second.json()["code"],
            ), (role, method, path)
