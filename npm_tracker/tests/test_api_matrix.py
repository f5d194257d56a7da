"""The access matrix of the API: for every route of the schema and every kind of caller, the
exact status, and lists that hold only what the caller may see.

One declarative table below; a route of the schema missing from it fails the test.
"""

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from rest_framework.test import APIClient

from cases import services as case_services
from cases.models import ProsecutorOffice
from cases.tests.factories import make_allegation
from cases.tests.files import pdf, photo
from facilities.models import ExaminedArea
from facilities.services import recommendation_create
from facilities.tests.factories import make_facility, make_visit
from npm_tracker.core.api.oauth import BOUND_SCOPES, SCOPES
from npm_tracker.core.models import Webhook, WebhookDelivery
from npm_tracker.core.webhooks import new_secret
from npm_tracker.tests.api_helpers import new_client, token_for
from reports.models import ReportRun

ALMATY = ZoneInfo("Asia/Almaty")
ROLES = (
    "anonymous",
    "read",
    "write",
    "confidential",
    "complaints",
    "prosecutor",
    "prosecutor_other",
    "other_country",
)
CREDENTIALS = {
    "read": ("KZ", "read", None),
    "write": ("KZ", "read write reports", None),
    "confidential": ("KZ", "read write confidential reports", None),
    "complaints": ("KZ", "complaints", None),
    "prosecutor": ("KZ", "read", "kz_po_karaganda"),
    "prosecutor_other": ("KZ", "read", "kz_po_city_astana"),
    "other_country": ("KG", "read write confidential reports", None),
}

# Shorthands for a row: what each caller gets.
R_LIST = {
    "anonymous": 401,
    "read": 200,
    "write": 200,
    "confidential": 200,
    "complaints": 403,
    "prosecutor": 403,
    "prosecutor_other": 403,
    "other_country": 200,
}
R_DETAIL = {**R_LIST, "other_country": 404}
W_CREATE = {
    "anonymous": 401,
    "read": 403,
    "write": 201,
    "confidential": 201,
    "complaints": 403,
    "prosecutor": 403,
    "prosecutor_other": 403,
    "other_country": 400,
}
W_UPDATE = {
    "anonymous": 401,
    "read": 403,
    "write": 200,
    "confidential": 200,
    "complaints": 403,
    "prosecutor": 403,
    "prosecutor_other": 403,
    "other_country": 404,
}
CONFIDENTIAL_GET = {
    "anonymous": 401,
    "read": 403,
    "write": 403,
    "confidential": 200,
    "complaints": 403,
    "prosecutor": 403,
    "prosecutor_other": 403,
    "other_country": 404,
}
CONFIDENTIAL_POST = {**CONFIDENTIAL_GET, "confidential": 201}
OWN_WEBHOOK = {
    "anonymous": 401,
    "read": 404,
    "write": 200,
    "confidential": 404,
    "complaints": 403,
    "prosecutor": 404,
    "prosecutor_other": 404,
    "other_country": 404,
}
# What a prosecutor's office client may call besides its referrals: the vocabularies, and
# webhooks of its own (another caller's webhook does not exist for it).
PROSECUTOR_TOO = {"prosecutor": 200, "prosecutor_other": 200}
# Reports need the ``reports`` scope (held here by the write, confidential and KG callers).
REPORTS_READ = {**R_LIST, "read": 403}

