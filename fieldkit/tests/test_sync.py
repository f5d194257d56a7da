"""``POST /api/v1/sync/`` (CONTRACT.md, "Offline field sync"): every operation type, references
inside a batch, a stale ``base_etag``, a batch sent again (also twice at once), an operation out
of scope, a revoked device, malformed batches."""

import threading
import uuid

import pytest
from django.db import connection
from rest_framework.test import APIClient

from cases.models import Allegation, Victim
from facilities.models import Recommendation, Visit, VisitFinding
from facilities.tests.factories import make_facility, make_visit
from fieldkit import services
from fieldkit.models import Device, SyncBatch
from npm_tracker.tests.api_helpers import api_as, assert_problem, new_client, token_for

pytestmark = pytest.mark.django_db
SCOPES = "read write confidential"


def op(kind, data=None, *, target=None, base_etag=None, op_id=None):
    return {
        "op_id": op_id or str(uuid.uuid4()),
        "type": kind,
        "data": data or {},
        "target": target,
        "base_etag": base_etag,
    }


def batch(*operations, device=None, batch_id=None):
    return {
        "device": device or str(uuid.uuid4()),
        "batch_id": batch_id or str(uuid.uuid4()),
        "operations": list(operations),
    }


def a_whole_visit(facility):
    visit = op(
        "visit.create",
        {"facility": str(facility.pk), "visit_type": "kz_special", "started_on": "2026-03-02"},
    )
    ref = f"op:{visit['op_id']}"
    return [
        visit,
        op("finding.create", {"visit": ref, "area": "treatment", "text": "Bruises seen."}),
        op("finding.create", {"visit": ref, "area": "material_conditions", "text": "Cold cells."}),
        op(
            "recommendation.create",
            {
                "visit": ref,
                "source": "visit_report",
                "addressee_level": "facility",
                "addressee_agency": "kz_mvd",
                "area": "treatment",
                "text": "Stop the beatings.",
            },
        ),
        op(
            "allegation.create",
            {
                "country": "KZ",
                "source": "visit_interview",
                "received_at": "2026-03-02T11:00:00+05:00",
                "facility": str(facility.pk),
                "visit": ref,
                "place_of_incident": "arrest",
                "summary": "Beaten on arrest.",
                "victim": {"full_name": "Асанов Ерлан", "sex": "male"},
                "consent": {"prosecutor": True},
            },
        ),
    ]


def test_a_whole_visit_syncs_once_and_a_batch_sent_again_creates_nothing(reference):
    client = api_as("KZ", SCOPES)
    facility = make_facility()
    body = batch(*a_whole_visit(facility))
    answer = client.post("/api/v1/sync/", body, format="json")
    assert answer.status_code == 200, answer.content
    results = answer.json()["results"]
    assert [r["op_id"] for r in results] == [o["op_id"] for o in body["operations"]]
    assert [r["status"] for r in results] == [201] * 5, results
    visit = Visit.objects.get()
    assert str(visit.pk) == results[0]["id"]
    assert sorted(VisitFinding.objects.filter(visit=visit).values_list("text", flat=True)) == [
        "Bruises seen.",
        "Cold cells.",
    ]
    assert Recommendation.objects.get().visit == visit
    allegation = Allegation.objects.get()
    assert allegation.visit == visit and Victim.objects.count() == 1
    assert all(r["etag"] and r["errors"] is None and r["current"] is None for r in results)
    # Written by the caller, as a request of its own would be: the audit trail names it.
    actors = {
        row.pgh_context.metadata.get("actor")
        for model in (Visit, VisitFinding, Allegation)
        for row in model.history.rel.related_model.objects.all()
    }
    assert actors == {Device.objects.get().owner}

    again = client.post("/api/v1/sync/", body, format="json")
    assert again.status_code == 200
    assert again.json()["results"] == results
    assert (Visit.objects.count(), Allegation.objects.count(), Victim.objects.count()) == (1, 1, 1)
    assert VisitFinding.objects.count() == 2 and Recommendation.objects.count() == 1
    # The batch keeps ids and statuses, never what it carried.
    assert "Асанов" not in str(SyncBatch.objects.get().results)


