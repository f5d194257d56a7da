"""A known data set for report tests: one KZ region, first quarter of 2026, through the services."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from cases import services as case_services
from cases.models import AllegationSource, Method, ProsecutorOffice
from cases.tests.factories import make_allegation
from facilities import services as facility_services
from facilities.models import ExaminedArea, ObstacleType, Region, VisitFinding, VisitTeamMember
from facilities.tests.factories import make_facility, make_visit

ALMATY = ZoneInfo("Asia/Almaty")
Q1 = (date(2026, 1, 1), date(2026, 3, 31))
VICTIM_NAME = "Айгерим Тестова"
FACILITY_NAME = "ИВС Тестовый № 7"


def known_quarter():
    """6 periodic visits in Akmola Region (2 with entry delayed), 7 allegations (5 written
    complaints, 2 hotline calls; 3 of blunt trauma), 3 referrals sent (one registered 2 days
    later), 5 recommendations issued, all in Q1 2026."""
    region = Region.objects.get(code="kz_akmola")
    facility = make_facility(name=FACILITY_NAME, region=region)
    delayed = ObstacleType.objects.get(code="entry_delayed")
    visits = []
    for day in (5, 12, 19, 26, 33, 40):
        visit = make_visit(facility, started_on=date(2026, 1, 1) + timedelta(days=day))
        visits.append(visit)
    for visit in visits[:2]:
        facility_services.visit_obstacles_set(actor=None, visit=visit, obstacles=[delayed])
    written = AllegationSource.objects.get(code="written_complaint")
    hotline = AllegationSource.objects.get(code="hotline")
    trauma = Method.objects.get(code="blunt_trauma")
    allegations = []
    for index in range(7):
        allegations.append(
            make_allegation(
                received_at=datetime(2026, 2, 2 + index, 10, tzinfo=ALMATY),
                facility=facility,
                source=written if index < 5 else hotline,
                methods=[trauma] if index < 3 else [],
                victim={"full_name": VICTIM_NAME, "sex": "female"},
            )
        )
    office = ProsecutorOffice.objects.get(code="kz_po_karaganda")
    referrals = []
    for allegation in allegations[:3]:
        referral = case_services.referral_create(
            actor=None, allegation=allegation, prosecutor_office=office
        )
        case_services.referral_transition(
            actor=None,
            referral=referral,
            kind="sent",
            occurred_at=datetime(2026, 2, 10, 9, tzinfo=ALMATY),
        )
        referrals.append(referral)
    case_services.referral_transition(
        actor=None,
        referral=referrals[0],
        kind="registered",
        external_number="261234567890",
        occurred_at=datetime(2026, 2, 12, 9, tzinfo=ALMATY),
    )
    area = ExaminedArea.objects.get(code="treatment")
    for index in range(5):
        rec = facility_services.recommendation_create(
            actor=None,
            visit=visits[index],
            source="visit_report",
            addressee_level="facility",
            addressee_agency=facility.agency,
            area=area,
            text=f"Install cameras in room {index}.",
        )
        facility_services.recommendation_transition(
            actor=None,
            recommendation=rec,
            to="issued",
            occurred_at=datetime(2026, 3, 1, 10, tzinfo=ALMATY),
        )
    return {
        "region": region,
        "facility": facility,
        "visits": visits,
        "allegations": allegations,
        "referrals": referrals,
        "delayed": delayed,
        "written": written,
        "hotline": hotline,
        "trauma": trauma,
    }


def complete_visit(facility):
    """A visit with a team, a finding, an obstacle and a recommendation."""
    visit = make_visit(facility, started_on=date(2026, 3, 10), ended_on=date(2026, 3, 11))
    facility_services.visit_part_save(
        actor=None,
        part=VisitTeamMember(visit=visit, full_name="Марат Наблюдателев", role="leader"),
    )
    facility_services.visit_part_save(
        actor=None,
        part=VisitFinding(
            visit=visit,
            area=ExaminedArea.objects.get(code="material_conditions"),
            text="Cells without daylight.",
        ),
    )
    facility_services.visit_obstacles_set(
        actor=None,
        visit=visit,
        obstacles=[ObstacleType.objects.get(code="entry_delayed")],
    )
    facility_services.recommendation_create(
        actor=None,
        visit=visit,
        source="visit_report",
        addressee_level="facility",
        addressee_agency=facility.agency,
        area=ExaminedArea.objects.get(code="material_conditions"),
        text="Open cell windows.",
    )
    return visit
