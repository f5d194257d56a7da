"""A database of the previous release migrates to this one with its data intact: the countries
that moved to the core keep their rows, permissions and history, and a prosecutor's office
client keeps its office."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from oauth2_provider.models import Application

# The leaf migrations of the release before the core layer.
PREVIOUS = [
    ("npm_tracker", "0005_access_log"),
    ("facilities", "0002_pagination_indexes"),
    ("cases", "0007_report_and_scan_indexes"),
    ("reports", "0002_personal_data"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_a_database_of_the_previous_release_migrates_with_its_data(reference):
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
