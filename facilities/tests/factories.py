"""Builders of facilities-app records for tests, through the services (reference data needed)."""

from datetime import date

from facilities import services
from facilities.models import Agency, Country, FacilityType, Region, VisitType


def country(code="KZ"):
    return Country.objects.get(code=code)


def make_facility(code="KZ", *, actor=None, name="ИВС № 1", region=None, **fields):
    c = country(code)
    defaults = {
        "country": c,
        "region": region or Region.objects.filter(country=c).order_by("sort_order").first(),
        "facility_type": FacilityType.objects.get(code="ivs"),
        "agency": Agency.objects.get(code=f"{code.lower()}_mvd"),
        "name": name,
        "capacity": 20,
    }
    defaults.update(fields)
    return services.facility_create(actor=actor, **defaults)


def make_visit(facility=None, *, actor=None, started_on=date(2026, 3, 2), visit_type=None, **kw):
    facility = facility or make_facility()
    if visit_type is None:
        visit_type = VisitType.objects.get(
            code="kz_periodic" if facility.country.code == "KZ" else "kg_ombudsperson_planned"
        )
    return services.visit_create(
        actor=actor, facility=facility, visit_type=visit_type, started_on=started_on, **kw
    )
