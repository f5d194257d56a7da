"""Facilities, visits and recommendations over the API (CONTRACT.md)."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from facilities.models import Facility, Visit
from facilities.tests.factories import make_facility, make_visit
from npm_tracker.tests.api_helpers import api_as, assert_problem

pytestmark = pytest.mark.django_db


def facility_body(**overrides):
    body = {
        "name": "ИВС ДП г. Караганды",
        "country": "KZ",
        "region": "kz_karaganda",
        "facility_type": "ivs",
        "agency": "kz_mvd",
        "address": "Караганда, ул. Ерубаева, 1",
        "capacity": 40,
        "population": 22,
        "is_active": True,
    }
    body.update(overrides)
    return body


def test_create_read_and_update_a_facility_with_etags(reference):
    client = api_as()
    created = client.post("/api/v1/facilities/", facility_body(), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["region"] == "kz_karaganda" and body["country"] == "KZ"
    assert body["last_visit_on"] is None
    assert body["periodic_visit_due_on"] is not None  # counted from its registration
    detail = client.get(f"/api/v1/facilities/{body['id']}/")
    etag = detail["ETag"]
    assert etag
    changed = client.patch(
        f"/api/v1/facilities/{body['id']}/", {"capacity": 45}, format="json", HTTP_IF_MATCH=etag
    )
    assert changed.status_code == 200 and changed.json()["capacity"] == 45
    assert changed["ETag"] != etag
    stale = client.patch(
        f"/api/v1/facilities/{body['id']}/", {"capacity": 50}, format="json", HTTP_IF_MATCH=etag
    )
    assert_problem(stale, 412, "precondition_failed")
    assert Facility.objects.get(pk=body["id"]).capacity == 45


def test_bad_facility_input_is_refused_and_nothing_written(reference):
    client = api_as()
    cases = [
        facility_body(capacity=-1),
        facility_body(region="kg_chuy"),  # another country's region: not even visible
        facility_body(facility_type="no_such_type"),
        facility_body(capacity="many"),
        facility_body(country="KG"),
    ]
    for body in cases:
        assert_problem(client.post("/api/v1/facilities/", body, format="json"), 400)
    assert not Facility.objects.exists()


def test_other_countries_do_not_exist_for_a_client(reference):
    kg = make_facility("KG", name="ИВС Бишкек")
    kz = make_facility("KZ", name="ИВС Астана")
    client = api_as("KZ")
    listed = client.get("/api/v1/facilities/").json()["results"]
    assert [f["id"] for f in listed] == [str(kz.pk)]
    assert_problem(client.get(f"/api/v1/facilities/{kg.pk}/"), 404, "not_found")
    assert_problem(
        client.patch(f"/api/v1/facilities/{kg.pk}/", {"capacity": 1}, format="json"), 404
    )


def test_list_filters_and_cursor_pages(reference):
    for n in range(5):
        make_facility(name=f"ИВС {n}")
    make_facility(
        name="Колония",
        facility_type=__import__("facilities.models").models.FacilityType.objects.get(
            code="penal_colony"
        ),
        agency=__import__("facilities.models").models.Agency.objects.get(code="kz_kuis"),
    )
    client = api_as()
    page = client.get("/api/v1/facilities/?limit=2").json()
    assert set(page) == {"next", "previous", "results"} and len(page["results"]) == 2
    second = client.get(page["next"]).json()
    assert len(second["results"]) == 2
    assert not {f["id"] for f in page["results"]} & {f["id"] for f in second["results"]}
    colonies = client.get("/api/v1/facilities/?facility_type=penal_colony").json()["results"]
    assert [f["name"] for f in colonies] == ["Колония"]
    assert client.get("/api/v1/facilities/?search=колон").json()["results"]


@pytest.mark.parametrize("path", ["/api/v1/facilities/", "/api/v1/visits/"])
def test_list_query_count_does_not_grow_with_rows(reference, path):
    client = api_as()
    facility = make_facility()
    make_visit(facility, obstacles=[])
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(path + "?limit=500").json()["results"]) == 1
    for n in range(30):
        make_visit(make_facility(name=f"F{n}"), started_on=date(2026, 1, 5))
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(path + "?limit=500").json()["results"]) > 30
    assert len(many) == len(one)


def test_visit_with_obstacles_and_its_transitions(reference):
    facility = make_facility()
    client = api_as()
    created = client.post(
        "/api/v1/visits/",
        {
            "facility": str(facility.pk),
            "visit_type": "kz_special",
            "announced": False,
            "started_on": "2026-03-02",
            "ended_on": "2026-03-02",
            "persons_held": 12,
            "interviews_private": 5,
            "interviews_group": 1,
            "obstacles": ["entry_delayed", "documents_withheld"],
            "summary": "Night visit after a complaint.",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    visit = created.json()
    assert visit["status"] == "planned"
    assert visit["obstacles"] == ["documents_withheld", "entry_delayed"]
    moved = client.post(
        f"/api/v1/visits/{visit['id']}/transition/",
        {"to": "in_progress", "occurred_at": "2026-03-02T22:00:00+05:00"},
        format="json",
    )
    assert moved.status_code == 200 and moved.json()["status"] == "in_progress"
    refused = client.post(
        f"/api/v1/visits/{visit['id']}/transition/", {"to": "report_sent"}, format="json"
    )
    assert_problem(refused, 409, "invalid_transition")
    future = client.post(
        f"/api/v1/visits/{visit['id']}/transition/",
        {"to": "report_drafted", "occurred_at": "2099-01-01T00:00:00+05:00"},
        format="json",
    )
    assert_problem(future, 400, "event_in_future")
    assert Visit.objects.get(pk=visit["id"]).status == "in_progress"
    readonly = client.patch(
        f"/api/v1/visits/{visit['id']}/", {"status": "report_sent"}, format="json"
    )
    assert readonly.status_code == 200
    assert Visit.objects.get(pk=visit["id"]).status == "in_progress"


def test_recommendation_issue_sets_its_due_date(reference):
    visit = make_visit(started_on=date(2026, 3, 2))
    client = api_as()
    created = client.post(
        "/api/v1/recommendations/",
        {
            "visit": str(visit.pk),
            "source": "visit_report",
            "addressee_level": "facility",
            "addressee_agency": "kz_mvd",
            "area": "medical_services",
            "text": "Examine every new arrival within 24 hours.",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    rec = created.json()
    assert rec["facility"] == str(visit.facility_id)
    assert (rec["status"], rec["response_due_on"], rec["overdue"]) == ("draft", None, False)
    issued = client.post(
        f"/api/v1/recommendations/{rec['id']}/transition/",
        {"to": "issued", "occurred_at": "2026-03-10T10:00:00+05:00"},
        format="json",
    ).json()
    assert issued["status"] == "issued" and issued["issued_on"] == "2026-03-10"
    # 15 working days from Tuesday 10 March 2026, Nauryz (23-25 March) not counted.
    assert issued["response_due_on"] == "2026-04-03"
    assert issued["overdue"] is True


def test_vocabularies_by_country_date_and_language(reference):
    client = api_as("KG", language="ru")
    regions = client.get("/api/v1/vocabularies/regions/?country=KG").json()["results"]
    assert len(regions) == 9 and all(r["country"] == "KG" for r in regions)
    assert any(r["name"] == "Чуйская область" for r in regions)
    types_2024 = client.get("/api/v1/vocabularies/visit-types/?on=2024-06-01").json()["results"]
    types_2026 = client.get("/api/v1/vocabularies/visit-types/?on=2026-06-01").json()["results"]
    assert "kg_comprehensive" in {t["code"] for t in types_2024}
    assert "kg_comprehensive" not in {t["code"] for t in types_2026}
    assert "thematic" in {t["code"] for t in types_2026}
    events = client.get("/api/v1/vocabularies/referral-events/").json()["results"]
    assert "registered" in {e["code"] for e in events}
    assert_problem(client.get("/api/v1/vocabularies/nonsense/"), 404)
    assert_problem(client.get("/api/v1/vocabularies/regions/?on=yesterday"), 400)


def test_date_time_filters_with_extreme_offsets_answer_without_a_server_error(reference):
    make_facility()
    client = api_as()
    response = client.get("/api/v1/facilities/", {"updated_since": "8685-05-02T12:19:58.8-20:47"})
    assert response.status_code == 200
    assert response.json()["results"] == []
    old = client.get("/api/v1/allegations/", {"received_after": "2000-01-01T00:00:00-23:59"})
    assert old.status_code == 200


def test_values_postgresql_cannot_hold_are_a_bad_request(reference):
    client = api_as()
    response = client.post(
        "/api/v1/facilities/",
        {
            "name": "x",
            "country": "KZ",
            "region": "kz_karaganda",
            "facility_type": "ivs",
            "agency": "kz_mvd",
            "capacity": 10**12,
        },
        format="json",
    )
    assert_problem(response, 400)
    assert not Facility.objects.exists()
