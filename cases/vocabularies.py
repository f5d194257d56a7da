"""The controlled vocabularies by the name the API and the field kit give them: the model of
each list, and the fixed lists (choices)."""

from cases.choices import ReferralEventKind
from cases.models import AllegationSource, Method, PlaceOfIncident, ProsecutorOffice
from facilities.models import (
    Agency,
    ExaminedArea,
    FacilityType,
    ObstacleType,
    Region,
    VisitType,
)

VOCABULARIES = {
    "facility-types": FacilityType,
    "agencies": Agency,
    "regions": Region,
    "visit-types": VisitType,
    "methods": Method,
    "sources": AllegationSource,
    "places-of-incident": PlaceOfIncident,
    "areas": ExaminedArea,
    "obstacles": ObstacleType,
    "prosecutor-offices": ProsecutorOffice,
}
CHOICE_VOCABULARIES = {"referral-events": ReferralEventKind}
