"""Allegations, evidence, referrals and complaints over the API (CONTRACT.md)."""

import hashlib
import io
import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from PIL import Image

from cases.models import Allegation, Referral
from cases.tests.factories import make_allegation, make_referral
from cases.tests.files import photo
from facilities.tests.factories import make_facility
from npm_tracker.core.models import IdempotencyKey
from npm_tracker.tests.api_helpers import api_as, assert_problem

ALMATY = ZoneInfo("Asia/Almaty")


def allegation_body(facility, **overrides):
    body = {
        "country": "KZ",
        "source": "visit_interview",
        "received_at": "2026-03-02T11:00:00+05:00",
        "facility": str(facility.pk),
        "place_of_incident": "police_station",
        "incident_date": "2026-02-27",
        "methods": ["blunt_trauma", "threats"],
        "summary": "Beaten during questioning at the police station.",
        "reprisal_risk": "medium",
        "consent": {"prosecutor": True, "publication": False},
        "perpetrators": [{"agency": "kz_mvd", "unit": "УП", "rank": "капитан", "name": "Петров"}],
        "victim": {
            "full_name": "Ахметов Ерлан",
            "date_of_birth": "1990-05-01",
            "sex": "male",
            "is_minor": False,
            "citizenship": "KZ",
        },
    }
    body.update(overrides)
    return body


