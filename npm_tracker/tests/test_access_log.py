"""The read-access log: each view of identity or medical data writes exactly one row, from the
admin, the API, evidence downloads and report downloads; consent decides what a prosecutor's
office sees; unusual readers stand out; rows can never be changed."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.db import IntegrityError, InternalError, ProgrammingError, connection, transaction
from django.test import Client
from django.urls import reverse

from cases import services
from cases.models import ProsecutorOffice
from cases.tests.factories import make_allegation
from cases.tests.files import pdf
from conftest import make_staff
from npm_tracker.core.access import unusual_readers
from npm_tracker.core.models import AccessLog
from npm_tracker.tests.api_helpers import api_as

ALMATY = ZoneInfo("Asia/Almaty")
NAME = "Ержан Конфиденциальный"
PDF_BYTES = pdf("statement")


def identified(**fields):
    return make_allegation(victim={"full_name": NAME, "date_of_birth": date(1985, 1, 2)}, **fields)


@pytest.mark.django_db
def test_each_api_view_of_an_identity_writes_one_row(reference):
    allegations = [identified() for _ in range(3)]
    client = api_as(scopes="read confidential")
    detail = client.get(f"/api/v1/allegations/{allegations[0].pk}/")
    assert detail.json()["victim"]["full_name"] == NAME
    rows = AccessLog.objects.all()
    assert rows.count() == 1
    row = rows.get()
    assert (row.channel, row.what, row.object_id, row.user) == (
        "api",
        "identity",
        allegations[0].pk,
        None,
    )
    assert row.actor_label.startswith("api-client:") and NAME not in str(row.__dict__)

    client.get("/api/v1/allegations/?limit=10")
    assert AccessLog.objects.count() == 1 + 3
    # Without the confidential scope nothing is shown, nothing is logged.
    api_as(scopes="read").get(f"/api/v1/allegations/{allegations[0].pk}/")
    assert AccessLog.objects.count() == 4


@pytest.mark.django_db
def test_each_admin_view_of_an_allegation_with_identity_writes_one_row(reference):
    staff = make_staff("reader", "KZ")
    client = Client()
    client.force_login(staff)
    allegation = identified(injuries="Ссадины")
    url = reverse("admin:cases_allegation_change", args=[allegation.pk])
    assert client.get(url).status_code == 200
    row = AccessLog.objects.get()
    assert (row.user, row.channel, row.what, row.allegation_id) == (
        staff,
        "admin",
        "identity,medical",
        allegation.pk,
    )
    client.get(url)
    assert AccessLog.objects.count() == 2
    anonymous = make_allegation()  # no identity, no medical data
    client.get(reverse("admin:cases_allegation_change", args=[anonymous.pk]))
    assert AccessLog.objects.count() == 2


@pytest.mark.django_db
def test_evidence_downloads_are_checked_decrypted_and_logged(reference, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    allegation = identified()
    evidence = services.evidence_add(
        actor=None,
        allegation=allegation,
        file=ContentFile(PDF_BYTES, name="statement.pdf"),
        kind="document",
    )
    url = evidence.file.url
    assert url.startswith("/files/evidence/")
    kz = Client()
    kz.force_login(make_staff("kz-reader", "KZ"))
    response = kz.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF_BYTES
    assert AccessLog.objects.get().what == "evidence file"
    kg = Client()
    kg.force_login(make_staff("kg-reader", "KG"))
    assert kg.get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page
    assert AccessLog.objects.count() == 1
    api = api_as(scopes="read confidential")
    assert api.get(f"/api/v1/evidence/{evidence.pk}/file/").status_code == 200
    assert AccessLog.objects.filter(channel="api", what="evidence file").count() == 1


@pytest.mark.django_db
def test_the_prosecutor_sees_the_identity_only_while_consent_is_in_force(reference):
    allegation = identified()
    office = ProsecutorOffice.objects.get(code="kz_po_karaganda")
    referral = services.referral_create(actor=None, allegation=allegation, prosecutor_office=office)
    services.referral_transition(
        actor=None,
        referral=referral,
        kind="sent",
        occurred_at=datetime(2026, 3, 2, 12, tzinfo=ALMATY),
    )
    prosecutor = api_as(scopes="read", office="kz_po_karaganda")
    url = f"/api/v1/referrals/{referral.pk}/"
    body = prosecutor.get(url).json()
    assert body["identity_disclosed"] is False and "victim" not in body
    assert AccessLog.objects.count() == 0

    services.consent_grant(
        actor=None,
        allegation=allegation,
        destination="prosecutor",
        granted_on=date(2026, 3, 1),
        form="written",
    )
    body = prosecutor.get(url).json()
    assert body["identity_disclosed"] is True and body["victim"]["full_name"] == NAME
    assert AccessLog.objects.filter(object_id=referral.pk).count() == 1

    consent = allegation.consents.get(destination="prosecutor", withdrawn_on__isnull=True)
    services.consent_withdraw(actor=None, consent=consent, withdrawn_on=date(2026, 3, 4))
    body = prosecutor.get(url).json()
    assert body["identity_disclosed"] is False and "victim" not in body
    assert AccessLog.objects.count() == 1


@pytest.mark.django_db
def test_unusual_readers_stand_out(reference):
    from facilities.models import Country

    kz = Country.objects.get(code="KZ")
    allegation_ids = [make_allegation(facility=None).pk for _ in range(2)]
    heavy = make_staff("heavy", "KZ")
    rows = []
    for n in range(30):
        rows.append(
            AccessLog(
                user=heavy,
                channel="admin",
                country=kz,
                object_type="cases.allegation",
                object_id=allegation_ids[0],
                allegation_id=_fake_id(n),
                what="identity",
            )
        )
    for name in ("a", "b", "c", "d"):
        peer = make_staff(f"peer-{name}", "KZ")
        for allegation_id in allegation_ids:
            rows.append(
                AccessLog(
                    user=peer,
                    channel="admin",
                    country=kz,
                    object_type="cases.allegation",
                    object_id=allegation_id,
                    allegation_id=allegation_id,
                    what="identity",
                )
            )
    AccessLog.objects.bulk_create(rows)
    found = unusual_readers(AccessLog.objects.all(), days=30)
    assert [row["user__username"] for row in found] == ["heavy"]
    client = Client()
    client.force_login(make_staff("auditor", "KZ"))
    page = client.get(reverse("admin:npm_tracker_accesslog_unusual"))
    assert page.status_code == 200 and "heavy" in page.content.decode()


def _fake_id(n):
    import uuid

    return uuid.UUID(int=n + 1)


@pytest.mark.django_db
def test_the_log_cannot_be_rewritten(reference):
    api_as(scopes="read confidential").get(f"/api/v1/allegations/{identified().pk}/")
    row = AccessLog.objects.get()
    for statement in (
        "UPDATE npm_tracker_accesslog SET what = 'x'",
        "DELETE FROM npm_tracker_accesslog",
    ):
        refused = pytest.raises((InternalError, ProgrammingError, IntegrityError))
        with refused, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AccessLog.objects.get().pk == row.pk
