"""Builders of cases-app records for tests, through the services (reference data needed)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from cases import services
from cases.models import AllegationSource, PlaceOfIncident, ProsecutorOffice
from facilities.tests.factories import country, make_facility

ALMATY = ZoneInfo("Asia/Almaty")


def make_allegation(
    code="KZ",
    *,
    actor=None,
    received_at=None,
    facility="auto",
    **fields,
):
    if facility == "auto":
        facility = make_facility(code)
    defaults = {
        "country": country(code),
        "source": AllegationSource.objects.get(code="written_complaint"),
        "received_at": received_at or datetime(2026, 3, 2, 10, 0, tzinfo=ALMATY),
        "facility": facility,
        "place_of_incident": PlaceOfIncident.objects.get(code="police_station"),
        "summary": "Beaten at the police station during questioning.",
    }
    defaults.update(fields)
    return services.allegation_create(actor=actor, **defaults)


def make_referral(allegation=None, *, actor=None, office_code=None):
    allegation = allegation or make_allegation()
    office = (
        ProsecutorOffice.objects.get(code=office_code)
        if office_code
        else ProsecutorOffice.objects.filter(country=allegation.country, level="general").first()
    )
    return services.referral_create(actor=actor, allegation=allegation, prosecutor_office=office)


def grant_prosecutor_consent(referral):
    """The person's written consent to disclose their identity to the prosecutor."""
    return services.consent_grant(
        actor=None,
        allegation=referral.allegation,
        destination="prosecutor",
        granted_on=date(2026, 3, 2),
        form="written",
    )
