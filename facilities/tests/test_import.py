"""Importing the facility register, visits and recommendations from CSV and XLSX through the real
admin pages: upload, preview, confirm. A file with any invalid row writes nothing."""

import io
from datetime import date
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from conftest import make_staff
from facilities import services
from facilities.models import Agency, Facility, Recommendation, Visit
from facilities.tests.factories import make_facility, make_visit

CSV, XLSX = "0", "1"  # the order of the formats on the import form
HEADER = ["name", "country", "region", "type", "agency", "address", "capacity", "active"]
GOOD = [
    ["ИВС Караганды", "KZ", "Karaganda Region", "ivs", "МВД", "ул. Ерубаева, 1", "40", "да"],
    [
        "СИЗО-1",
        "KZ",
        "Қарағанды облысы",
        "Pre-trial detention centre (SIZO)",
        "kz_kuis",
        "",
        "600",
        "yes",
    ],
]
UNKNOWN_REGION = ["ИВС Атлантиды", "KZ", "Atlantis", "ivs", "МВД", "", "10", "yes"]
NEGATIVE = ["ИВС Темиртау", "KZ", "Karaganda Region", "ivs", "МВД", "", "-5", "yes"]


def csv_file(rows, name="register.csv"):
    text = "\n".join(",".join(f'"{cell}"' for cell in row) for row in rows) + "\n"
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def xlsx_file(rows, name="register.xlsx"):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def preview(client, model, upload, file_format=CSV):
    url = reverse(f"admin:facilities_{model}_import")
    return client.post(url, {"resource": "0", "format": file_format, "import_file": upload})


def confirm(client, model, response):
    form = response.context["confirm_form"]
    return client.post(reverse(f"admin:facilities_{model}_process_import"), form.initial)


def errors_of(response):
    """(line of the file, column, message) of every invalid row in the preview."""
    return sorted(
        (row.number + 1, column, str(message))
        for row in response.context["result"].invalid_rows
        for column, messages in row.error_dict.items()
        for message in messages
    )


@pytest.fixture
def head(reference):
    return make_staff("kz-head", "KZ")


@pytest.fixture
def client(head):
    client = Client()
    client.force_login(head)
    return client


@pytest.mark.django_db
def test_a_register_with_bad_rows_shows_each_error_on_its_line_and_creates_nothing(client):
    response = preview(client, "facility", csv_file([HEADER, GOOD[0], UNKNOWN_REGION, NEGATIVE]))

    assert response.status_code == 200
    assert errors_of(response) == [
        (3, "region", "Unknown region “Atlantis”."),
        (4, "capacity", "Ensure this value is greater than or equal to 0."),
    ]
    page = response.content.decode()
    assert "<td>3</td><td>region</td><td>Unknown region “Atlantis”.</td>" in page
    assert "<td>4</td><td>capacity</td>" in page
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert not Facility.objects.exists()


@pytest.mark.django_db
def test_a_row_with_two_bad_cells_reports_both(client):
    row = ["ИВС", "KZ", "Atlantis", "ivs", "Ministry of Magic", "", "-1", "yes"]
    response = preview(client, "facility", csv_file([HEADER, row]))

    assert errors_of(response) == [
        (2, "agency", "Unknown agency “Ministry of Magic”."),
        (2, "capacity", "Ensure this value is greater than or equal to 0."),
        (2, "region", "Unknown region “Atlantis”."),
    ]
    assert not Facility.objects.exists()