MATRIX = {
    ("get", "/api/v1/vocabularies/{name}/"): {**R_LIST, **PROSECUTOR_TOO},
    ("get", "/api/v1/facilities/"): R_LIST,
    ("post", "/api/v1/facilities/"): W_CREATE,
    ("get", "/api/v1/facilities/{id}/"): R_DETAIL,
    ("put", "/api/v1/facilities/{id}/"): W_UPDATE,
    ("patch", "/api/v1/facilities/{id}/"): W_UPDATE,
    ("get", "/api/v1/visits/"): R_LIST,
    ("post", "/api/v1/visits/"): W_CREATE,
    ("get", "/api/v1/visits/{id}/"): R_DETAIL,
    ("put", "/api/v1/visits/{id}/"): W_UPDATE,
    ("patch", "/api/v1/visits/{id}/"): W_UPDATE,
    ("post", "/api/v1/visits/{id}/transition/"): W_UPDATE,
    ("get", "/api/v1/recommendations/"): R_LIST,
    ("post", "/api/v1/recommendations/"): W_CREATE,
    ("get", "/api/v1/recommendations/{id}/"): R_DETAIL,
    ("put", "/api/v1/recommendations/{id}/"): W_UPDATE,
    ("patch", "/api/v1/recommendations/{id}/"): W_UPDATE,
    ("post", "/api/v1/recommendations/{id}/transition/"): W_UPDATE,
    ("get", "/api/v1/allegations/"): R_LIST,
    ("post", "/api/v1/allegations/"): W_CREATE,
    ("get", "/api/v1/allegations/{id}/"): R_DETAIL,
    ("put", "/api/v1/allegations/{id}/"): W_UPDATE,
    ("patch", "/api/v1/allegations/{id}/"): W_UPDATE,
    ("post", "/api/v1/allegations/{id}/transition/"): W_UPDATE,
    ("get", "/api/v1/allegations/{id}/evidence/"): CONFIDENTIAL_GET,
    ("post", "/api/v1/allegations/{id}/evidence/"): CONFIDENTIAL_POST,
    ("get", "/api/v1/evidence/{id}/file/"): CONFIDENTIAL_GET,
    ("get", "/api/v1/referrals/"): {**R_LIST, "prosecutor": 200, "prosecutor_other": 200},
    ("post", "/api/v1/referrals/"): W_CREATE,
    ("get", "/api/v1/referrals/{id}/"): {**R_DETAIL, "prosecutor": 200, "prosecutor_other": 404},
    # The signed evidence bundle: identity roles, and the office the referral is addressed to.
    ("get", "/api/v1/referrals/{id}/bundle/"): {
        **CONFIDENTIAL_GET,
        "prosecutor": 200,
        "prosecutor_other": 404,
    },
    # The public keys of the bundles: any valid token.
    ("get", "/api/v1/signing-keys/"): {
        **dict.fromkeys(ROLES, 200),
        "anonymous": 401,
    },
    ("post", "/api/v1/referrals/{id}/events/"): {
        **W_UPDATE,
        "write": 201,
        "confidential": 201,
        "prosecutor": 201,
        "prosecutor_other": 404,
    },
    ("post", "/api/v1/complaints/"): {
        "anonymous": 401,
        "read": 403,
        "write": 403,
        "confidential": 403,
        "complaints": 201,
        "prosecutor": 403,
        "prosecutor_other": 403,
        "other_country": 403,
    },
    ("get", "/api/v1/webhooks/"): {**R_LIST, **PROSECUTOR_TOO},
    ("post", "/api/v1/webhooks/"): {
        **W_CREATE,
        "other_country": 201,
        "prosecutor": 201,
        "prosecutor_other": 201,
    },
    ("get", "/api/v1/webhooks/{id}/"): OWN_WEBHOOK,
    ("delete", "/api/v1/webhooks/{id}/"): {
        **OWN_WEBHOOK,
        "write": 204,
        "read": 403,
        "other_country": 404,
    },
    ("get", "/api/v1/webhooks/{id}/deliveries/"): OWN_WEBHOOK,
    ("post", "/api/v1/webhooks/{id}/ping/"): {**OWN_WEBHOOK, "write": 202, "read": 403},
    ("post", "/api/v1/webhooks/{id}/redeliver/"): {**OWN_WEBHOOK, "write": 202, "read": 403},
    ("post", "/api/v1/webhooks/{id}/rotate-secret/"): {**OWN_WEBHOOK, "read": 403},
    ("get", "/api/v1/reports/"): REPORTS_READ,
    ("post", "/api/v1/reports/"): {**W_CREATE, "write": 202, "confidential": 202},
    ("get", "/api/v1/reports/{id}/"): {**REPORTS_READ, "other_country": 404},
    ("get", "/api/v1/reports/{id}/file/"): {**REPORTS_READ, "other_country": 404},
    ("get", "/api/v1/statistics/"): {**R_LIST, "other_country": 400},
    # The root of the caller's own country's chain: hashes and a count.
    ("get", "/api/v1/integrity/roots/"): R_LIST,
    # A batch is answered 200 whatever its operations meet (each has its own status).
    ("post", "/api/v1/sync/"): {
        **W_CREATE,
        "write": 200,
        "confidential": 200,
        "other_country": 200,
    },
}