def test_an_update_from_a_stale_copy_is_a_conflict_and_overwrites_nothing(reference):
    client = api_as("KZ", SCOPES)
    visit = make_visit()
    seen = client.get(f"/api/v1/visits/{visit.pk}/")["ETag"]
    changed = client.patch(f"/api/v1/visits/{visit.pk}/", {"persons_held": 7}, format="json")
    assert changed.status_code == 200
    stale = batch(op("visit.update", {"persons_held": 3}, target=str(visit.pk), base_etag=seen))
    [result] = client.post("/api/v1/sync/", stale, format="json").json()["results"]
    assert result["status"] == 409 and result["code"] == "edit_conflict", result
    assert result["current"]["persons_held"] == 7 and result["etag"] == changed["ETag"]
    visit.refresh_from_db()
    assert visit.persons_held == 7
    # With the ETag it now has, the device's edit goes through.
    fresh = batch(
        op("visit.update", {"persons_held": 3}, target=str(visit.pk), base_etag=result["etag"])
    )
    [applied] = client.post("/api/v1/sync/", fresh, format="json").json()["results"]
    assert applied["status"] == 200
    visit.refresh_from_db()
    assert visit.persons_held == 3


def test_an_allegation_update_follows_the_same_rule(reference):
    client = api_as("KZ", SCOPES)
    facility = make_facility()
    created = client.post("/api/v1/sync/", batch(a_whole_visit(facility)[-1]), format="json")
    # (the allegation alone: its visit reference is unknown in this batch)
    assert created.json()["results"][0]["code"] == "unknown_reference"
    operation = a_whole_visit(facility)[-1]
    operation["data"].pop("visit")
    [made] = client.post("/api/v1/sync/", batch(operation), format="json").json()["results"]
    assert made["status"] == 201
    update = op(
        "allegation.update",
        {"summary": "Beaten on arrest and in the car."},
        target=made["id"],
        base_etag=made["etag"],
    )
    [updated] = client.post("/api/v1/sync/", batch(update), format="json").json()["results"]
    assert updated["status"] == 200, updated
    assert Allegation.objects.get().summary == "Beaten on arrest and in the car."


def test_a_refused_operation_leaves_nothing_and_the_next_ones_run(reference):
    client = api_as("KZ", SCOPES)
    facility = make_facility()
    bad = op("visit.create", {"facility": str(facility.pk), "visit_type": "nope"})
    good = a_whole_visit(facility)[0]
    dangling = op(
        "finding.create", {"visit": f"op:{bad['op_id']}", "area": "treatment", "text": "x"}
    )
    results = client.post("/api/v1/sync/", batch(bad, good, dangling), format="json").json()[
        "results"
    ]
    assert [r["status"] for r in results] == [400, 201, 400]
    assert results[0]["errors"] and results[2]["code"] == "unknown_reference"
    assert Visit.objects.count() == 1 and VisitFinding.objects.count() == 0


def test_an_operation_outside_the_callers_scope_answers_404_in_its_result(reference):
    client = api_as("KZ", SCOPES)
    other = make_visit(make_facility("KG", name="ИВС Бишкек"))
    results = client.post(
        "/api/v1/sync/",
        batch(
            op("visit.update", {"persons_held": 1}, target=str(other.pk)),
            op("finding.create", {"visit": str(other.pk), "area": "treatment", "text": "x"}),
        ),
        format="json",
    ).json()["results"]
    assert [r["status"] for r in results] == [404, 404]
    other.refresh_from_db()
    assert other.persons_held != 1 and not VisitFinding.objects.exists()


def test_a_revoked_device_is_refused_and_another_callers_device_too(reference):
    client = api_as("KZ", SCOPES)
    device = str(uuid.uuid4())
    facility = make_facility()
    assert client.post("/api/v1/sync/", batch(device=device), format="json").status_code == 400
    first = client.post(
        "/api/v1/sync/", batch(a_whole_visit(facility)[0], device=device), format="json"
    )
    assert first.status_code == 200
    services.device_revoke(device=Device.objects.get(pk=device))
    refused = client.post(
        "/api/v1/sync/", batch(a_whole_visit(facility)[0], device=device), format="json"
    )
    assert_problem(refused, 403, "device_revoked")
    stranger = api_as("KZ", SCOPES).post(
        "/api/v1/sync/", batch(a_whole_visit(facility)[0], device=device), format="json"
    )
    assert_problem(stranger, 403, "permission_denied")
    assert Visit.objects.count() == 1


