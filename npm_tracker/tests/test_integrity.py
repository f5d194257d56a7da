"""The tamper-evident history (CONTRACT.md, "Tamper-evident history"): every history row and
case event sealed into its country's hash chain; a row changed behind the triggers' back, or a
link changed, makes ``verify_history`` exit 1 naming the table and id; daily roots per country."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from cases import services
from cases.tests.factories import make_allegation, make_referral
from npm_tracker.core import integrity
from npm_tracker.core.models import IntegrityLink
from npm_tracker.tests.api_helpers import api_as, assert_problem
from npm_tracker.tests.superuser import as_superuser

pytestmark = pytest.mark.django_db


def verify_history(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_history", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as stop:
        code = stop.code
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def cases_of_both(reference):
    kz = make_referral(make_allegation("KZ"))
    services.referral_transition(actor=None, referral=kz, kind="sent")
    kg = make_allegation("KG")
    return kz, kg


def test_the_chain_holds_and_names_the_row_changed_behind_the_triggers_back(cases_of_both):
    code, out, _err = verify_history()
    assert code == 0 and "OK" in out
    sealed = IntegrityLink.objects.count()
    assert sealed > 0 and int(out.split()[1]) == sealed
    tables = set(IntegrityLink.objects.values_list("table_name", flat=True))
    assert {
        "cases_allegationhistory",
        "cases_referralevent",
        "facilities_facilityhistory",
    } <= tables
    # The KZ chain and the KG chain are apart.
    assert set(IntegrityLink.objects.values_list("country__code", flat=True)) >= {"KZ", "KG"}
    link = IntegrityLink.objects.filter(table_name="cases_allegationhistory").order_by("seq")[0]
    with connection.cursor() as cursor:
        cursor.execute('ALTER TABLE "cases_allegationhistory" DISABLE TRIGGER USER')
        cursor.execute(
            'UPDATE "cases_allegationhistory" SET pgh_label = pgh_label || %s WHERE pgh_id = %s',
            ["!", int(link.row_pk)],
        )
        cursor.execute('ALTER TABLE "cases_allegationhistory" ENABLE TRIGGER USER')
    code, _out, err = verify_history()
    assert code == 1
    assert f"cases_allegationhistory {link.row_pk}: the row was changed" in err, err
    # The other country's chain does not contain that row: it still holds.
    other = "KG" if link.country.code == "KZ" else "KZ"
    assert verify_history("--country", other)[0] == 0


def test_a_changed_link_breaks_the_chain_there(cases_of_both):
    integrity.seal()
    links = list(IntegrityLink.objects.filter(country__code="KZ").order_by("seq"))
    middle = links[len(links) // 2]
    IntegrityLink.objects.filter(pk=middle.pk).update(chain_hash="f" * 64)
    code, _out, err = verify_history("--country", "KZ")
    assert code == 1 and f"{middle.table_name} {middle.row_pk}: the chain was changed" in err
    with pytest.raises(CommandError, match="Unknown country"):
        call_command("verify_history", "--country", "XX")


def test_new_rows_are_sealed_after_the_last_and_the_roots_follow(cases_of_both):
    kz, kg_case = cases_of_both
    integrity.seal()
    before = IntegrityLink.objects.count()
    assert integrity.seal() == 0  # nothing new
    services.referral_transition(actor=None, referral=kz, kind="acknowledged")
    assert integrity.seal() > 0 and IntegrityLink.objects.count() > before
    client = api_as("KZ", "read")
    # Each country's day is its own: at 18:30 UTC it is still today in Almaty, tomorrow in Bishkek.
    today = timezone.localdate(timezone=kz.allegation.country.zone)
    root = client.get(f"/api/v1/integrity/roots/?date={today.isoformat()}").json()
    last = IntegrityLink.objects.filter(country__code="KZ").order_by("-seq").first()
    assert root == {
        "date": today.isoformat(),
        "root": last.chain_hash,
        "records": IntegrityLink.objects.filter(country__code="KZ").count(),
    }
    empty = client.get("/api/v1/integrity/roots/?date=2020-01-01").json()
    assert empty == {"date": "2020-01-01", "root": None, "records": 0}
    kg_today = timezone.localdate(timezone=kg_case.country.zone)
    kg = api_as("KG", "read").get(f"/api/v1/integrity/roots/?date={kg_today}").json()
    assert kg["root"] and kg["root"] != root["root"]
    for bad in ("", "?date=2026-13-01", "?date=yesterday"):
        assert_problem(client.get(f"/api/v1/integrity/roots/{bad}"), 400)
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert client.get(f"/api/v1/integrity/roots/?date={tomorrow}").json()["root"] == last.chain_hash


def test_a_staff_member_of_both_countries_names_one(client, reference):
    from conftest import make_staff

    allegation = make_allegation("KZ")
    integrity.seal()
    client.force_login(make_staff("both", "KZ", "KG", roles=("npm_head",)))
    day = timezone.localdate(timezone=allegation.country.zone).isoformat()
    assert_problem(client.get(f"/api/v1/integrity/roots/?date={day}"), 400)
    answer = client.get(f"/api/v1/integrity/roots/?date={day}&country=KZ")
    assert answer.status_code == 200 and answer.json()["records"] > 0


@pytest.mark.django_db(transaction=True)
def test_a_superuser_with_the_triggers_off_is_found_out(reference):
    """As the database superuser with ``session_replication_role = replica`` (no trigger fires,
    the append-only guards neither): ``verify_history`` exits 1 naming the table and id."""
    make_allegation("KZ")
    integrity.seal()
    link = IntegrityLink.objects.filter(table_name="cases_allegationhistory").order_by("seq")[0]
    as_superuser(
        "UPDATE cases_allegationhistory SET pgh_label = pgh_label || %s WHERE pgh_id = %s",
        ["!", int(link.row_pk)],
    )
    code, _out, err = verify_history()
    assert code == 1
    assert f"cases_allegationhistory {link.row_pk}: the row was changed" in err, err