@pytest.mark.django_db
def test_the_corrected_register_is_created_row_by_row_through_the_service(client, head):
    fixed_region = [*UNKNOWN_REGION[:2], "Karaganda Region", *UNKNOWN_REGION[3:]]
    fixed_capacity = [*NEGATIVE[:6], "5", NEGATIVE[7]]
    rows = [HEADER, *GOOD, fixed_region, fixed_capacity]

    response = preview(client, "facility", csv_file(rows))
    assert errors_of(response) == []
    assert not Facility.objects.exists()  # the preview wrote nothing
    with mock.patch(
        "facilities.resources.services.facility_save", wraps=services.facility_save
    ) as saved:
        done = confirm(client, "facility", response)

    assert done.status_code == 302
    assert saved.call_count == 4
    assert all(call.kwargs["actor"] == head for call in saved.call_args_list)
    facilities = {f.name: f for f in Facility.objects.select_related("region", "agency")}
    assert set(facilities) == {"ИВС Караганды", "СИЗО-1", "ИВС Атлантиды", "ИВС Темиртау"}
    sizo = facilities["СИЗО-1"]
    assert (sizo.region.code, sizo.facility_type.code, sizo.agency.code) == (
        "kz_karaganda",
        "sizo",
        "kz_kuis",
    )
    assert sizo.capacity == 600 and sizo.is_active
    assert facilities["ИВС Караганды"].agency.code == "kz_mvd"
    # The audit trail recorded each insert, attributed to the importing user.
    for facility in facilities.values():
        (event,) = facility.history.all()
        assert event.pgh_label == "insert"
        assert event.pgh_context.metadata["user"] == head.pk


@pytest.mark.django_db
def test_the_register_imports_from_xlsx_too(client):
    rows = [HEADER, *GOOD, [*NEGATIVE[:6], -5, NEGATIVE[7]]]
    response = preview(client, "facility", xlsx_file(rows), XLSX)
    assert errors_of(response) == [
        (4, "capacity", "Ensure this value is greater than or equal to 0."),
    ]
    assert not Facility.objects.exists()

    rows[-1][6] = 12
    response = preview(client, "facility", xlsx_file(rows), XLSX)
    assert errors_of(response) == []
    assert confirm(client, "facility", response).status_code == 302
    assert Facility.objects.get(name="ИВС Темиртау").capacity == 12
    assert Facility.objects.count() == 3


@pytest.mark.django_db
def test_a_row_that_turns_invalid_before_confirming_rolls_the_whole_file_back(client):
    response = preview(client, "facility", csv_file([HEADER, *GOOD]))
    assert errors_of(response) == []
    # Between the preview and the confirmation, the agency the first row names is renamed.
    Agency.objects.filter(code="kz_mvd").update(short_name_ru="МВД РК")

    done = confirm(client, "facility", response)

    assert done.status_code == 200
    assert "Nothing was imported" in done.content.decode()
    assert "Unknown agency “МВД”." in done.content.decode()
    assert not Facility.objects.exists()  # not even the row that was still valid


@pytest.mark.django_db
def test_a_country_out_of_reach_is_unknown(client):
    row = ["ИВС", "KG", "Chuy Region", "ivs", "kg_mvd", "", "10", "yes"]
    response = preview(client, "facility", csv_file([HEADER, row]))
    messages = [m for _line, _column, m in errors_of(response)]
    assert "Unknown country “KG”." in messages
    assert not Facility.objects.exists()


@pytest.mark.django_db
def test_a_row_with_an_id_updates_that_facility(client):
    facility = make_facility(name="ИВС № 1", capacity=20)
    header = ["id", *HEADER]
    row = [str(facility.pk), "ИВС № 1", "KZ", "Karaganda Region", "ivs", "МВД", "", "25", "yes"]
    response = preview(client, "facility", csv_file([header, row]))
    assert errors_of(response) == []
    assert confirm(client, "facility", response).status_code == 302
    facility.refresh_from_db()
    assert facility.capacity == 25
    assert Facility.objects.count() == 1


VISIT_HEADER = ["facility", "type", "announced", "started_on", "ended_on", "persons_held"]


@pytest.mark.django_db
def test_visits_import_through_the_visit_service(client, head):
    make_facility(name="ИВС Караганды")
    good = ["ИВС Караганды", "Periodic preventive visit", "no", "2026-03-02", "2026-03-03", "14"]
    bad = ["ИВС Караганды", "kz_periodic", "no", "2026-03-10", "2026-03-09", ""]

    response = preview(client, "visit", csv_file([VISIT_HEADER, good, bad]))
    assert errors_of(response) == [(3, "__all__", "A visit cannot end before it starts.")]
    assert not Visit.objects.exists()

    response = preview(client, "visit", csv_file([VISIT_HEADER, good]))
    assert errors_of(response) == []
    assert confirm(client, "visit", response).status_code == 302
    visit = Visit.objects.get()
    assert (visit.started_on, visit.persons_held, visit.announced) == (date(2026, 3, 2), 14, False)
    # Set by the service: the body holding the mandate that day, and who entered the visit.
    assert visit.npm_body.country.code == "KZ"
    assert visit.created_by == head