@pytest.fixture
def world(reference, settings, tmp_path):
    """KZ records of every kind, a referral addressed to the Karaganda office, callers."""
    settings.MEDIA_ROOT = tmp_path
    facility = make_facility(name="ИВС matrix")
    visit = make_visit(facility, started_on=date(2026, 3, 2), ended_on=date(2026, 3, 2))
    rec = recommendation_create(
        actor=None,
        visit=visit,
        source="visit_report",
        addressee_level="facility",
        addressee_agency=facility.agency,
        area=ExaminedArea.objects.get(code="treatment"),
        text="x",
    )
    received = datetime(2026, 3, 2, 10, tzinfo=ALMATY)
    allegation = make_allegation(received_at=received, facility=facility)
    referral = case_services.referral_create(
        actor=None,
        allegation=allegation,
        prosecutor_office=ProsecutorOffice.objects.get(code="kz_po_karaganda"),
    )
    case_services.referral_transition(
        actor=None, referral=referral, kind="sent", occurred_at=received + timedelta(hours=1)
    )
    evidence = case_services.evidence_add(
        actor=None, allegation=allegation, file=ContentFile(pdf(), name="a.pdf"), kind="document"
    )
    clients = {"anonymous": APIClient()}
    owners = {}
    for role, (country, scopes, office) in CREDENTIALS.items():
        credentials = new_client(country, scopes, office, name=role)
        token = token_for(credentials).json()["access_token"]
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        clients[role] = client
        owners[role] = f"api-client:{credentials['client_id']}"
    webhook = Webhook.objects.create(
        owner=owners["write"],
        country=facility.country,
        url="https://partner.example/hook",
        events=["allegation.created"],
        secret=new_secret(),
    )
    delivered = WebhookDelivery.objects.create(
        webhook=webhook,
        event_id=uuid.uuid4(),
        event="allegation.created",
        occurred_at=received,
        object_type="allegation",
        object_id=str(allegation.pk),
        attempt=1,
        response_status=200,
        succeeded=True,
    )
    fresh = make_allegation(received_at=received, facility=facility)
    report = ReportRun.objects.create(
        kind="periodic_statistics",
        country=facility.country,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 3, 31),
        language="en",
        status="done",
    )
    report.file.save("r.pdf", ContentFile(b"%PDF-1.4 matrix"), save=True)
    ids = {
        "fresh-allegation": fresh.pk,
        "facilities": facility.pk,
        "visits": visit.pk,
        "recommendations": rec.pk,
        "allegations": allegation.pk,
        "referrals": referral.pk,
        "evidence": evidence.pk,
        "webhooks": webhook.pk,
        "reports": report.pk,
    }
    return {
        "clients": clients,
        "ids": ids,
        "delivered_event": str(delivered.event_id),
        "facility": facility,
        "visit": visit,
        "allegation": allegation,
    }