def test_malformed_batches_are_refused_whole(reference):
    client = api_as("KZ", SCOPES)
    facility = make_facility()
    visit = a_whole_visit(facility)[0]
    for body in (
        {"device": str(uuid.uuid4()), "batch_id": str(uuid.uuid4()), "operations": []},
        batch(visit, {**a_whole_visit(facility)[0], "op_id": visit["op_id"]}),
        batch(op("visit.destroy")),
        batch(op("visit.update", {"persons_held": 1})),  # an update without its target
        batch(*[a_whole_visit(facility)[0] for _ in range(201)]),
        {"device": "not-a-uuid", "batch_id": str(uuid.uuid4()), "operations": [visit]},
    ):
        assert_problem(client.post("/api/v1/sync/", body, format="json"), 400)
    assert not Visit.objects.exists() and not Device.objects.exists()
    assert_problem(api_as("KZ", "read").post("/api/v1/sync/", batch(visit), format="json"), 403)


def test_the_same_batch_id_with_other_operations_is_a_conflict(reference):
    client = api_as("KZ", SCOPES)
    facility = make_facility()
    device, batch_id = str(uuid.uuid4()), str(uuid.uuid4())
    first = batch(a_whole_visit(facility)[0], device=device, batch_id=batch_id)
    assert client.post("/api/v1/sync/", first, format="json").status_code == 200
    other = batch(a_whole_visit(facility)[0], device=device, batch_id=batch_id)
    assert_problem(client.post("/api/v1/sync/", other, format="json"), 409, "idempotency_conflict")
    assert Visit.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_batch_sent_twice_at_once_is_applied_once(reference):
    facility = make_facility()
    body = batch(*a_whole_visit(facility))
    # Two connections of the one partner client that owns the device.
    token = token_for(new_client("KZ", SCOPES)).json()["access_token"]
    clients = [APIClient() for _ in range(2)]
    for client in clients:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    answers: list = []

    def send(client):
        try:
            answers.append(client.post("/api/v1/sync/", body, format="json"))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json() == answers[1].json()
    assert Visit.objects.count() == 1 and Allegation.objects.count() == 1


def test_a_monitor_syncs_with_the_admin_session_under_its_csrf_rule(reference):
    from conftest import make_staff

    monitor = make_staff("monitor", "KZ", roles=("monitor",), direct_permissions=False)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(monitor)
    facility = make_facility()
    body = batch(*a_whole_visit(facility)[:2])
    assert_problem(client.post("/api/v1/sync/", body, format="json"), 403)
    secret = "f" * 32
    client.cookies["csrftoken"] = secret
    answer = client.post("/api/v1/sync/", body, format="json", HTTP_X_CSRFTOKEN=secret)
    assert answer.status_code == 200, answer.content
    assert [r["status"] for r in answer.json()["results"]] == [201, 201]
    assert Visit.objects.get().created_by == monitor
    assert Device.objects.get().user == monitor


def test_the_team_goes_with_a_new_visit_and_is_refused_on_an_update(reference):
    client = api_as("KZ", SCOPES)
    facility = make_facility()
    visit = a_whole_visit(facility)[0]
    visit["data"]["team"] = [
        {"full_name": "Гульнара Бекова", "role": "doctor"},
        {"full_name": "Erlan Sadykov", "organisation": "Bar association", "role": "lawyer"},
    ]
    [made] = client.post("/api/v1/sync/", batch(visit), format="json").json()["results"]
    assert made["status"] == 201, made
    stored = Visit.objects.get()
    assert sorted((m.full_name, m.organisation, m.role) for m in stored.team.all()) == [
        ("Erlan Sadykov", "Bar association", "lawyer"),
        ("Гульнара Бекова", "", "doctor"),
    ]
    # Never answered back: the names of a visiting group stay with the NPM.
    assert "team" not in client.get(f"/api/v1/visits/{stored.pk}/").json()
    update = op("visit.update", {"team": []}, target=made["id"], base_etag=made["etag"])
    [refused] = client.post("/api/v1/sync/", batch(update), format="json").json()["results"]
    assert refused["status"] == 400 and "team" in refused["errors"], refused
    assert stored.team.count() == 2
    bad = a_whole_visit(facility)[0]
    bad["data"]["team"] = [{"full_name": "", "role": "chief"}]
    [invalid] = client.post("/api/v1/sync/", batch(bad), format="json").json()["results"]
    assert invalid["status"] == 400 and Visit.objects.count() == 1
