"""Facilities, visits and recommendations: what the domain forbids is refused, nothing is
half-saved, and the NPM body of a visit follows the date."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from facilities import services
from facilities.models import (
    Agency,
    ExaminedArea,
    Facility,
    FacilityType,
    Recommendation,
    Region,
    Visit,
    VisitType,
)
from facilities.tests.factories import country, make_facility, make_visit

pytestmark = pytest.mark.django_db


def errors_of(excinfo):
    return excinfo.value.message_dict


def test_facility_with_region_of_another_country_is_refused(reference):
    with pytest.raises(ValidationError) as excinfo:
        make_facility("KZ", region=Region.objects.get(code="kg_chuy"))
    assert "region" in errors_of(excinfo)
    assert not Facility.objects.exists()


def test_facility_with_agency_of_another_country_is_refused(reference):
    with pytest.raises(ValidationError) as excinfo:
        make_facility("KZ", agency=Agency.objects.get(code="kg_mvd"))
    assert "agency" in errors_of(excinfo)


def test_facility_type_of_another_country_is_refused(reference):
    with pytest.raises(ValidationError) as excinfo:
        make_facility("KZ", facility_type=FacilityType.objects.get(code="colony_settlement"))
    assert "facility_type" in errors_of(excinfo)


def test_negative_capacity_is_refused_by_validation_and_by_the_database(reference):
    with pytest.raises(ValidationError) as excinfo:
        make_facility(capacity=-1)
    assert "capacity" in errors_of(excinfo)
    facility = make_facility()
    with pytest.raises(IntegrityError), transaction.atomic():
        Facility.objects.filter(pk=facility.pk).update(population=-5)


def test_security_level_only_for_penal_institutions(reference):
    with pytest.raises(ValidationError) as excinfo:
        make_facility(security_level="maximum")
    assert "security_level" in errors_of(excinfo)
    colony = make_facility(
        facility_type=FacilityType.objects.get(code="penal_colony"),
        agency=Agency.objects.get(code="kz_kuis"),
        security_level="maximum",
    )
    assert colony.security_level == "maximum"


def test_visit_cannot_end_before_it_starts(reference):
    facility = make_facility()
    with pytest.raises(ValidationError) as excinfo:
        make_visit(facility, started_on=date(2026, 3, 2), ended_on=date(2026, 3, 1))
    assert "A visit cannot end before it starts." in str(excinfo.value)
    visit = make_visit(facility, started_on=date(2026, 3, 2), ended_on=date(2026, 3, 3))
    with pytest.raises(IntegrityError), transaction.atomic():
        Visit.objects.filter(pk=visit.pk).update(ended_on=date(2026, 3, 1))


def test_visit_counts_cannot_be_negative(reference):
    with pytest.raises(ValidationError) as excinfo:
        make_visit(interviews_private=-2)
    assert "interviews_private" in errors_of(excinfo)


def test_visit_type_of_another_jurisdiction_is_refused(reference):
    with pytest.raises(ValidationError) as excinfo:
        make_visit(make_facility("KZ"), visit_type=VisitType.objects.get(code="kg_interim"))
    assert "visit_type" in errors_of(excinfo)


def test_visit_type_out_of_its_period_is_refused(reference):
    kg = make_facility("KG", name="ИВС Бишкек")
    ncpt_type = VisitType.objects.get(code="kg_comprehensive")
    with pytest.raises(ValidationError) as excinfo:
        make_visit(kg, visit_type=ncpt_type, started_on=date(2026, 2, 1))
    assert "visit_type" in errors_of(excinfo)
    assert make_visit(kg, visit_type=ncpt_type, started_on=date(2024, 5, 6)).pk


def test_shared_visit_types_are_valid_in_both_countries(reference):
    thematic = VisitType.objects.get(code="thematic")
    assert make_visit(make_facility("KZ"), visit_type=thematic).pk
    assert make_visit(make_facility("KG", name="СИЗО"), visit_type=thematic).pk


def test_npm_body_follows_the_date_of_the_visit(reference):
    kg = make_facility("KG", name="ИВС Ош")
    before = make_visit(
        kg, visit_type=VisitType.objects.get(code="kg_special"), started_on=date(2025, 10, 2)
    )
    after = make_visit(
        kg,
        visit_type=VisitType.objects.get(code="kg_ombudsperson_special"),
        started_on=date(2025, 10, 3),
    )
    assert before.npm_body.code == "kg_ncpt"
    assert after.npm_body.code != "kg_ncpt"
    assert after.npm_body.valid_from == date(2025, 10, 3)


def test_a_visit_with_a_bad_part_is_not_half_saved(reference):
    facility = make_facility()
    area = ExaminedArea.objects.first()
    with pytest.raises(ValidationError):
        make_visit(
            facility,
            findings=[{"area": area, "text": "Cells are damp."}],
            team=[{"role": "member"}],  # neither a user nor a name
        )
    assert not Visit.objects.exists()


def test_status_cannot_be_changed_through_an_update(reference):
    visit = make_visit()
    with pytest.raises(ValidationError):
        services.visit_update(actor=None, visit=visit, status="report_sent")
    visit.refresh_from_db()
    assert visit.status == "planned"


def test_recommendation_follows_its_visit_and_checks_country(reference):
    visit = make_visit()
    area = ExaminedArea.objects.first()
    rec = services.recommendation_create(
        actor=None,
        visit=visit,
        source="visit_report",
        addressee_level="facility",
        addressee_agency=visit.facility.agency,
        area=area,
        text="Repair the ventilation.",
    )
    assert rec.facility_id == visit.facility_id
    assert rec.country.code == "KZ"
    with pytest.raises(ValidationError) as excinfo:
        services.recommendation_create(
            actor=None,
            visit=visit,
            source="visit_report",
            addressee_level="agency",
            addressee_agency=Agency.objects.get(code="kg_mvd"),
            area=area,
            text="x",
        )
    assert "addressee_agency" in errors_of(excinfo)


def test_recommendation_from_a_visit_report_needs_its_visit(reference):
    area = ExaminedArea.objects.first()
    with pytest.raises(ValidationError):
        services.recommendation_create(
            actor=None,
            country=country("KZ"),
            source="visit_report",
            addressee_level="ministry",
            addressee_agency=Agency.objects.get(code="kz_mvd"),
            area=area,
            text="x",
        )
    rec = services.recommendation_create(
        actor=None,
        country=country("KZ"),
        source="annual_report",
        addressee_level="ministry",
        addressee_agency=Agency.objects.get(code="kz_mvd"),
        area=area,
        text="Adopt a national standard on medical screening.",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Recommendation.objects.filter(pk=rec.pk).update(source="visit_report")


def test_the_database_refuses_a_visit_type_overlap_free_of_checks(reference):
    """Constraint names follow the app_model_rule convention (they appear in error reports)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname FROM pg_constraint WHERE conname LIKE 'facilities_visit_%%'")
        names = {row[0] for row in cursor.fetchall()}
    assert "facilities_visit_ends_after_start" in names
