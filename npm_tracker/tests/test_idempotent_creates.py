"""Every POST that creates something takes an optional ``Idempotency-Key`` (CONTRACT.md): the
same key and body answer the first result again (``Idempotent-Replayed: true``) and create
nothing; another body under the same key is refused (409); two at once create one."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from rest_framework.test import APIClient

from cases import services as case_services
from cases.models import Allegation, Evidence, Referral, ReferralEvent
from cases.tests.factories import make_allegation, make_referral
from cases.tests.files import pdf, photo
from facilities.models import Recommendation, Visit, VisitEvent
from facilities.tests.factories import make_facility, make_visit
from npm_tracker.core.models import Webhook
from npm_tracker.tests.api_helpers import api_as, assert_problem
from reports.models import ReportRun

ALMATY = ZoneInfo("Asia/Almaty")
pytestmark = pytest.mark.django_db


@pytest.fixture
def world(reference, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    facility = make_facility(name="ИВС idem")
    visit = make_visit(facility, started_on=datetime(2026, 3, 2).date())
    allegation = make_allegation(facility=facility)
    referral = make_referral(allegation)
    sent = datetime(2026, 3, 2, 12, tzinfo=ALMATY)
    case_services.referral_transition(actor=None, referral=referral, kind="sent", occurred_at=sent)
    case_services.referral_transition(
        actor=None,
        referral=referral,
        kind="registered",
        occurred_at=sent + timedelta(hours=1),
        external_number="ERDR-1",
    )
    return {"facility": facility, "visit": visit, "allegation": allegation, "referral": referral}


def creations(world):
    """(path, body, how many rows of what it creates, format)"""
    facility, visit = world["facility"], world["visit"]
    allegation, referral = world["allegation"], world["referral"]
    return {
        "visit": (
            "/api/v1/visits/",
            {
                "facility": str(facility.pk),
                "visit_type": "kz_special",
                "started_on": "2026-03-04",
                "ended_on": "2026-03-04",
            },
            Visit.objects.count,
        ),
        "recommendation": (
            "/api/v1/recommendations/",
            {
                "visit": str(visit.pk),
                "source": "visit_report",
                "addressee_level": "facility",
                "addressee_agency": "kz_mvd",
                "area": "treatment",
                "text": "Do better.",
            },
            Recommendation.objects.count,
        ),
        "allegation": (
            "/api/v1/allegations/",
            {
                "country": "KZ",
                "source": "hotline",
                "received_at": "2026-03-02T11:00:00+05:00",
                "facility": str(facility.pk),
                "place_of_incident": "arrest",
                "summary": "x",
                "victim": {"full_name": "Повторов Повтор"},
            },
            Allegation.objects.count,
        ),
        "referral": (
            "/api/v1/referrals/",
            {"allegation": str(allegation.pk), "prosecutor_office": "kz_po_karaganda"},
            Referral.objects.count,
        ),
        "referral event": (
            f"/api/v1/referrals/{referral.pk}/events/",
            {"kind": "investigation_extended", "new_term": "2027-06-01"},
            ReferralEvent.objects.count,
        ),
        "visit transition": (
            f"/api/v1/visits/{visit.pk}/transition/",
            {"to": "in_progress"},
            VisitEvent.objects.count,
        ),
        "webhook": (
            "/api/v1/webhooks/",
            {"url": "https://partner.example/hook", "events": ["allegation.created"]},
            Webhook.objects.count,
        ),
        "report": (
            "/api/v1/reports/",
            {
                "kind": "periodic_statistics",
                "country": "KZ",
                "period_start": "2026-01-01",
                "period_end": "2026-03-31",
                "language": "en",
                "version": "public",
                "refresh": True,  # without the key, each asks for a new run
            },
            ReportRun.objects.count,
        ),
    }


@pytest.mark.parametrize(
    "what",
    [
        "visit",
        "recommendation",
        "allegation",
        "referral",
        "referral event",
        "visit transition",
        "webhook",
        "report",
    ],
)
def test_the_same_key_and_body_answer_the_first_result_and_create_nothing(world, what):
    client = api_as(scopes="read write confidential reports")
    path, body, count = creations(world)[what]
    before = count()
    first = client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=f"{what}-1")
    assert first.status_code in (200, 201, 202), first.content
    assert "Idempotent-Replayed" not in first
    created = count()
    assert created == before + 1

    again = client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=f"{what}-1")
    assert again.status_code == first.status_code, again.content
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert count() == created

    other = client.post(
        path, {**body, "note": "другое"}, format="json", HTTP_IDEMPOTENCY_KEY=f"{what}-1"
    )
    assert_problem(other, 409, "idempotency_conflict")
    assert count() == created


def test_a_key_names_one_request_even_on_another_route(world):
    client = api_as(scopes="read write")
    path, body, _count = creations(world)["referral"]
    assert client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY="once").status_code == 201
    visit_path, visit_body, _count = creations(world)["visit"]
    elsewhere = client.post(visit_path, visit_body, format="json", HTTP_IDEMPOTENCY_KEY="once")
    assert_problem(elsewhere, 409, "idempotency_conflict")


def test_a_retried_referral_event_is_recorded_once(world):
    """The defect: a prosecutor's system that retried a timed-out POST recorded the event twice."""
    referral = world["referral"]
    office = referral.prosecutor_office.code
    prosecutor = api_as(scopes="prosecutor", office=office)
    body = {"kind": "investigation_extended", "new_term": "2027-06-01", "note": "продлено"}
    url = f"/api/v1/referrals/{referral.pk}/events/"
    first = prosecutor.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="erdr-77")
    again = prosecutor.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="erdr-77")
    assert first.status_code == again.status_code == 201, again.content
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert referral.events.filter(kind="investigation_extended").count() == 1


