"""What a prosecutor's office client gets (CONTRACT.md): the referrals addressed to its office
with the allegation facts they disclose (enough to register the case in ERDR), the person's
identity only under their consent, the vocabularies, and webhooks for its own referrals."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from cases import services
from cases.models import ConsistencyLevel, Method, ProsecutorOffice
from cases.tests.factories import grant_prosecutor_consent, make_allegation, make_referral
from facilities.models import Agency
from facilities.tests.factories import make_facility
from npm_tracker.core.models import AccessLog, Webhook
from npm_tracker.tests.api_helpers import api_as, assert_problem

ALMATY = ZoneInfo("Asia/Almaty")
OFFICE = "kz_po_karaganda"
pytestmark = pytest.mark.django_db


@pytest.fixture
def referral(reference):
    facility = make_facility(name="ИВС Караганда")
    allegation = make_allegation(
        facility=facility,
        incident_date=date(2026, 2, 27),
        serious_injury=True,
        injuries="Перелом ребра",
        victim={"full_name": "Ахметов Ерлан", "date_of_birth": date(1990, 5, 1)},
        perpetrators=[
            {
                "agency": Agency.objects.get(code="kz_mvd"),
                "unit": "УП",
                "rank": "капитан",
                "name": "Петров",
            }
        ],
    )
    allegation.methods.set(Method.objects.filter(code__in=["blunt_trauma", "threats"]))
    services.medical_examination_add(
        actor=None,
        allegation=allegation,
        examined_on=date(2026, 3, 3),
        examiner="Доктор Осмотрова",
        institution="Городская больница",
        istanbul_protocol=True,
        findings="Гематомы на спине",
        consistency=ConsistencyLevel.objects.order_by("rank").last(),
    )
    return make_referral(allegation, office_code=OFFICE)


def test_the_prosecutor_gets_the_facts_the_referral_discloses(referral):
    prosecutor = api_as(scopes="prosecutor", office=OFFICE)
    body = prosecutor.get(f"/api/v1/referrals/{referral.pk}/").json()
    facts = body["allegation_facts"]
    allegation = referral.allegation
    assert facts["reference"] == allegation.reference
    assert datetime.fromisoformat(facts["received_at"]) == allegation.received_at
    assert facts["facility"] == {"id": str(allegation.facility_id), "name": "ИВС Караганда"}
    assert facts["region"] == allegation.facility.region.code
    assert facts["place_of_incident"] == "police_station"
    assert facts["incident_date"] == "2026-02-27"
    assert sorted(facts["methods"]) == ["blunt_trauma", "threats"]
    assert facts["summary"] == allegation.summary
    assert facts["urgent"] is True and facts["serious_injury"] is True
    assert facts["death_in_custody"] is False
    assert facts["injuries"] == "Перелом ребра"  # as in the referral letter
    assert facts["perpetrators"] == [{"agency": "kz_mvd", "unit": "УП", "rank": "капитан"}]
    [exam] = facts["medical_examinations"]
    assert exam["examined_on"] == "2026-03-03" and exam["istanbul_protocol"] is True
    assert exam["consistency"] and "findings" not in exam  # findings under consent only
    assert "victim" not in body and body["identity_disclosed"] is False
    assert AccessLog.objects.filter(allegation_id=allegation.pk).exists()  # injuries were read
    listed = prosecutor.get("/api/v1/referrals/").json()["results"]
    assert listed[0]["allegation_facts"] == facts


def test_under_consent_the_prosecutor_also_gets_the_person_and_the_findings(referral):
    grant_prosecutor_consent(referral)
    prosecutor = api_as(scopes="prosecutor", office=OFFICE)
    body = prosecutor.get(f"/api/v1/referrals/{referral.pk}/").json()
    assert body["identity_disclosed"] is True
    assert body["victim"] == {"full_name": "Ахметов Ерлан", "date_of_birth": "1990-05-01"}
    assert body["allegation_facts"]["medical_examinations"][0]["findings"] == "Гематомы на спине"
    assert "name" not in body["allegation_facts"]["perpetrators"][0]  # names need confidential


def test_other_callers_get_the_facts_their_scopes_allow(referral):
    grant_prosecutor_consent(referral)
    plain = api_as(scopes="read").get(f"/api/v1/referrals/{referral.pk}/").json()
    facts = plain["allegation_facts"]
    assert facts["summary"] and facts["methods"] and "victim" not in plain
    assert "injuries" not in facts and "name" not in facts["perpetrators"][0]
    assert "findings" not in facts["medical_examinations"][0]
    confidential = api_as(scopes="read confidential").get(f"/api/v1/referrals/{referral.pk}/")
    facts = confidential.json()["allegation_facts"]
    assert facts["injuries"] == "Перелом ребра" and facts["perpetrators"][0]["name"] == "Петров"
    assert facts["medical_examinations"][0]["findings"] == "Гематомы на спине"


def test_the_prosecutor_reads_the_vocabularies(referral):
    prosecutor = api_as(scopes="prosecutor", office=OFFICE)
    response = prosecutor.get("/api/v1/vocabularies/methods/")
    assert response.status_code == 200, response.content
    assert "blunt_trauma" in {item["code"] for item in response.json()["results"]}
    assert prosecutor.get("/api/v1/vocabularies/referral-events/").status_code == 200
    assert_problem(prosecutor.get("/api/v1/facilities/"), 403)


def test_the_prosecutor_registers_a_webhook_for_its_referrals(referral):
    prosecutor = api_as(scopes="prosecutor", office=OFFICE)
    refused = prosecutor.post(
        "/api/v1/webhooks/",
        {"url": "https://erdr.example/hook", "events": ["allegation.created"]},
        format="json",
    )
    body = assert_problem(refused, 400)
    assert "events" in body["errors"] and Webhook.objects.count() == 0
    created = prosecutor.post(
        "/api/v1/webhooks/",
        {"url": "https://erdr.example/hook", "events": ["referral.status_changed"]},
        format="json",
    )
    assert created.status_code == 201, created.content
    hook = Webhook.objects.get()
    assert hook.prosecutor_office == ProsecutorOffice.objects.get(code=OFFICE)
    assert created.json()["secret"] and created.json()["prosecutor_office"] == OFFICE
    assert [h["id"] for h in prosecutor.get("/api/v1/webhooks/").json()["results"]] == [
        str(hook.pk)
    ]
    deliveries = prosecutor.get(f"/api/v1/webhooks/{hook.pk}/deliveries/")
    assert deliveries.status_code == 200
    other = api_as(scopes="read write").post(
        "/api/v1/webhooks/",
        {"url": "https://dms.example/hook", "events": ["allegation.created"]},
        format="json",
    )
    assert other.status_code == 201 and other.json()["prosecutor_office"] is None


def test_a_prosecutors_webhook_hears_only_of_its_own_referrals(
    referral, django_capture_on_commit_callbacks
):
    from npm_tracker.core import webhooks

    prosecutor = api_as(scopes="prosecutor", office=OFFICE)
    prosecutor.post(
        "/api/v1/webhooks/",
        {"url": "https://erdr.example/hook", "events": ["referral.status_changed"]},
        format="json",
    )
    elsewhere = make_referral(make_allegation(), office_code="kz_po_city_astana")
    queued = webhooks.emit(
        "referral.status_changed",
        country_id=elsewhere.allegation.country_id,
        object_type="referral",
        object_id=elsewhere.pk,
        prosecutor_office_id=elsewhere.prosecutor_office_id,
    )
    assert queued == 0
    own = webhooks.emit(
        "referral.status_changed",
        country_id=referral.allegation.country_id,
        object_type="referral",
        object_id=referral.pk,
        prosecutor_office_id=referral.prosecutor_office_id,
    )
    assert own == 1


def test_the_schema_declares_the_facts_and_the_victim():
    from drf_spectacular.generators import SchemaGenerator

    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    referral = components["Referral"]
    assert {"allegation_facts", "victim"} <= set(referral["properties"])
    assert "allegation_facts" in referral["required"] and "victim" not in referral["required"]
    facts = components["AllegationFacts"]
    assert "injuries" in facts["properties"] and "injuries" not in facts["required"]
    perpetrator = components["PerpetratorFacts"]
    assert "name" in perpetrator["properties"] and "name" not in perpetrator["required"]
