"""The audit trail: every kind of write is recorded by the database, with who did it; history
can never be rewritten; confidential values never enter it."""

from datetime import date

import pytest
from django.db import connection, transaction
from django.db.utils import InternalError
from django.urls import reverse

from cases.models import Allegation, Victim
from cases.tests.factories import make_allegation
from conftest import make_staff
from facilities.models import Facility
from facilities.tests.factories import make_facility
from npm_tracker.core.actors import SystemActor
from npm_tracker.core.audit import system_context

pytestmark = pytest.mark.django_db


def history_model(model, name="history"):
    return getattr(model, name).rel.related_model


def history(model, obj):
    return list(history_model(model).objects.filter(pgh_obj=obj).order_by("pgh_id"))


def test_service_writes_queryset_updates_bulk_and_raw_sql_are_all_recorded(reference):
    facility = make_facility(name="ИВС audit")
    assert [e.pgh_label for e in history(Facility, facility)] == ["insert"]
    Facility.objects.filter(pk=facility.pk).update(capacity=99)
    more = Facility.objects.bulk_create(
        [Facility(**{**_copy(facility), "name": f"bulk {n}"}) for n in range(3)]
    )
    Facility.objects.filter(pk__in=[f.pk for f in more]).update(population=7)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE facilities_facility SET address = %s WHERE id = %s", ["raw", facility.pk]
        )
    labels = [(e.pgh_label, e.capacity, e.address) for e in history(Facility, facility)]
    assert labels[1:] == [("update", 99, ""), ("update", 99, "raw")]
    for created in more:
        assert [e.pgh_label for e in history(Facility, created)] == ["insert", "update"]


def _copy(facility):
    return {
        f.attname: getattr(facility, f.attname)
        for f in Facility._meta.concrete_fields
        if f.name not in ("id", "created_at", "updated_at")
    }


def test_history_refuses_update_and_delete(reference):
    facility = make_facility()
    table = history_model(Facility)._meta.db_table
    for sql in (f"UPDATE {table} SET name = 'forged'", f"DELETE FROM {table}"):
        with pytest.raises(InternalError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert history(Facility, facility)[0].name == facility.name


def test_confidential_values_never_enter_history_but_their_change_does(reference):
    allegation = make_allegation(
        victim={"full_name": "Секретов Секрет", "date_of_birth": date(1990, 2, 3)},
        injuries="Fracture of the left wrist",
    )
    victim = allegation.victim
    Victim.objects.filter(pk=victim.pk).update(full_name="Другой Человек")
    Victim.objects.filter(pk=victim.pk).update(sex="male")
    snapshot_fields = {f.name for f in history_model(Victim)._meta.fields}
    assert not {"full_name", "date_of_birth", "citizenship", "contact_details"} & snapshot_fields
    assert "injuries" not in {f.name for f in history_model(Allegation)._meta.fields}
    changed = history_model(Victim, "confidential_history").objects.filter(pgh_obj=victim)
    assert [e.pgh_label for e in changed] == ["confidential_changed"]
    # Every history table together holds no trace of the values.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_name LIKE %s",
            ["%history%"],
        )
        tables = [row[0] for row in cursor.fetchall()]
        assert len(tables) > 30
        for table in tables:
            cursor.execute(
                f"SELECT count(*) FROM {table} WHERE {table}::text ILIKE %s", ["%Секрет%"]
            )
            assert cursor.fetchone()[0] == 0, table
            cursor.execute(
                f"SELECT count(*) FROM {table} WHERE {table}::text ILIKE %s", ["%wrist%"]
            )
            assert cursor.fetchone()[0] == 0, table


def test_who_changed_it_is_recorded_for_staff_and_system_actors(client, reference):
    user = make_staff("kz-monitor", "KZ")
    client.force_login(user)
    facility = make_facility()
    data = {
        "name": "ИВС renamed",
        "country": str(facility.country_id),
        "region": str(facility.region_id),
        "address": "",
        "facility_type": str(facility.facility_type_id),
        "agency": str(facility.agency_id),
        "capacity": "20",
        "population": "",
        "security_level": "",
        "video_surveillance": "unknown",
        "complaint_terminal": "unknown",
        "registered_on": "",
        "is_active": "on",
        "notes": "",
    }
    url = reverse("admin:facilities_facility_change", args=[facility.pk])
    assert client.post(url, data).status_code == 302
    event = history(Facility, facility)[-1]
    assert event.name == "ИВС renamed"
    assert event.pgh_context.metadata["user"] == user.pk
    assert event.pgh_context.metadata["url"] == url
    with system_context(SystemActor.task("cases.notify_overdue")):
        Facility.objects.filter(pk=facility.pk).update(capacity=5)
    assert history(Facility, facility)[-1].pgh_context.metadata["actor"] == (
        "task:cases.notify_overdue"
    )
