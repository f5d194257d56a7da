"""``/api/v1/reports/`` and ``/api/v1/statistics/`` as the contract says."""

import hashlib

import pytest

from facilities.tests.factories import make_facility, make_visit
from npm_tracker.tests.api_helpers import api_as, assert_problem
from reports import services
from reports.models import ReportRun
from reports.tests.factories import Q1, VICTIM_NAME, known_quarter

PERIODIC = {
    "kind": "periodic_statistics",
    "country": "KZ",
    "region": None,
    "period_start": "2026-01-01",
    "period_end": "2026-03-31",
    "language": "ru",
    "version": "public",
    "object": None,
    "refresh": False,
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.django_db
def test_request_follow_and_download_a_report(reference):
    known_quarter()
    client = api_as(scopes="reports")
    first = client.post("/api/v1/reports/", PERIODIC, format="json")
    assert first.status_code == 202, first.content
    body = first.json()
    assert body["status"] == "pending" and body["id"]
    # Asked again while pending: the same run.
    again = client.post("/api/v1/reports/", PERIODIC, format="json")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert_problem(client.get(f"/api/v1/reports/{body['id']}/file/"), 409, "report_not_ready")

    assert services.render(body["id"]) == "done"  # what the worker does
    detail = client.get(f"/api/v1/reports/{body['id']}/")
    assert detail.status_code == 200 and detail["ETag"]
    shown = detail.json()
    assert {"id", "kind", "status", "error", "created_at", "finished_at", "sha256"} <= set(shown)
    assert shown["status"] == "done" and shown["error"] == "" and shown["finished_at"]
    done_again = client.post("/api/v1/reports/", PERIODIC, format="json")
    assert done_again.status_code == 200 and done_again.json()["id"] == body["id"]

    download = client.get(f"/api/v1/reports/{body['id']}/file/", HTTP_ACCEPT="application/json")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    content = b"".join(download.streaming_content)
    assert content.startswith(b"%PDF") and hashlib.sha256(content).hexdigest() == shown["sha256"]

    refreshed = client.post("/api/v1/reports/", {**PERIODIC, "refresh": True}, format="json")
    assert refreshed.status_code == 202 and refreshed.json()["id"] != body["id"]
    listed = client.get("/api/v1/reports/").json()["results"]
    assert {r["id"] for r in listed} == {body["id"], refreshed.json()["id"]}


@pytest.mark.django_db
def test_a_failed_run_is_retried_under_the_same_id(reference, settings, tmp_path):
    client = api_as(scopes="reports")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    settings.MEDIA_ROOT = blocker
    run_id = client.post("/api/v1/reports/", PERIODIC, format="json").json()["id"]
    assert services.render(run_id) == "failed"
    failed = client.get(f"/api/v1/reports/{run_id}/").json()
    assert failed["status"] == "failed" and "NotADirectoryError" in failed["error"]
    retried = client.post("/api/v1/reports/", PERIODIC, format="json")
    assert retried.status_code == 202
    assert retried.json()["id"] == run_id and retried.json()["status"] == "pending"


@pytest.mark.django_db
def test_referral_letters_need_the_confidential_scope(reference):
    data = known_quarter()
    referral = data["referrals"][0]
    body = {
        **PERIODIC,
        "kind": "referral_letter",
        "object": str(referral.pk),
        "version": "internal",
    }
    assert_problem(api_as(scopes="reports").post("/api/v1/reports/", body, format="json"), 403)
    assert ReportRun.objects.count() == 0
    client = api_as(scopes="reports confidential")
    created = client.post("/api/v1/reports/", body, format="json")
    assert created.status_code == 202
    run_id = created.json()["id"]
    services.render(run_id)
    assert_problem(api_as(scopes="reports").get(f"/api/v1/reports/{run_id}/file/"), 403)
    assert client.get(f"/api/v1/reports/{run_id}/file/").status_code == 200


@pytest.mark.django_db
def test_bad_requests_write_nothing(reference):
    client = api_as(scopes="reports confidential")
    kg_visit = make_visit(make_facility("KG", name="ИВС Бишкек"))
    cases = [
        ({**PERIODIC, "kind": "nope"}, "kind"),
        ({**PERIODIC, "country": "XX"}, "country"),
        ({**PERIODIC, "period_start": None}, "period_start"),
        ({**PERIODIC, "period_end": "2025-01-01"}, "period_end"),
        ({**PERIODIC, "language": "fr"}, "language"),
        ({**PERIODIC, "region": "kg_chui"}, "region"),
        ({**PERIODIC, "kind": "visit", "object": None}, "object"),
        ({**PERIODIC, "kind": "visit", "object": str(kg_visit.pk)}, "object"),
        ({**PERIODIC, "kind": "visit", "object": "not-a-uuid"}, "object"),
    ]
    for body, field in cases:
        problem = assert_problem(client.post("/api/v1/reports/", body, format="json"), 400)
        assert field in problem["errors"], (body, problem)
    assert ReportRun.objects.count() == 0
    assert_problem(
        api_as(scopes="read write").post("/api/v1/reports/", PERIODIC, format="json"), 403
    )
    assert_problem(
        api_as("KG", scopes="reports").get("/api/v1/reports/00000000-0000-0000-0000-000000000000/"),
        404,
    )


@pytest.mark.django_db
def test_statistics_are_the_public_figures(reference):
    data = known_quarter()
    client = api_as(scopes="read", language="ru")
    response = client.get(
        "/api/v1/statistics/",
        {"country": "KZ", "period_start": Q1[0], "period_end": Q1[1]},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["country"] == "KZ" and body["visits"]["total"] == 6
    sources = {r["code"]: r for r in body["allegations"]["by_source"]}
    assert sources["written_complaint"]["count"] == 5
    assert sources["hotline"]["count"] == "<5"
    assert sources["hotline"]["name"] == data["hotline"].name_ru
    assert body["referrals"]["total"] == "<5" and body["referrals"]["on_time_share"] is None
    assert VICTIM_NAME not in response.content.decode()
    narrowed = client.get(
        "/api/v1/statistics/",
        {"country": "KZ", "period_start": Q1[0], "period_end": Q1[1], "region": "kz_abai"},
    )
    assert narrowed.json()["visits"]["total"] == 0
    assert (
        api_as(scopes="reports")
        .get("/api/v1/statistics/", {"country": "KZ", "period_start": Q1[0], "period_end": Q1[1]})
        .status_code
        == 200
    )
    assert_problem(api_as(scopes="complaints").get("/api/v1/statistics/"), 403)
    assert_problem(client.get("/api/v1/statistics/", {"country": "KZ"}), 400)
    assert_problem(
        api_as("KG", scopes="read").get(
            "/api/v1/statistics/", {"country": "KZ", "period_start": Q1[0], "period_end": Q1[1]}
        ),
        400,
    )