def bodies(world):
    facility, visit, allegation = world["facility"], world["visit"], world["allegation"]
    facility_body = {
        "name": "ИВС new",
        "country": "KZ",
        "region": facility.region.code,
        "facility_type": "ivs",
        "agency": "kz_mvd",
        "capacity": 10,
    }
    visit_body = {
        "facility": str(facility.pk),
        "visit_type": "kz_special",
        "started_on": "2026-03-02",
        "ended_on": "2026-03-02",
    }
    rec_body = {
        "visit": str(visit.pk),
        "source": "visit_report",
        "addressee_level": "facility",
        "addressee_agency": "kz_mvd",
        "area": "treatment",
        "text": "Do better.",
    }
    allegation_body = {
        "country": "KZ",
        "source": "hotline",
        "received_at": "2026-03-02T11:00:00+05:00",
        "facility": str(facility.pk),
        "place_of_incident": "arrest",
        "summary": "x",
    }
    return {
        "/api/v1/facilities/": facility_body,
        "/api/v1/facilities/{id}/": facility_body,
        "/api/v1/visits/": visit_body,
        "/api/v1/visits/{id}/": visit_body,
        "/api/v1/visits/{id}/transition/": {"to": "in_progress"},
        "/api/v1/recommendations/": rec_body,
        "/api/v1/recommendations/{id}/": rec_body,
        "/api/v1/recommendations/{id}/transition/": {"to": "issued"},
        "/api/v1/allegations/": allegation_body,
        "/api/v1/allegations/{id}/": allegation_body,
        "/api/v1/allegations/{id}/transition/": {"to": "under_assessment"},
        "/api/v1/referrals/": {
            "allegation": str(allegation.pk),
            "prosecutor_office": "kz_po_karaganda",
        },
        "/api/v1/referrals/{id}/events/": {"kind": "acknowledged"},
        "/api/v1/complaints/": {
            "country": "KZ",
            "source": "hotline",
            "received_at": "2026-03-02T11:00:00+05:00",
            "text": "x",
        },
        # An event every caller may subscribe to (a prosecutor's office only to ``referral.*``).
        "/api/v1/webhooks/": {"url": "https://p.example/h", "events": ["referral.status_changed"]},
        "/api/v1/webhooks/{id}/redeliver/": {"event_id": world["delivered_event"]},
        "/api/v1/sync/": {
            "device": str(uuid.uuid4()),
            "batch_id": str(uuid.uuid4()),
            "operations": [
                {"op_id": str(uuid.uuid4()), "type": "visit.create", "data": visit_body}
            ],
        },
        "/api/v1/reports/": {
            "kind": "periodic_statistics",
            "country": "KZ",
            "period_start": "2026-01-01",
            "period_end": "2026-03-31",
            "language": "en",
            "version": "public",
        },
    }


def schema_operations() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (method, path): operation
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    }


def schema_routes():
    return set(schema_operations())


class Rollback(Exception):
    pass


def test_the_matrix_covers_every_route_of_the_schema():
    routes = schema_routes()
    assert routes - set(MATRIX) == set(), "routes missing from the matrix"
    assert set(MATRIX) - routes == set(), "the matrix names routes that do not exist"
    assert all(set(row) == set(ROLES) for row in MATRIX.values())


def call(world, payloads, method, template, client, key):
    """The request of the matrix for a route, by ``client``, on the records of ``world``."""
    resource = template.split("/")[3]
    if template == "/api/v1/allegations/{id}/transition/":
        resource = "fresh-allegation"  # the other one is already referred
    url = template.replace("{id}", str(world["ids"].get(resource, ""))).replace("{name}", "areas")
    if template == "/api/v1/statistics/":
        url += "?country=KZ&period_start=2026-01-01&period_end=2026-03-31"
    if template == "/api/v1/integrity/roots/":
        url += "?date=2026-03-02"
    kwargs = {"format": "json"}
    if method in ("post", "put", "patch"):
        kwargs["data"] = payloads.get(template, {})
        if template.endswith("/evidence/"):
            kwargs = {
                "format": "multipart",
                "data": {"kind": "photo", "file": ContentFile(photo("PNG"), name="p.png")},
            }
    return getattr(client, method)(url, HTTP_IDEMPOTENCY_KEY=key, **kwargs)


