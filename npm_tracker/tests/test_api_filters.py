"""List filters refuse what they cannot read (400 naming the parameter) instead of ignoring it,
and every list accepts ``updated_since`` (CONTRACT.md, Conventions)."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from cases.models import Allegation
from cases.tests.factories import make_allegation
from cases.tests.test_api import allegation_body
from facilities.tests.factories import make_facility, make_visit
from npm_tracker.core.api.errors import problem_exception_handler
from npm_tracker.tests.api_helpers import api_as, assert_problem

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/api/v1/facilities/?updated_since=", "updated_since"),
        ("/api/v1/facilities/?updated_since=yesterday", "updated_since"),
        ("/api/v1/visits/?started_after=", "started_after"),
        ("/api/v1/visits/?facility=not-an-id", "facility"),
        ("/api/v1/visits/?limit=abc", "limit"),
        ("/api/v1/visits/?limit=0", "limit"),
        ("/api/v1/visits/?limit=", "limit"),
        ("/api/v1/referrals/?overdue=xyz", "overdue"),
        ("/api/v1/referrals/?overdue=", "overdue"),
        ("/api/v1/allegations/?urgent=maybe", "urgent"),
        ("/api/v1/allegations/?status=", "status"),
        ("/api/v1/vocabularies/methods/?on=", "on"),
        ("/api/v1/vocabularies/methods/?on=2026-13-01", "on"),
        ("/api/v1/vocabularies/methods/?updated_since=x", "updated_since"),
        ("/api/v1/reports/?updated_since=x", "updated_since"),
        ("/api/v1/webhooks/?updated_since=", "updated_since"),
    ],
)
def test_a_malformed_filter_value_answers_400_naming_the_parameter(reference, path, parameter):
    client = api_as(scopes="read write reports", language="ru")
    body = assert_problem(client.get(path), 400, "invalid_filter")
    assert list(body["errors"]) == [parameter], body
    assert body["detail"] == body["errors"][parameter][0]


def test_an_unknown_or_foreign_facility_filters_to_an_empty_list(reference):
    mine = make_facility()
    visit = make_visit(mine)
    foreign = make_visit(make_facility("KG", name="СИЗО-1"))
    client = api_as()
    for facility in (uuid.uuid4(), foreign.facility_id):
        response = client.get(f"/api/v1/visits/?facility={facility}")
        assert response.status_code == 200, response.content
        assert response.json()["results"] == []
    listed = client.get(f"/api/v1/visits/?facility={mine.pk}").json()["results"]
    assert [v["id"] for v in listed] == [str(visit.pk)]


def test_a_limit_above_the_maximum_is_capped_not_refused(reference):
    make_visit(make_facility())
    assert api_as().get("/api/v1/visits/?limit=5000").status_code == 200


def test_reports_webhooks_and_vocabularies_pull_changes_with_updated_since(reference):
    client = api_as(scopes="read write reports")
    hook = client.post(
        "/api/v1/webhooks/",
        {"url": "https://partner.example.org/hook", "events": ["allegation.created"]},
        format="json",
    )
    assert hook.status_code == 201, hook.content
    report = client.post(
        "/api/v1/reports/",
        {
            "kind": "periodic_statistics",
            "country": "KZ",
            "period_start": "2026-01-01",
            "period_end": "2026-03-31",
            "language": "ru",
            "version": "public",
        },
        format="json",
    )
    assert report.status_code in (200, 202), report.content
    earlier = (timezone.now() - timedelta(hours=1)).isoformat()
    later = (timezone.now() + timedelta(hours=1)).isoformat()
    for path in ("/api/v1/webhooks/", "/api/v1/reports/", "/api/v1/vocabularies/methods/"):
        everything = client.get(path, {"updated_since": earlier})
        assert everything.status_code == 200, everything.content
        rows = everything.json()["results"]
        assert rows and all("updated_at" in row for row in rows), (path, rows[:1])
        nothing = client.get(path, {"updated_since": later}).json()["results"]
        assert nothing == [], path


def test_a_validation_problem_takes_code_and_detail_from_the_same_field(reference):
    client = api_as()
    facility = make_facility()
    response = client.post(
        "/api/v1/visits/",
        {
            "facility": str(facility.pk),
            "visit_type": "kz_special",
            "started_on": "not a date",
            "persons_held": -1,
        },
        format="json",
    )
    body = assert_problem(response, 400, "min_value")
    assert body["detail"] == body["errors"]["persons_held"][0]


@pytest.mark.parametrize("kind", ["drf", "django"])
def test_the_error_handler_keeps_code_and_detail_together(kind):
    if kind == "drf":
        exc = ValidationError({"name": ["Bad name."], "note": ["Give a note."]}, code="invalid")
        exc.detail["note"][0].code = "note_required"
    else:
        exc = DjangoValidationError(
            {
                "name": [DjangoValidationError("Bad name.", code="invalid")],
                "note": [DjangoValidationError("Give a note.", code="note_required")],
            }
        )
    body = problem_exception_handler(exc, {}).data
    assert (body["code"], body["detail"]) == ("note_required", "Give a note.")


@pytest.mark.parametrize(
    "received_at",
    ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00+05:00", "1989-12-31T12:00:00+05:00"],
)
def test_an_allegation_received_before_1990_is_refused(reference, received_at):
    facility = make_facility()
    client = api_as()
    before = Allegation.objects.count()
    created = client.post(
        "/api/v1/allegations/",
        allegation_body(facility, received_at=received_at, incident_date=None),
        format="json",
    )
    body = assert_problem(created, 400)
    assert list(body["errors"]) == ["received_at"], body
    terminal = api_as(scopes="complaints")
    complaint = terminal.post(
        "/api/v1/complaints/",
        {"country": "KZ", "source": "complaint_terminal", "received_at": received_at, "text": "Ж"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=f"old-{received_at}",
    )
    assert "received_at" in assert_problem(complaint, 400)["errors"]
    allegation = make_allegation()
    patched = client.patch(
        f"/api/v1/allegations/{allegation.pk}/", {"received_at": received_at}, format="json"
    )
    assert "received_at" in assert_problem(patched, 400)["errors"]
    assert Allegation.objects.count() == before + 1
    assert Allegation.objects.get(pk=allegation.pk).received_at == allegation.received_at


def test_an_allegation_received_in_the_future_is_refused(reference):
    future = (timezone.now() + timedelta(hours=2)).isoformat()
    response = api_as().post(
        "/api/v1/allegations/", allegation_body(make_facility(), received_at=future), format="json"
    )
    assert "received_at" in assert_problem(response, 400)["errors"]