def test_without_a_key_a_create_behaves_as_before(world):
    client = api_as(scopes="read write")
    path, body, count = creations(world)["visit"]
    before = count()
    assert client.post(path, body, format="json").status_code == 201
    assert client.post(path, body, format="json").status_code == 201
    assert count() == before + 2


def test_a_refused_create_leaves_its_key_free(world):
    client = api_as(scopes="read write")
    path, body, _count = creations(world)["visit"]
    refused = client.post(path, {**body, "facility": None}, format="json", HTTP_IDEMPOTENCY_KEY="v")
    assert refused.status_code == 400
    assert client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY="v").status_code == 201


def test_an_evidence_upload_is_replayed_and_another_file_is_refused(world):
    client = api_as(scopes="read write confidential")
    url = f"/api/v1/allegations/{world['allegation'].pk}/evidence/"

    def upload(content, name="p.pdf"):
        return client.post(
            url,
            {"kind": "document", "file": SimpleUploadedFile(name, content)},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="file-1",
        )

    first = upload(pdf("один"))
    again = upload(pdf("один"))
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Evidence.objects.count() == 1
    assert_problem(upload(pdf("другой")), 409, "idempotency_conflict")  # same name, other file
    assert_problem(upload(photo("PNG"), "p.png"), 409, "idempotency_conflict")
    assert Evidence.objects.count() == 1


def test_a_replayed_complaint_says_so(reference):
    terminal = api_as(scopes="complaints")
    body = {"country": "KZ", "source": "hotline", "received_at": "2026-03-02T11:00:00+05:00"}
    body["text"] = "Угрожали."
    first = terminal.post("/api/v1/complaints/", body, format="json", HTTP_IDEMPOTENCY_KEY="c")
    again = terminal.post("/api/v1/complaints/", body, format="json", HTTP_IDEMPOTENCY_KEY="c")
    assert "Idempotent-Replayed" not in first and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()


def test_a_pending_report_asked_again_answers_200_with_the_same_run(reference):
    client = api_as(scopes="reports")
    request = {
        "kind": "periodic_statistics",
        "country": "KZ",
        "period_start": "2026-01-01",
        "period_end": "2026-03-31",
        "language": "en",
        "version": "public",
    }
    first = client.post("/api/v1/reports/", request, format="json")
    again = client.post("/api/v1/reports/", request, format="json")
    assert first.status_code == 202 and first.json()["status"] == "pending"
    assert again.status_code == 200, again.content
    assert again.json()["id"] == first.json()["id"] and again.json()["status"] == "pending"


def test_create_operations_declare_the_key_and_the_replay_header():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    creating = [
        "/api/v1/visits/",
        "/api/v1/visits/{id}/transition/",
        "/api/v1/recommendations/",
        "/api/v1/recommendations/{id}/transition/",
        "/api/v1/allegations/",
        "/api/v1/allegations/{id}/transition/",
        "/api/v1/allegations/{id}/evidence/",
        "/api/v1/referrals/",
        "/api/v1/referrals/{id}/events/",
        "/api/v1/facilities/",
        "/api/v1/webhooks/",
        "/api/v1/reports/",
        "/api/v1/complaints/",
    ]
    for path in creating:
        operation = schema["paths"][path]["post"]
        keys = [p for p in operation.get("parameters", []) if p["name"] == "Idempotency-Key"]
        assert len(keys) == 1 and keys[0]["in"] == "header", path
        assert keys[0].get("required", False) is (path == "/api/v1/complaints/"), path
        replayed = [
            code
            for code, response in operation["responses"].items()
            if "Idempotent-Replayed" in response.get("headers", {})
        ]
        assert replayed and all(code.startswith("2") for code in replayed), path


@pytest.mark.django_db(transaction=True)
def test_two_identical_referral_events_at_once_are_recorded_once(world):
    referral = world["referral"]
    prosecutor = api_as(scopes="prosecutor", office=referral.prosecutor_office.code)
    token = prosecutor._credentials["HTTP_AUTHORIZATION"]
    body = {"kind": "investigation_extended", "new_term": "2027-06-01"}
    barrier = threading.Barrier(2)
    results = []

    def send():
        client = APIClient(HTTP_AUTHORIZATION=token)
        barrier.wait()
        try:
            response = client.post(
                f"/api/v1/referrals/{referral.pk}/events/",
                body,
                format="json",
                HTTP_IDEMPOTENCY_KEY="twice",
            )
            results.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [201, 201]
    assert referral.events.filter(kind="investigation_extended").count() == 1