REC_HEADER = ["country", "source", "facility", "visit_date", "addressee_level", "addressee_agency"]
REC_HEADER += ["area", "text"]


@pytest.mark.django_db
def test_recommendations_import_as_drafts(client):
    facility = make_facility(name="ИВС Караганды")
    visit = make_visit(facility, started_on=date(2026, 3, 2))
    good = ["KZ", "visit report", "ИВС Караганды", "02.03.2026", "agency", "МВД", "Treatment"]
    good += ["Provide every detainee with a mattress."]
    annual = ["KZ", "annual report", "", "", "ministry", "kz_mvd", "treatment", "Ensure access."]
    bad = ["KZ", "visit report", "ИВС Караганды", "", "agency", "МВД", "treatment", "No visit."]

    response = preview(client, "recommendation", csv_file([REC_HEADER, good, annual, bad]))
    assert errors_of(response) == [
        (4, "__all__", "A recommendation from a visit report names its visit.")
    ]
    assert not Recommendation.objects.exists()

    response = preview(client, "recommendation", csv_file([REC_HEADER, good, annual]))
    assert errors_of(response) == []
    assert confirm(client, "recommendation", response).status_code == 302
    from_visit = Recommendation.objects.get(visit=visit)
    assert from_visit.facility == facility and from_visit.status == "draft"
    assert from_visit.addressee_agency.code == "kz_mvd" and from_visit.area.code == "treatment"
    assert Recommendation.objects.get(source="annual_report").country.code == "KZ"


@pytest.mark.django_db
def test_import_needs_the_permission_to_add(reference):
    auditor = make_staff("auditor", "KZ", roles=("auditor",), direct_permissions=False)
    client = Client()
    client.force_login(auditor)
    for model in ("facility", "visit", "recommendation"):
        assert client.get(reverse(f"admin:facilities_{model}_import")).status_code == 403
        response = client.post(
            reverse(f"admin:facilities_{model}_import"),
            {"resource": "0", "format": CSV, "import_file": csv_file([HEADER, GOOD[0]])},
        )
        assert response.status_code == 403
    assert not Facility.objects.exists()
    # The list still offers export and its own links, without import.
    page = client.get(reverse("admin:facilities_facility_changelist")).content.decode()
    assert reverse("admin:facilities_facility_export") in page
    assert reverse("admin:facilities_facility_planning") in page
    assert reverse("admin:facilities_facility_import") not in page


@pytest.mark.django_db
def test_the_messages_are_marked_for_translation(client):
    """Until the catalogs carry them, the message is English in any language; the check that it
    goes through gettext is that a translation of it would be used."""
    from django.utils import translation

    with (
        mock.patch(
            "npm_tracker.core.spreadsheets.columns.gettext",
            side_effect=lambda text: "«" + text + "»" if text.startswith("Unknown") else text,
        ),
        translation.override("ru"),
    ):
        response = preview(client, "facility", csv_file([HEADER, UNKNOWN_REGION]))
    assert any(m == "«Unknown region “Atlantis”.»" for _l, _c, m in errors_of(response))


@pytest.mark.django_db
def test_the_sample_files_of_the_documentation_import(client):
    from django.conf import settings

    samples = settings.BASE_DIR / "docs" / "samples"
    for model, name in (
        ("facility", "facilities.csv"),
        ("visit", "visits.csv"),
        ("recommendation", "recommendations.csv"),
    ):
        upload = SimpleUploadedFile(name, (samples / name).read_bytes(), content_type="text/csv")
        response = preview(client, model, upload)
        assert errors_of(response) == [], name
        assert confirm(client, model, response).status_code == 302, name
    assert (Facility.objects.count(), Visit.objects.count(), Recommendation.objects.count()) == (
        2,
        2,
        2,
    )
    sizo = Facility.objects.get(name="СИЗО-1")
    assert sizo.medical_care_agency.code == "kz_moh" and sizo.registered_on == date(2014, 2, 1)