@pytest.mark.django_db
def test_every_route_answers_every_caller_exactly(world):
    payloads = bodies(world)
    failures = []
    for (method, template), expected in sorted(MATRIX.items()):
        for role in ROLES:
            client = world["clients"][role]
            with pytest.raises(Rollback), transaction.atomic():
                response = call(
                    world, payloads, method, template, client, f"{role}-{method}-{template}"
                )
                if response.status_code != expected[role]:
                    failures.append(
                        (
                            method,
                            template,
                            role,
                            expected[role],
                            response.status_code,
                            response.content[:200],
                        )
                    )
                elif method == "get" and response.status_code == 200 and "{" not in template:
                    _check_only_permitted(role, template, response.json(), world)
                raise Rollback
    assert not failures, "\n".join(map(str, failures))


# Lists every caller reads whole: the codes, and the public keys of the bundles.
SHARED_LISTS = ("/api/v1/vocabularies/{name}/", "/api/v1/signing-keys/")


def _check_only_permitted(role, template, body, world):
    results = body.get("results", body) if isinstance(body, dict) else body
    if not isinstance(results, list):  # one object (an integrity root), not a list
        return
    if role == "other_country":
        ids = {str(v) for v in world["ids"].values()}
        for item in results:
            assert str(item.get("id")) not in ids, (template, item)
            if "country" in item and template != "/api/v1/vocabularies/{name}/":
                assert item["country"] in ("KG", None), (template, item)
    elif role == "prosecutor_other" and template not in SHARED_LISTS:
        assert results == [], template
    else:
        for item in results:
            if isinstance(item, dict) and item.get("country") not in (None,):
                assert item["country"] == "KZ", (template, item)
    if role not in ("confidential",):
        for item in results:
            if isinstance(item, dict):
                assert "victim" not in item, (template, role)


@pytest.mark.django_db
def test_the_scopes_the_schema_declares_are_the_scopes_the_api_checks(world):
    """For every operation: a token holding exactly one set of scopes its ``security`` names
    is let through (neither 401 nor 403); one holding every other scope is refused (403), and so
    is a prosecutor's office client where the schema does not name ``prosecutor``."""
    payloads = bodies(world)
    unbound = frozenset(SCOPES) - BOUND_SCOPES
    plan = []
    for (method, template), operation in sorted(schema_operations().items()):
        declared = [frozenset(r["oauth2"]) for r in operation["security"] if "oauth2" in r]
        callers = [(needed, "let through") for needed in declared]
        others = unbound - frozenset().union(*declared)
        if others:  # (none for a route open to any token: the signing keys)
            callers.append((others, "refused"))
        if not any(needed & BOUND_SCOPES for needed in declared):
            callers.append((BOUND_SCOPES, "refused"))
        plan += [(method, template, scopes, expected) for scopes, expected in callers]
    holders = {}
    for scopes in {scopes for _, _, scopes, _ in plan}:
        office = "kz_po_karaganda" if scopes & BOUND_SCOPES else None
        credentials = new_client("KZ", " ".join(sorted(scopes)), office, name="exact")
        holders[scopes] = APIClient()
        token = token_for(credentials).json()["access_token"]
        holders[scopes].credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    failures = []
    for method, template, scopes, expected in plan:
        with pytest.raises(Rollback), transaction.atomic():
            status = call(
                world, payloads, method, template, holders[scopes], f"{sorted(scopes)}{template}"
            ).status_code
            if (status == 403) != (expected == "refused") or status == 401:
                failures.append((method, template, sorted(scopes), expected, status))
            raise Rollback
    assert not failures, "\n".join(map(str, failures))
