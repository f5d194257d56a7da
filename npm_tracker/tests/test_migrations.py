"""A database of the previous release migrates to this one with its data intact: the countries
that moved to the core keep their rows, permissions and history, and a prosecutor's office
client keeps its office; names stored in clear are encrypted."""

import json
from datetime import date

import pgtrigger
import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from oauth2_provider.models import Application

from npm_tracker.tests.test_encryption import dump

EXAMINER = "Доктор Айболит"
# The leaf migrations of the release before the core layer.
PREVIOUS = [
    ("npm_tracker", "0005_access_log"),
    ("facilities", "0002_pagination_indexes"),
    ("cases", "0007_report_and_scan_indexes"),
    ("reports", "0002_personal_data"),
]


def _rows(sql, params=()) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _column(table, column, allegation_id) -> list:
    return sorted(
        _rows(f'SELECT "{column}" FROM "{table}" WHERE allegation_id = %s', [allegation_id])
    )


def _count(table) -> int:
    return _rows(f'SELECT count(*) FROM "{table}"')[0]


@pytest.fixture
def triggers_reinstalled():
    """The executor runs no ``post_migrate``: the triggers that going back dropped with their
    columns are installed again, as ``migrate`` does, for the tests that follow."""
    yield
    pgtrigger.install()


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_a_database_of_the_previous_release_migrates_with_its_data(reference, triggers_reinstalled):
    # Given a database at the previous release, with a prosecutor's office client and a group
    # holding the permission to view countries.
    old = _migrate(PREVIOUS)
    OldCountry = old.get_model("facilities", "Country")
    kz = OldCountry.objects.get(code="KZ")
    office = old.get_model("cases", "ProsecutorOffice").objects.get(code="kz_po_karaganda")
    application = Application.objects.create(
        name="Karaganda", client_type="confidential", authorization_grant_type="client-credentials"
    )
    client = old.get_model("npm_tracker", "ApiClient").objects.create(
        application_id=application.pk,
        name="Karaganda",
        country=kz,
        scopes="prosecutor",
        prosecutor_office=office,
    )
    Permission = old.get_model("auth", "Permission")
    view_country = Permission.objects.get(
        content_type__app_label="facilities", codename="view_country"
    )
    group = old.get_model("auth", "Group").objects.create(name="readers of countries")
    group.permissions.add(view_country)
    countries = sorted(OldCountry.objects.values_list("pk", "code"))

    # When it migrates to this release.
    executor = MigrationExecutor(connection)
    new = _migrate(executor.loader.graph.leaf_nodes())

    # Then the same countries are there under the core, the client still speaks for its office,
    # and the group still holds the same permission row, now the core's.
    assert sorted(new.get_model("npm_tracker", "Country").objects.values_list("pk", "code")) == (
        countries
    )
    link = new.get_model("cases", "ProsecutorClient").objects.get(api_client_id=client.pk)
    assert link.office_id == office.pk
    permission = new.get_model("auth", "Permission").objects.get(pk=view_country.pk)
    assert (permission.content_type.app_label, permission.codename) == (
        "npm_tracker",
        "view_country",
    )
    assert new.get_model("auth", "Group").objects.get(pk=group.pk).permissions.count() == 1


@pytest.mark.django_db(transaction=True)
def test_names_stored_in_clear_are_encrypted_and_indexed_and_the_admin_log_forgets_them(
    reference, triggers_reinstalled
):
    from django.contrib.auth import get_user_model

    from cases import services
    from cases.models import Agency, Allegation, Perpetrator
    from cases.tests.factories import make_allegation
    from npm_tracker.core import crypto

    mvd = Agency.objects.get(code="kz_mvd")
    allegation = make_allegation(
        perpetrators=[{"agency": mvd, "name": "Петров Иван"}, {"agency": mvd, "rank": "капитан"}]
    )
    exam = services.medical_examination_add(
        actor=None, allegation=allegation, examined_on=date(2026, 3, 3), examiner=EXAMINER
    )
    user = get_user_model().objects.create(username="editor")
    # Given a database before 0009: going back there puts the names in clear again ...
    _migrate([("cases", "0008_prosecutorclient")])
    assert _column("cases_perpetrator", "name", allegation.pk) == ["", "Петров Иван"]
    assert _column("cases_medicalexamination", "examiner", allegation.pk) == [EXAMINER]
    # ... and the admin's log showing the examination as it was shown then.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO django_admin_log (action_time, user_id, content_type_id, object_id,"
            " object_repr, action_flag, change_message) VALUES (now(), %s, %s, %s, %s, 2, %s)",
            [
                user.pk,
                ContentType.objects.get_for_model(Allegation).pk,
                str(allegation.pk),
                allegation.reference,
                json.dumps(
                    [{"added": {"name": "medical examination", "object": f"2026-03-03 {EXAMINER}"}}]
                ),
            ],
        )
    events = _count("cases_perpetratorhistoryconfidential")

    # When it migrates to this release.
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    # Then the names are stored encrypted, the perpetrator's with its blind index, the log keeps
    # the date of the examination only, and the history did not record a change.
    stored = _column("cases_perpetrator", "name", allegation.pk)
    assert stored[0] == "" and crypto.key_id_of(stored[1])
    assert crypto.key_id_of(_column("cases_medicalexamination", "examiner", allegation.pk)[0])
    named = Perpetrator.objects.get(allegation=allegation, rank="")
    assert named.name == "Петров Иван"
    assert named.name_index == crypto.name_index("Петров Иван")
    assert Perpetrator.objects.get(allegation=allegation, rank="капитан").name_index == ""
    assert type(exam).objects.get(pk=exam.pk).examiner == EXAMINER
    (message,) = _rows("SELECT change_message FROM django_admin_log")
    assert json.loads(message) == [
        {"added": {"name": "medical examination", "object": "2026-03-03"}}
    ]
    assert _count("cases_perpetratorhistoryconfidential") == events
    text = dump()
    assert allegation.reference in text
    assert "Айболит" not in text and "Петров" not in text