@pytest.mark.django_db
def test_victim_and_perpetrator_names_only_for_confidential_callers(reference):
    facility = make_facility()
    writer = api_as(scopes="read write")
    created = writer.post("/api/v1/allegations/", allegation_body(facility), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["reference"].startswith("KZ-2026-")
    assert "victim" not in body
    assert body["perpetrators"] == [{"agency": "kz_mvd", "unit": "УП", "rank": "капитан"}]
    assert body["consent"] == {
        "prosecutor": True,
        "publication": False,
        "spt": False,
        "medical_examination": False,
    }
    assert "Ахметов" not in created.content.decode()
    listed = writer.get("/api/v1/allegations/").content.decode()
    assert "Ахметов" not in listed and "Петров" not in listed
    insider = api_as(scopes="read confidential")
    seen = insider.get(f"/api/v1/allegations/{body['id']}/").json()
    assert seen["victim"]["full_name"] == "Ахметов Ерлан"
    assert seen["perpetrators"][0]["name"] == "Петров"
    # A validation error never echoes the victim either.
    bad = writer.post(
        "/api/v1/allegations/",
        allegation_body(facility, incident_date="2026-03-09"),
        format="json",
    )
    assert_problem(bad, 400)
    assert "Ахметов" not in bad.content.decode()


@pytest.mark.django_db
def test_consent_withdrawal_through_the_api_is_dated(reference):
    facility = make_facility()
    client = api_as(scopes="read write")
    created = client.post("/api/v1/allegations/", allegation_body(facility), format="json").json()
    changed = client.patch(
        f"/api/v1/allegations/{created['id']}/",
        {"consent": {"prosecutor": False}},
        format="json",
    ).json()
    assert changed["consent"]["prosecutor"] is False
    consent = Allegation.objects.get(pk=created["id"]).consents.get(destination="prosecutor")
    assert consent.withdrawn_on is not None


@pytest.mark.django_db
def test_allegation_transition_codes(reference):
    allegation = make_allegation()
    client = api_as()
    url = f"/api/v1/allegations/{allegation.pk}/transition/"
    assert_problem(client.post(url, {"to": "referred"}, format="json"), 409, "invalid_transition")
    assert_problem(client.post(url, {"to": "closed"}, format="json"), 400, "reason_required")
    moved = client.post(url, {"to": "closed", "reason": "duplicate"}, format="json")
    assert moved.status_code == 200 and moved.json()["status"] == "closed"


@pytest.mark.django_db
def test_evidence_upload_and_download_need_confidential(reference, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    allegation = make_allegation()
    content = photo("PNG")
    plain = api_as(scopes="read write")
    url = f"/api/v1/allegations/{allegation.pk}/evidence/"
    upload = {"kind": "photo", "file": SimpleUploadedFile("bruise.png", content)}
    assert_problem(plain.post(url, upload, format="multipart"), 403)
    insider = api_as(scopes="read write confidential")
    upload = {"kind": "photo", "file": SimpleUploadedFile("bruise.png", content)}
    created = insider.post(url, upload, format="multipart")
    assert created.status_code == 201, created.json()
    item = created.json()
    assert item["sha256"] == hashlib.sha256(content).hexdigest()
    assert item["size"] == len(content) and item["filename"] == "bruise.png"
    assert [e["id"] for e in insider.get(url).json()] == [item["id"]]
    download = insider.get(f"/api/v1/evidence/{item['id']}/file/")
    assert download.status_code == 200
    stored = b"".join(download.streaming_content)
    assert (
        Image.open(io.BytesIO(stored)).size == (32, 24)
        and not Image.open(io.BytesIO(stored)).getexif()
    )
    assert_problem(plain.get(f"/api/v1/evidence/{item['id']}/file/"), 403)


@pytest.mark.django_db
def test_a_complaint_is_taken_with_a_fixed_number_of_statements(reference):
    """Pinned: each statement is a round trip of every intake. The related records the request
    read are not looked up again to validate the new ones."""
    terminal = api_as(scopes="complaints")
    facility = make_facility()
    body = {
        "country": "KZ",
        "source": "complaint_terminal",
        "received_at": "2026-03-02T11:00:00+05:00",
        "facility": str(facility.pk),
        "text": "Жалоба с терминала.",
    }
    terminal.post("/api/v1/complaints/", body, format="json", HTTP_IDEMPOTENCY_KEY="warm")
    with CaptureQueriesContext(connection) as queries:
        response = terminal.post(
            "/api/v1/complaints/", body, format="json", HTTP_IDEMPOTENCY_KEY="pinned"
        )
    assert response.status_code == 201
    lookups = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('SELECT 1 AS "a"')]
    read_before = ('FROM "facilities_facility"', 'FROM "cases_allegation"')
    assert not [sql for sql in lookups if any(table in sql for table in read_before)]
    assert len(queries) <= 28, [q["sql"][:100] for q in queries.captured_queries]


@pytest.mark.django_db
def test_full_chain_complaint_to_prosecutor_registration(reference):
    terminal = api_as(scopes="complaints")
    facility = make_facility(name="Учреждение ЕЦ-166/1")
    complaint = {
        "country": "KZ",
        "source": "complaint_terminal",
        "received_at": "2026-03-02T11:00:00+05:00",
        "facility": None,
        "text": "Меня избили сотрудники при обыске.",
        "complainant": {"full_name": "Сапаров Азамат", "sex": "male"},
    }
    response = terminal.post(
        "/api/v1/complaints/", complaint, format="json", HTTP_IDEMPOTENCY_KEY="t-1"
    )
    assert response.status_code == 201, response.json()
    allegation_id = response.json()["allegation"]
    assert response.json()["reference"].startswith("KZ-2026-")
    assert_problem(terminal.get("/api/v1/allegations/"), 403)
    npm = api_as(scopes="read write")
    npm.patch(
        f"/api/v1/allegations/{allegation_id}/", {"facility": str(facility.pk)}, format="json"
    )
    referral = npm.post(
        "/api/v1/referrals/",
        {"allegation": allegation_id, "prosecutor_office": "kz_po_karaganda"},
        format="json",
    )
    assert referral.status_code == 201, referral.json()
    referral_id = referral.json()["id"]
    assert referral.json()["status"] == "draft"
    sent = npm.post(
        f"/api/v1/referrals/{referral_id}/events/",
        {"kind": "sent", "occurred_at": "2026-03-03T10:00:00+05:00"},
        format="json",
    )
    assert sent.status_code == 201 and sent.json()["due_at"]
    prosecutor = api_as(scopes="read", office="kz_po_karaganda")
    assert [r["id"] for r in prosecutor.get("/api/v1/referrals/").json()["results"]] == [
        referral_id
    ]
    assert_problem(prosecutor.get("/api/v1/allegations/"), 403)
    assert_problem(prosecutor.get("/api/v1/facilities/"), 403)
    missing_number = prosecutor.post(
        f"/api/v1/referrals/{referral_id}/events/", {"kind": "registered"}, format="json"
    )
    assert_problem(missing_number, 400, "external_number_required")
    registered = prosecutor.post(
        f"/api/v1/referrals/{referral_id}/events/",
        {
            "kind": "registered",
            "occurred_at": "2026-03-04T09:00:00+05:00",
            "external_number": "261500031000123",
        },
        format="json",
    )
    assert registered.status_code == 201, registered.json()
    seen = npm.get(f"/api/v1/referrals/{referral_id}/").json()
    assert seen["status"] == "registered" and seen["external_number"] == "261500031000123"
    assert [e["kind"] for e in seen["events"]] == ["sent", "registered"]
    assert npm.get(f"/api/v1/allegations/{allegation_id}/").json()["status"] == "referred"
    other_office = api_as(scopes="read", office="kz_po_city_astana")
    assert other_office.get("/api/v1/referrals/").json()["results"] == []
    assert_problem(other_office.get(f"/api/v1/referrals/{referral_id}/"), 404)
    wrong_step = npm.post(
        f"/api/v1/referrals/{referral_id}/events/", {"kind": "sent"}, format="json"
    )
    assert_problem(wrong_step, 409, "invalid_transition")


@pytest.mark.django_db
def test_idempotency_key_semantics(reference):
    terminal = api_as(scopes="complaints")
    body = {
        "country": "KZ",
        "source": "hotline",
        "received_at": "2026-03-02T11:00:00+05:00",
        "text": "Угрожали расправой.",
    }
    first = terminal.post("/api/v1/complaints/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = terminal.post("/api/v1/complaints/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Allegation.objects.count() == 1
    other = terminal.post(
        "/api/v1/complaints/", {**body, "text": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert_problem(other, 409, "idempotency_conflict")
    assert_problem(
        terminal.post("/api/v1/complaints/", body, format="json"), 400, "idempotency_key_required"
    )
    too_long = terminal.post(
        "/api/v1/complaints/", body, format="json", HTTP_IDEMPOTENCY_KEY="k" * 201
    )
    assert too_long.status_code == 400 and "Idempotency-Key" in too_long.json()["errors"]
    assert Allegation.objects.count() == 1


@pytest.mark.django_db
def test_a_refused_complaint_leaves_its_key_free_for_the_corrected_one(reference):
    terminal = api_as(scopes="complaints")
    body = {"country": "KZ", "source": "hotline", "received_at": "2026-03-02T11:00:00+05:00"}
    refused = terminal.post("/api/v1/complaints/", body, format="json", HTTP_IDEMPOTENCY_KEY="r1")
    assert refused.status_code == 400 and "text" in refused.json()["errors"]
    assert not IdempotencyKey.objects.filter(key="r1").exists()
    corrected = terminal.post(
        "/api/v1/complaints/", {**body, "text": "Избили."}, format="json", HTTP_IDEMPOTENCY_KEY="r1"
    )
    assert corrected.status_code == 201
    assert Allegation.objects.get().summary == "Избили."


@pytest.mark.django_db(transaction=True)
def test_two_identical_complaints_at_once_create_one_allegation(reference):
    terminal = api_as(scopes="complaints")
    token = terminal._credentials["HTTP_AUTHORIZATION"]
    body = {
        "country": "KZ",
        "source": "hotline",
        "received_at": "2026-03-02T11:00:00+05:00",
        "text": "Избиение в ИВС.",
    }
    barrier = threading.Barrier(2)
    results = []

    def send():
        from rest_framework.test import APIClient

        client = APIClient(HTTP_AUTHORIZATION=token)
        barrier.wait()
        try:
            response = client.post(
                "/api/v1/complaints/", body, format="json", HTTP_IDEMPOTENCY_KEY="same"
            )
            results.append((response.status_code, response.json()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _ in results] == [201, 201]
    assert results[0][1] == results[1][1]
    assert Allegation.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/allegations/", "/api/v1/referrals/"])
def test_list_query_count_does_not_grow_with_rows(reference, path):
    client = api_as(scopes="read confidential")
    make_referral(make_allegation())
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(path + "?limit=500").json()["results"]) == 1
    for _ in range(25):
        referral = make_referral(make_allegation(perpetrators=[]))
        from cases import services

        services.referral_transition(
            actor=None,
            referral=referral,
            kind="sent",
            occurred_at=datetime(2026, 3, 3, 9, tzinfo=ALMATY),
        )
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(path + "?limit=500").json()["results"]) == 26
    assert len(many) == len(one)
    assert Referral.objects.count() == 26


@pytest.mark.django_db
def test_a_referral_event_reads_its_referral_once_locked_and_once_for_the_answer(reference):
    client = api_as(scopes="read write")
    referral = make_referral(make_allegation())
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            f"/api/v1/referrals/{referral.pk}/events/", {"kind": "sent"}, format="json"
        )
    assert response.status_code == 201, response.content
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "cases_referral"."id"')
    ]
    assert len(reads) == 2, reads
    assert reads[0].endswith('FOR UPDATE OF "cases_referral"')
    assert "FOR UPDATE" not in reads[1]
