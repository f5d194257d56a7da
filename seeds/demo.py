"""A deterministic, realistic demo data set, built through the services.

The same code on the same reference data always builds the same records (one seeded random
generator, fixed dates), so screenshots, manual tests and bug reports can refer to them.
Building twice changes nothing: the second run sees the demo facilities and stops.
"""

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
from npm_tracker.models import StaffProfile

DEMO_MARKER = "Demo data set"
DEMO_GROUP = "Demo staff"
START = date(2023, 1, 9)
END = date(2026, 10, 30)

# (type code, weight, short Russian label used in facility names)
FACILITY_TYPES = [
    ("ivs", 24, "ИВС"),
    ("sizo", 7, "СИЗО"),
    ("penal_colony", 14, "Учреждение"),
    ("colony_settlement", 3, "Колония-поселение"),
    ("special_reception_centre", 6, "Спецприёмник"),
    ("reception_distribution_centre", 3, "Приёмник-распределитель"),
    ("admin_detention_room", 5, "Комната административно задержанных"),
    ("military_guardhouse", 4, "Гауптвахта"),
    ("compulsory_psychiatric", 6, "Психиатрическая больница"),
    ("compulsory_drug_treatment", 3, "Центр принудительного лечения"),
    ("compulsory_tb_treatment", 3, "Противотуберкулёзный диспансер"),
    ("social_residential", 9, "Дом-интернат"),
    ("children_residential", 6, "Детский дом"),
    ("closed_special_education", 2, "Специальная школа закрытого типа"),
    ("juvenile_adaptation_centre", 2, "Центр адаптации несовершеннолетних"),
    ("sobering_centre", 2, "Центр медицинского вытрезвления"),
    ("migrant_holding_centre", 2, "Центр содержания иностранцев"),
]
SURNAMES = {
    "KZ": [
        "Ахметов",
        "Беков",
        "Жумабаев",
        "Искаков",
        "Каримов",
        "Нурланов",
        "Сапаров",
        "Тулегенов",
        "Омаров",
        "Ержанов",
        "Смагулов",
        "Иванов",
        "Ким",
        "Петренко",
    ],
    "KG": [
        "Абдыкадыров",
        "Бакиров",
        "Джумабеков",
        "Исаков",
        "Маматов",
        "Осмонов",
        "Сатыбалдиев",
        "Токтогулов",
        "Уметалиев",
        "Эргешов",
        "Иванов",
        "Юсупов",
    ],
}
GIVEN = {
    "male": [
        "Айдар",
        "Бауыржан",
        "Ерлан",
        "Нурсултан",
        "Азамат",
        "Бакыт",
        "Данияр",
        "Тимур",
        "Улан",
        "Эрмек",
        "Сергей",
        "Руслан",
    ],
    "female": ["Айгуль", "Динара", "Жанар", "Гульнара", "Асель", "Назира", "Мээрим", "Елена"],
}
ORGANISATIONS = {
    "KZ": [
        "ОНК Карагандинской области",
        "Казахстанское бюро по правам человека",
        "Коалиция НПО против пыток",
        "Ассоциация юристов",
    ],
    "KG": ["Кылым Шамы", "Голос свободы", "Адилет", "Ассоциация психиатров"],
}
FINDINGS = {
    "treatment": "Задержанные сообщили о грубом обращении при задержании; следов побоев "
    "не выявлено.",
    "protection_measures": "Журнал регистрации задержанных ведётся с пропусками; время "
    "задержания не всегда указано.",
    "material_conditions": "Камеры без естественного освещения, вентиляция не работает.",
    "regime_activities": "Ежедневная прогулка менее одного часа; нет доступа к библиотеке.",
    "medical_services": "Медицинский осмотр при поступлении проводится не во всех случаях.",
    "personnel": "Штат укомплектован на 70 %; сотрудники не прошли обучение по Стамбульскому "
    "протоколу.",
}
RECOMMENDATIONS = {
    "treatment": "Обеспечить немедленное документирование телесных повреждений при поступлении.",
    "protection_measures": "Вести журнал регистрации с точным временем фактического задержания.",
    "material_conditions": "Восстановить вентиляцию и обеспечить естественное освещение камер.",
    "regime_activities": "Обеспечить ежедневную прогулку продолжительностью не менее часа.",
    "medical_services": "Обеспечить медицинский осмотр каждого поступающего в течение суток.",
    "personnel": "Организовать обучение персонала по Стамбульскому протоколу.",
}
ALLEGATIONS = [
    "Сообщает, что при задержании сотрудники полиции наносили удары по голове и телу.",
    "Сообщает, что в ИВС его заставляли стоять в неудобной позе несколько часов.",
    "Сообщает об угрозах расправой над родственниками с целью получения признания.",
    "Сообщает, что ему отказывали в медицинской помощи после травмы.",
    "Сообщает о применении удушения пакетом во время допроса.",
    "Сообщает, что его держали в наручниках всю ночь без доступа к туалету.",
]
RANKS = ["лейтенант", "старший лейтенант", "капитан", "майор", "сержант", "контролёр"]


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
    user.groups.add(group)
    profile, _ = StaffProfile.objects.get_or_create(user=user)
    profile.countries.set(Country.objects.all())
    return user


class DemoBuilder:
    def __init__(self, *, facilities_per_region: int, seed: int):
        self.rng = random.Random(seed)
        self.per_region = facilities_per_region
        self.end = min(END, timezone.localdate() - timedelta(days=1))
        self.user = demo_user()
        self.types = {t.code: t for t in FacilityType.objects.prefetch_related("agencies")}
        self.areas = list(ExaminedArea.objects.all())
        self.obstacles = list(ObstacleType.objects.all())
        self.methods = list(Method.objects.all())
        self.places = {p.code: p for p in PlaceOfIncident.objects.all()}
        self.sources = {s.code: s for s in AllegationSource.objects.all()}
        self.counts = dict.fromkeys(
            ("facilities", "visits", "recommendations", "allegations", "referrals"), 0
        )

    def run(self) -> dict:
        for country in Country.objects.order_by("code"):
            regions = list(Region.objects.filter(country=country).order_by("sort_order"))
            agencies = {a.code: a for a in Agency.objects.filter(country=country)}
            for region in regions:
                for n in range(1, self.per_region + 1):
                    facility = self.facility(country, region, agencies, n)
                    if facility is not None:
                        self.visits(country, facility)
                        self.complaints(country, facility)
        return self.counts

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
            self.counts["visits"] += 1
            for area in rng.sample(self.areas, k=rng.randint(1, 3)):
                services.recommendation_create(
                    actor=self.user,
                    country=country,
                    visit=visit,
                    source="visit_report",
                    addressee_level="facility",
                    addressee_agency=facility.agency,
                    area=area,
                    text=RECOMMENDATIONS.get(area.code, area.name_ru),
                )
                self.counts["recommendations"] += 1
            if rng.random() < 0.3:
                for _ in range(rng.choice([1, 1, 2])):
                    self.allegation(country, facility, visit, "visit_interview", started)

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
def build_demo(*, facilities_per_region: int = 10, seed: int = 2026) -> str:
    """Build the demo data set once; return a one-line summary."""
    user = demo_user()
    if Facility.objects.filter(notes=DEMO_MARKER).exists():
        return f"Demo data already present; demo login: {user.username}"
    counts = DemoBuilder(facilities_per_region=facilities_per_region, seed=seed).run()
    return "Demo data built: " + ", ".join(f"{n} {k}" for k, n in counts.items())
