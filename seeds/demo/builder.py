"""The demo login, and the facilities, visits, recommendations and allegations of the demo data
set, created through the services; then walked through their lifecycles (``walker``)."""

import random
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from cases import services as case_services
from cases.models import AllegationSource, Method, PlaceOfIncident, ProsecutorOffice
from facilities import services
from facilities.models import (
    Agency,
    Country,
    ExaminedArea,
    Facility,
    FacilityType,
    ObstacleType,
    Region,
    VisitType,
)
from npm_tracker.core.models import StaffProfile

from .constants import (
    ALLEGATIONS,
    DEMO_GROUP,
    DEMO_MARKER,
    END,
    FACILITY_TYPES,
    FINDINGS,
    GIVEN,
    ORGANISATIONS,
    RANKS,
    RECOMMENDATIONS,
    START,
    SURNAMES,
)
from .walker import LifecycleWalker


def _weighted(rng, items, weights):
    return rng.choices(items, weights=weights, k=1)[0]


def demo_user():
    """The demo staff login: sees both countries, may work on every record, is no superuser."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=settings.DEMO_USERNAME,
        defaults={"first_name": "Demo", "last_name": "Monitor", "is_staff": True},
    )
    if created:
        user.set_password(settings.DEMO_PASSWORD)
        user.save(update_fields=["password"])
    group, _ = Group.objects.get_or_create(name=DEMO_GROUP)
    perms = Permission.objects.filter(
        content_type__app_label__in=("facilities", "cases", "npm_tracker")
    )
    if group.permissions.count() != perms.count():
        group.permissions.set(perms)
    user.groups.add(group, *Group.objects.filter(name="npm_head"))
    profile, _ = StaffProfile.objects.get_or_create(user=user)
    profile.countries.set(Country.objects.all())
    return user


class DemoBuilder:
    def __init__(self, *, facilities_per_region: int, seed: int, regions_per_country=None):
        self.rng = random.Random(seed)
        self.per_region = facilities_per_region
        self.regions_per_country = regions_per_country
        self.end = min(END, timezone.localdate() - timedelta(days=1))
        self.user = demo_user()
        self.types = {t.code: t for t in FacilityType.objects.prefetch_related("agencies")}
        self.areas = list(ExaminedArea.objects.all())
        self.obstacles = list(ObstacleType.objects.all())
        self.methods = list(Method.objects.all())
        self.places = {p.code: p for p in PlaceOfIncident.objects.all()}
        self.sources = {s.code: s for s in AllegationSource.objects.all()}
        self.created: dict = {"visits": [], "recommendations": [], "allegations": []}
        self.counts = dict.fromkeys(
            ("facilities", "visits", "recommendations", "allegations", "referrals"), 0
        )

    def run(self) -> dict:
        for country in Country.objects.order_by("code"):
            regions = list(Region.objects.filter(country=country).order_by("sort_order"))
            regions = regions[: self.regions_per_country]
            agencies = {a.code: a for a in Agency.objects.filter(country=country)}
            for region in regions:
                for n in range(1, self.per_region + 1):
                    facility = self.facility(country, region, agencies, n)
                    if facility is not None:
                        self.visits(country, facility)
                        self.complaints(country, facility)
        LifecycleWalker(self.rng, self.user).walk_all(self.created)
        self.reports()
        return self.counts

    def reports(self) -> None:
        """Two report schedules, and last year's annual report of each country asked for (the
        worker renders it when it starts)."""
        from reports import services as report_services
        from reports.models import ReportSchedule

        last_year = self.end.year - 1
        for code, cadence, language, version in (
            ("KZ", "monthly", "ru", "public"),
            ("KG", "quarterly", "ky", "internal"),
        ):
            country = Country.objects.get(code=code)
            report_services.schedule_save(
                actor=self.user,
                schedule=ReportSchedule(
                    kind="periodic_statistics",
                    cadence=cadence,
                    country=country,
                    language=language,
                    version=version,
                    recipients="npm-head@example.org",
                ),
            )
            report_services.request_run(
                actor=self.user,
                kind="annual",
                country=country,
                period_start=date(last_year, 1, 1),
                period_end=date(last_year, 12, 31),
                language=language,
                version="internal",
            )
        self.counts["report schedules"] = 2

    def facility(self, country, region, agencies, n):
        rng = self.rng
        usable = [
            row
            for row in FACILITY_TYPES
            if row[0] in self.types
            and self.types[row[0]].country_id in (None, country.pk)
            and any(a.country_id == country.pk for a in self.types[row[0]].agencies.all())
        ]
        code, _, label = _weighted(rng, usable, [row[1] for row in usable])
        ftype = self.types[code]
        agency = rng.choice([a for a in ftype.agencies.all() if a.country_id == country.pk])
        capacity = rng.choice([10, 20, 40, 80, 150, 300, 600, 1200])
        facility = services.facility_create(
            actor=self.user,
            country=country,
            region=region,
            facility_type=ftype,
            agency=agency,
            name=f"{label} № {n} — {region.name_ru or region.name_en}",
            address=f"{region.name_ru or region.name_en}, ул. {rng.choice(SURNAMES[country.code])}"
            f"а, {rng.randint(1, 120)}",
            capacity=capacity,
            population=int(capacity * rng.uniform(0.4, 1.1)),
            security_level=rng.choice(["minimum", "medium", "maximum"])
            if ftype.has_security_level
            else "",
            medical_care_agency=agencies.get(f"{country.code.lower()}_moh")
            if rng.random() < 0.3
            else None,
            video_surveillance=rng.random() < 0.6,
            complaint_terminal=code in ("sizo", "penal_colony") and rng.random() < 0.7,
            registered_on=date(2014, 1, 1) if country.code == "KZ" else date(2012, 7, 12),
            notes=DEMO_MARKER,
        )
        self.counts["facilities"] += 1
        return facility

    def _visit_type(self, country, day, first):
        types = [
            t
            for t in VisitType.objects.for_country(country).valid_on(day)
            if t.country_id is not None
        ]
        periodic = [t for t in types if t.is_periodic]
        others = [t for t in types if not t.is_periodic]
        if first and periodic:
            return periodic[0]
        return self.rng.choice(others or periodic)

    def visits(self, country, facility):
        rng = self.rng
        span = (self.end - START).days
        days = sorted(rng.sample(range(0, span - 5), k=rng.choice([1, 1, 2, 2, 3])))
        for index, offset in enumerate(days):
            started = START + timedelta(days=offset)
            ended = started + timedelta(days=rng.choice([0, 0, 1]))
            held = facility.population or 0
            visit = services.visit_create(
                actor=self.user,
                facility=facility,
                visit_type=self._visit_type(country, started, index == 0),
                started_on=started,
                ended_on=ended,
                announced=rng.random() < 0.3,
                persons_held=held,
                interviews_private=min(held, rng.randint(2, 25)),
                interviews_group=rng.randint(0, 4),
                summary="Посещение проведено группой НПМ; беседы проведены конфиденциально.",
                team=self._team(country),
                findings=[
                    {"area": area, "text": FINDINGS.get(area.code, area.name_ru)}
                    for area in rng.sample(self.areas, k=rng.randint(2, 4))
                ],
                obstacles=[
                    {"obstacle_type": rng.choice(self.obstacles), "description": ""}
                    for _ in range(1 if rng.random() < 0.15 else 0)
                ],
                dissenting_opinions=[],
            )
            self.created["visits"].append(visit.pk)
            self.counts["visits"] += 1
            for area in rng.sample(self.areas, k=rng.randint(1, 3)):
                rec = services.recommendation_create(
                    actor=self.user,
                    country=country,
                    visit=visit,
                    source="visit_report",
                    addressee_level="facility",
                    addressee_agency=facility.agency,
                    area=area,
                    text=RECOMMENDATIONS.get(area.code, area.name_ru),
                )
                self.created["recommendations"].append(rec.pk)
                self.counts["recommendations"] += 1
            if rng.random() < 0.3:
                for _ in range(rng.choice([1, 1, 2])):
                    self.allegation(country, facility, visit, "visit_interview", started)
        if rng.random() < 0.06:
            # A visit being planned: dates ahead of today, nothing recorded yet.
            ahead = timezone.localdate() + timedelta(days=rng.randint(7, 60))
            services.visit_create(
                actor=self.user,
                facility=facility,
                visit_type=self._visit_type(country, ahead, False),
                started_on=ahead,
                announced=False,
                team=self._team(country),
            )
            self.counts["visits"] += 1

    def complaints(self, country, facility):
        """Allegations that reach the NPM outside visits: prison complaint terminals, the
        hotline, written complaints, relatives and lawyers."""
        rng = self.rng
        sources = ["hotline", "written_complaint", "relative", "lawyer"]
        if facility.complaint_terminal:
            sources += ["complaint_terminal"] * 4
        if rng.random() < (0.5 if facility.complaint_terminal else 0.12):
            day = START + timedelta(days=rng.randint(30, (self.end - START).days))
            self.allegation(country, facility, None, rng.choice(sources), day)

    def _team(self, country):
        rng = self.rng
        team = [{"user": self.user, "role": "leader"}]
        for role in rng.sample(["member", "doctor", "lawyer", "psychologist"], k=rng.randint(1, 3)):
            sex = rng.choice(["male", "female"])
            team.append(
                {
                    "full_name": f"{rng.choice(GIVEN[sex])} {rng.choice(SURNAMES[country.code])}"
                    + ("а" if sex == "female" else ""),
                    "organisation": rng.choice(ORGANISATIONS[country.code]),
                    "role": role,
                }
            )
        return team

    def allegation(self, country, facility, visit, source, received_day):
        rng = self.rng
        received_at = timezone.make_aware(
            datetime.combine(received_day, time(rng.randint(9, 17), rng.choice([0, 15, 30]))),
            country.zone,
        )
        sex = _weighted(rng, ["male", "female"], [85, 15])
        age = rng.choice([16, 17, 19, 23, 28, 34, 41, 52])
        born = received_day - timedelta(days=age * 365 + rng.randint(0, 300))
        place = rng.choice(["arrest", "police_station", "ivs", "transport", "sizo"])
        if facility.facility_type.code == "penal_colony":
            place = "penal_institution"
        consents = {}
        for destination, share in (
            ("prosecutor", 0.7),
            ("medical_examination", 0.5),
            ("publication", 0.2),
            ("spt", 0.1),
        ):
            if rng.random() < share:
                consents[destination] = {"granted_on": received_day, "form": "written"}
        police = Agency.objects.filter(code=f"{country.code.lower()}_mvd").first()
        allegation = case_services.allegation_create(
            actor=self.user,
            country=country,
            source=self.sources[source],
            received_at=received_at,
            facility=facility,
            visit=visit,
            place_of_incident=self.places[place],
            incident_date=received_day - timedelta(days=rng.randint(1, 40)),
            methods=rng.sample(self.methods, k=rng.randint(1, 3)),
            summary=rng.choice(ALLEGATIONS),
            injuries="Гематомы в области плеча и спины." if rng.random() < 0.4 else "",
            death_in_custody=False,
            serious_injury=rng.random() < 0.08,
            reprisal_risk=_weighted(rng, ["none", "low", "medium", "high"], [40, 30, 20, 10]),
            assigned_officer=self.user,
            victim={
                "sex": sex,
                "full_name": f"{rng.choice(SURNAMES[country.code])}"
                f"{'а' if sex == 'female' else ''} {rng.choice(GIVEN[sex])}",
                "date_of_birth": born,
                "citizenship": country.code,
                "current_facility": facility,
            },
            consents=consents,
            perpetrators=[
                {
                    "agency": police or facility.agency,
                    "unit": "отдел полиции",
                    "rank": rng.choice(RANKS),
                    "name": "",
                }
            ],
        )
        self.created["allegations"].append(allegation.pk)
        self.counts["allegations"] += 1
        if "prosecutor" in consents and rng.random() < 0.8:
            office = (
                ProsecutorOffice.objects.filter(region=facility.region).first()
                or ProsecutorOffice.objects.filter(country=country, level="general").first()
            )
            if office is not None:
                case_services.referral_create(
                    actor=self.user, allegation=allegation, prosecutor_office=office
                )
                self.counts["referrals"] += 1


@transaction.atomic
def build_demo(
    *, facilities_per_region: int = 10, seed: int = 2026, regions_per_country: int | None = None
) -> str:
    """Build the demo data set once; return a one-line summary. The smaller sizes serve tests."""
    user = demo_user()
    if Facility.objects.filter(notes=DEMO_MARKER).exists():
        return f"Demo data already present; demo login: {user.username}"
    counts = DemoBuilder(
        facilities_per_region=facilities_per_region,
        seed=seed,
        regions_per_country=regions_per_country,
    ).run()
    return "Demo data built: " + ", ".join(f"{n} {k}" for k, n in counts.items())
